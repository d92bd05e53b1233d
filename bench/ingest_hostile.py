"""Parse time of hostile or pathological article texts: ingestion must stay about linear in their size.

    python bench/ingest_hostile.py [--size 200000]

Each case is a text of about SIZE characters built to hit one pattern (many short
lines, a heading of spaces, emphasis marks in a heading, a long run without spaces,
abbreviations, quotes, tables, front matter, deep HTML...).  Prints the seconds and
sentences per case, and the time per 100 KB so sizes can be compared: run it at two
sizes and a case whose figure grows with the size is super-linear.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from qa_assistant.config import load_settings  # noqa: E402
from qa_assistant.errors import IngestError  # noqa: E402
from qa_assistant.ingest import parse_document  # noqa: E402

CASES: dict[str, Callable[[int], str]] = {
    "many-short-lines.txt": lambda n: "Title\n\n" + "Short line.\n" * (n // 12),
    "front-matter.md": lambda n: "---\n" + "x: y\n" * (n // 5) + "\n",
    "table-rows.md": lambda n: "T\n\n" + "| a | b |\n|---|---|\n" * (n // 20),
    "heading-of-spaces.md": lambda n: "# a" + " " * n + "b\n\nText.\n",
    "emphasis-heading.md": lambda n: "# " + "*a " * (n // 3) + "\n\nText here.\n",
    "abbreviations.txt": lambda n: "Title\n\n" + "Gov. A " * (n // 7) + "\n",
    "open-quotes.txt": lambda n: "Title\n\n" + '"a. ' * (n // 4) + "\n",
    "tag-line.txt": lambda n: "Title\n\n" + "a b c, " * (n // 7) + "\n",
    "run-without-spaces.txt": lambda n: "Intro sentence here. " + "x" * n + "\n",
    "nested-html.html": lambda n: ("<html><body>" + "<div>" * (n // 11) + "<p>Text.</p>" + "</div>" * (n // 11)
                                   + "</body></html>"),
    "wall-of-words.txt": lambda n: "Title\n\n" + "word " * (n // 5) + "\n",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=200_000, help="characters per case (default 200,000)")
    args = parser.parse_args()
    settings = load_settings()
    parse_document("warm.txt", b"Warm up.\n\nThe imports load here.\n", 0.0, settings)
    print(f"{'case':26s} {'seconds':>8s} {'s/100KB':>8s}  result")
    for name, make in CASES.items():
        data = make(args.size).encode()
        started = time.perf_counter()
        try:
            result = f"{len(parse_document(name, data, 0.0, settings).sentences)} sentences"
        except IngestError as exc:
            result = f"refused: {str(exc)[:70]}"
        seconds = time.perf_counter() - started
        print(f"{name:26s} {seconds:8.2f} {seconds / (len(data) / 100_000):8.2f}  {result}", flush=True)


if __name__ == "__main__":
    main()
