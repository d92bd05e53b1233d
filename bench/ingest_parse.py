"""How long ingestion takes to read, decode and segment article folders (no embedding).

    python bench/ingest_parse.py [FOLDER ...]

Default folders: ../shared/eval/{squad,multirc,hotpotqa}/articles (or under
$QA_ASSISTANT_SHARED) and the sample articles.  Prints files, bytes, sentences,
passages and wall time per folder; the first folder also pays the imports.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from shared_data import shared_dir  # noqa: E402

from qa_assistant.config import load_settings, sample_articles_dir  # noqa: E402
from qa_assistant.errors import IngestError  # noqa: E402
from qa_assistant.ingest import list_article_files, load_document  # noqa: E402


def default_folders() -> list[Path]:
    shared = shared_dir()
    folders = [shared / "eval" / name / "articles" for name in ("squad", "multirc", "hotpotqa")]
    return [f for f in folders if f.is_dir()] + [sample_articles_dir()]


def measure(folder: Path) -> None:
    settings = load_settings()
    started = time.perf_counter()
    files, failures = list_article_files(folder)
    size = sentences = passages = longest = 0
    for file in files:
        try:
            doc = load_document(file, settings)
        except IngestError as exc:
            print(f"  failed: {exc}")
            continue
        size += doc.size
        sentences += len(doc.sentences)
        passages += len(doc.passages)
        longest = max([longest] + [s.end - s.start for s in doc.sentences])
    seconds = time.perf_counter() - started
    name = folder.relative_to(folder.parents[2]) if len(folder.parents) > 2 else folder
    print(f"{str(name):32} {len(files):4d} files {size / 1000:8.1f} KB {sentences:6d} sentences "
          f"{passages:5d} passages  longest {longest:4d} chars  {seconds:6.2f} s  "
          f"({size / 1000 / max(seconds, 1e-9):7.1f} KB/s){'  ' + str(len(failures)) + ' failures' if failures else ''}")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folders", nargs="*", type=Path, help="article folders (default: the eval sets' and the samples)")
    folders = parser.parse_args(argv).folders or default_folders()
    for folder in folders:
        if not folder.is_dir():
            parser.error(f"{folder} is not a folder")
    started = time.perf_counter()
    import syntok.segmenter  # noqa: F401
    import trafilatura  # noqa: F401

    print(f"imports (syntok, trafilatura): {time.perf_counter() - started:.2f} s")
    for folder in folders:
        measure(folder)


if __name__ == "__main__":
    main(sys.argv[1:])
