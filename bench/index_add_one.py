"""Cost of adding one article to an existing index, small (SQuAD, 24) versus larger (HotpotQA, 511).

    python bench/index_add_one.py [--repeat 5] [--json]

For each set: copies the articles into a temp folder, builds the index once, then
``--repeat`` times writes one new article and times ``update_index`` (embedder
already loaded), then removes it again.  The same new article is embedded in
both sets, so the difference is the index's own overhead (scan, store copy,
FAISS write, fsync, swap).  Reports median and min seconds of the add.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from shared_data import shared_dir  # noqa: E402

from qa_assistant.config import Settings  # noqa: E402
from qa_assistant.embedding.embedder import load_embedder  # noqa: E402
from qa_assistant.index import update_index  # noqa: E402

NEW_ARTICLE = (
    "Library opens in Riverton\n\n"
    "The new public library of Riverton opened its doors on Tuesday after three years of building work. "
    "It holds 80,000 books, a music room and a reading garden on the roof. "
    "The mayor said the library would stay open until ten at night on weekdays. "
    "Entry is free for everyone living in the county.\n"
)


def measure(name: str, source: Path, embedder: object, repeat: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        articles = Path(tmp) / "articles"
        shutil.copytree(source, articles)
        settings = Settings(articles_dir=articles, index_dir=Path(tmp) / "index")
        started = time.perf_counter()
        build = update_index(settings, embedder)  # type: ignore[arg-type]
        build_s = time.perf_counter() - started
        adds: list[float] = []
        removes: list[float] = []
        for i in range(repeat):
            path = articles / f"zz-new-{i}.txt"
            path.write_text(NEW_ARTICLE, encoding="utf-8")
            started = time.perf_counter()
            report = update_index(settings, embedder)  # type: ignore[arg-type]
            adds.append(time.perf_counter() - started)
            assert report.added == 1, report
            path.unlink()
            started = time.perf_counter()
            update_index(settings, embedder)  # type: ignore[arg-type]
            removes.append(time.perf_counter() - started)
    return {"set": name, "articles": build.added, "build_s": round(build_s, 2),
            "add_one_median_s": round(statistics.median(adds), 3), "add_one_min_s": round(min(adds), 3),
            "remove_one_median_s": round(statistics.median(removes), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sets = {"squad": shared_dir() / "eval" / "squad" / "articles",
            "hotpotqa": shared_dir() / "eval" / "hotpotqa" / "articles"}
    missing = [str(p) for p in sets.values() if not p.is_dir()]
    if missing:
        sys.exit(f"eval articles absent: {', '.join(missing)}")
    embedder = load_embedder(Settings())
    embedder.encode([NEW_ARTICLE])  # warm up
    rows = [measure(name, path, embedder, args.repeat) for name, path in sets.items()]
    if args.json:
        print(json.dumps(rows))
        return
    for row in rows:
        print(f"{row['set']:<9} {row['articles']:>4} articles: build {row['build_s']:7.2f} s; add one "
              f"median {row['add_one_median_s']:.3f} s (min {row['add_one_min_s']:.3f}); "
              f"remove one median {row['remove_one_median_s']:.3f} s")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cpus")


if __name__ == "__main__":
    main()
