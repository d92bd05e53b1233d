"""What an index costs as it grows: update time and bytes, size on disk, start-up, query latency.

    python bench/index_scale.py [--sizes 10000,100000] [--bbc | --no-bbc] [--work DIR] [--json]

1. ``../shared/corpora/bbc-news`` (2,225 articles) with the REAL packaged embedder
   (``--bbc-build stand-in`` builds it with the stand-in instead, named as the
   real one, for the storage figures when a real build takes too long), through
   the CLI as a user runs it (one process per command, ``/usr/bin/time``
   for wall time, peak RSS and file-system output): full build, then adding,
   changing, renaming and removing one article; the same add on a 40-article
   folder; the add inside one process with the models loaded; index size on disk
   against the text's.
2. ``--sizes`` synthetic folders built from the BBC text (each article: a title
   and 8-30 sentences drawn at random from all BBC articles), indexed with a FAST
   DETERMINISTIC STAND-IN EMBEDDER (a fixed random vector per text, no meaning;
   only the storage layer is measured) and written straight through the store
   writer (the code an update runs after parsing; parsing 100,000 files would
   take minutes and is not storage).  Then, in this process: add, change,
   rename and remove one article (``update_index``, seconds and bytes written
   from ``/proc/self/io``), engine ready (index open, BM25 ready; in a fresh
   process for its peak RSS) and query latency (retrieval + sentence scoring).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from qa_assistant.config import Settings  # noqa: E402
from qa_assistant.ingest import content_hash, make_passages  # noqa: E402
from qa_assistant.models import Document, Span  # noqa: E402

BBC = REPO.parent / "shared" / "corpora" / "bbc-news"
QUESTIONS = ["What did the minister say about the economy?", "Who won the match on Saturday?",
             "How many people bought the new phone?", "Which film won the award?",
             "What happened to oil prices?", "Why did the company shares fall?"]


class StandInEmbedder:
    """Deterministic vectors without a model: a topic centre picked by the text's first word plus
    a fixed random direction picked by the text's CRC-32 (clustered like real embeddings, no meaning)."""

    name = "bench/stand-in-embedder"
    dimension = 384
    backend = "stand-in"

    def __init__(self) -> None:
        rng = np.random.default_rng(0)
        self._topics = self._unit(rng.standard_normal((2000, self.dimension), dtype=np.float32))
        self._noise = self._unit(rng.standard_normal((16384, self.dimension), dtype=np.float32))

    @staticmethod
    def _unit(x: np.ndarray) -> np.ndarray:
        return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None,
               max_tokens: int | None = None) -> np.ndarray:
        crc = np.array([zlib.crc32(t.encode("utf-8", "replace")) for t in texts], dtype=np.int64)
        first = np.array([zlib.crc32(t.split(" ", 1)[0].lower().encode("utf-8", "replace")) for t in texts], np.int64)
        out = self._unit(0.8 * self._topics[first % 2000] + 0.6 * self._noise[crc % 16384]) if len(texts) else \
            np.zeros((0, self.dimension), np.float32)
        if progress is not None and len(texts):
            progress(len(texts))
        return out


def io_written() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("write_bytes:"):
            return int(line.split()[1])
    return 0


def bbc_sentences() -> list[str]:
    sentences: list[str] = []
    for path in sorted(BBC.rglob("*.txt")):
        body = path.read_text(encoding="utf-8", errors="replace").split("\n", 1)[-1]
        sentences += [s.strip() for s in re.split(r"(?<=[.!?])\s+", body) if len(s.strip()) > 20]
    return sentences


def synthetic_articles(n: int, sentences: list[str], seed: int = 0) -> list[tuple[str, str, list[str]]]:
    """(relpath, title, sentences) of ``n`` articles made of shuffled BBC sentences."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        body = [sentences[rng.randrange(len(sentences))] for _ in range(rng.randint(8, 30))]
        out.append((f"{i % 100:02d}/article-{i:06d}.txt", f"Synthetic article {i}", body))
    return out


def document(relpath: str, title: str, body: list[str], path: Path, settings: Settings) -> Document:
    text = title + "\n\n" + " ".join(body) + "\n"
    spans, at = [Span(0, len(title))], len(title) + 2
    for sentence in body:
        spans.append(Span(at, at + len(sentence)))
        at += len(sentence) + 1
    data = text.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    st = path.stat()
    return Document(relpath, title, text, content_hash(data), st.st_mtime, st.st_size, tuple(spans),
                    tuple(make_passages(len(spans), settings.passage_sentences, settings.passage_overlap)))


def direct_build(settings: Settings, articles: list[tuple[str, str, list[str]]], embedder: StandInEmbedder) -> float:
    """Write the folder and its index through StoreWriter + the merge, as a rebuild would after parsing."""
    from qa_assistant.index import compact, layout
    from qa_assistant.index.postings import PostingsBuilder
    from qa_assistant.index.schema import (
        FORMAT_VERSION,
        compact_file,
        connect_writer,
        create_schema,
        write_meta,
    )
    from qa_assistant.index.store import StoreWriter

    started = time.perf_counter()
    folder = settings.index_dir / "epoch-1"
    folder.mkdir(parents=True)
    conn = connect_writer(folder / layout.STORE_NAME, bulk=True)
    create_schema(conn)
    writer = StoreWriter(conn, embedder.dimension, PostingsBuilder())
    conn.execute("BEGIN")
    for relpath, title, body in articles:
        doc = document(relpath, title, body, settings.articles_dir / relpath, settings)
        texts = [doc.text[s.start:s.end] for s in doc.sentences]
        texts += [doc.text[doc.sentences[a].start:doc.sentences[b - 1].end] for a, b in doc.passages]
        vectors = embedder.encode(texts)
        writer.add_article(doc, vectors[:len(doc.sentences)], vectors[len(doc.sentences):])
    values = compact.merge(conn, folder, {}, embedder.dimension, settings.exact_index_max, writer.postings)
    values.update({"format_version": str(FORMAT_VERSION), "embedder": embedder.name, "dimension": "384",
                   "backend": embedder.backend, "articles_dir": str(settings.articles_dir), "generation": "1",
                   "passage_vectors": "embed", "previous_base": ""})
    write_meta(conn, values)
    conn.execute("COMMIT")
    compact_file(conn)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    layout.write_current(settings.index_dir, 1)
    layout.remember_source(settings.index_dir, settings.articles_dir)
    return time.perf_counter() - started


def timed_update(settings: Settings, embedder: object, change: Callable[[], None]) -> dict[str, float]:
    from qa_assistant.index import update_index

    change()
    before = io_written()
    started, cpu = time.perf_counter(), time.process_time()
    report = update_index(settings, embedder)  # type: ignore[arg-type]
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert not report.failed, report.failed
    return {"seconds": round(seconds, 3), "cpu_s": round(cpu, 3), "mb_written": round((io_written() - before) / 1e6, 3)}


def one_article_changes(settings: Settings, embedder: object, sentences: list[str]) -> dict[str, dict[str, float]]:
    root = settings.articles_dir
    rng = random.Random(7)
    new_text = "Bench article\n\n" + " ".join(rng.choice(sentences) for _ in range(20)) + "\n"
    changed_text = "Bench article, revised\n\n" + " ".join(rng.choice(sentences) for _ in range(20)) + "\n"
    return {
        "add": timed_update(settings, embedder, lambda: (root / "bench-new.txt").write_text(new_text)),
        "change": timed_update(settings, embedder, lambda: (root / "bench-new.txt").write_text(changed_text)),
        "rename": timed_update(settings, embedder, lambda: (root / "bench-new.txt").rename(root / "bench-moved.txt")),
        "remove": timed_update(settings, embedder, lambda: (root / "bench-moved.txt").unlink()),
    }


def ready_and_query(settings: Settings, embedder: StandInEmbedder | None) -> dict[str, float]:
    """Open the index (BM25 ready) and time retrieval + sentence scoring, in a fresh process
    (``embedder`` None: the real one, loaded before the clock starts)."""
    make = "StandInEmbedder()" if embedder is not None else \
        "__import__('qa_assistant.embedding.embedder', fromlist=['x']).load_embedder(Settings())"
    code = f"""
import json, sys, time
sys.path.insert(0, {str(REPO)!r}); sys.path.insert(0, {str(Path(__file__).parent)!r})
import numpy as np
from index_scale import StandInEmbedder, QUESTIONS
from qa_assistant.config import Settings
e = {make}
started, cpu = time.perf_counter(), time.process_time()
from qa_assistant.index import open_index
from qa_assistant.retrieval import HybridRetriever, score_sentences
reader = open_index({str(settings.index_dir)!r}, e.name)
retriever = HybridRetriever(reader, e.encode)
ready, ready_cpu = time.perf_counter() - started, time.process_time() - cpu
times, cpus = [], []
for round_ in range(6):
    for q in QUESTIONS:
        t, c = time.perf_counter(), time.process_time()
        hits = retriever.retrieve(q, 5)
        score_sentences(hits, retriever.stats)
        if round_:
            times.append(time.perf_counter() - t)
            cpus.append(time.process_time() - c)
print(json.dumps({{"ready_s": round(ready, 3), "ready_cpu_s": round(ready_cpu, 3),
                  "query_p50_ms": round(float(np.percentile(times, 50)) * 1000, 2),
                  "query_p95_ms": round(float(np.percentile(times, 95)) * 1000, 2),
                  "query_cpu_p50_ms": round(float(np.percentile(cpus, 50)) * 1000, 2)}}))
"""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    # under /usr/bin/time: a child forked from this (large) process would inherit its peak RSS
    out = subprocess.run(["/usr/bin/time", "-f", "RSS %M", sys.executable, "-c", code], capture_output=True,
                         text=True, check=True, env=env)
    found = json.loads(out.stdout.strip().splitlines()[-1])
    found["peak_rss_mib"] = round(int(out.stderr.strip().splitlines()[-1].split()[1]) / 1024)
    return found


def synthetic(n: int, work: Path, sentences: list[str]) -> dict[str, object]:
    root = work / f"synthetic-{n}"
    shutil.rmtree(root, ignore_errors=True)
    settings = Settings(articles_dir=root / "articles", index_dir=root / "index")
    embedder = StandInEmbedder()
    build_s = direct_build(settings, synthetic_articles(n, sentences), embedder)
    text_mb = sum(p.stat().st_size for p in settings.articles_dir.rglob("*.txt")) / 1e6
    changes = one_article_changes(settings, embedder, sentences)
    index_mb = sum(p.stat().st_size for p in settings.index_dir.rglob("*") if p.is_file()) / 1e6
    return {"articles": n, "embedder": "stand-in (deterministic, no model)", "direct_build_s": round(build_s, 1),
            "text_mb": round(text_mb, 1), "index_mb": round(index_mb, 1), "ratio": round(index_mb / text_mb, 2),
            **{f"{k}": v for k, v in changes.items()}, **ready_and_query(settings, embedder)}


def cli(args: list[str]) -> dict[str, float]:
    """One whole CLI process under /usr/bin/time: wall seconds, peak RSS, file-system output."""
    fmt = "TIME %e %M %O %U %S"
    cmd = ["/usr/bin/time", "-f", fmt, sys.executable, "-c", "from qa_assistant.cli import main; main()", *args]
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    wall, rss_kb, blocks, user, system = out.stderr.strip().splitlines()[-1].split()[1:]
    return {"wall_s": float(wall), "cpu_s": round(float(user) + float(system), 2),
            "peak_rss_mib": round(int(rss_kb) / 1024), "mb_written": int(blocks) * 512 / 1e6}


class NamedStandIn(StandInEmbedder):
    """The stand-in under the packaged embedder's name, so the CLI's real embedder can extend its index."""

    name = "sentence-transformers/all-MiniLM-L6-v2"
    backend = "stand-in"


def bbc(work: Path, real_build: bool) -> dict[str, object]:
    root = work / "bbc"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(BBC, root / "articles")
    small = root / "articles-40"
    small.mkdir()
    for path in sorted((root / "articles").rglob("*.txt"))[:40]:
        shutil.copy(path, small / path.name)
    flags = ["--articles", str(root / "articles"), "--index", str(root / "index")]
    if real_build:
        build: dict[str, object] = cli(["index", "rebuild", *flags, "--json"])
    else:  # the stored vectors then mean nothing, but every code and row has its real size
        from qa_assistant.index import update_index as build_with

        started = time.perf_counter()
        build_with(Settings(articles_dir=root / "articles", index_dir=root / "index"), NamedStandIn())
        build = {"stand_in_build_s": round(time.perf_counter() - started, 1)}
    sentences = bbc_sentences()
    rng = random.Random(3)
    text = "Bench article\n\n" + " ".join(rng.choice(sentences) for _ in range(20)) + "\n"

    def each(folder: Path, index: Path) -> dict[str, dict[str, float]]:
        f = ["--articles", str(folder), "--index", str(index), "--json"]
        steps: dict[str, dict[str, float]] = {}
        adds = []
        for i in range(3):
            (folder / f"bench-{i}.txt").write_text(text.replace("Bench", f"Bench {i}"))
            adds.append(cli(["index", "update", *f]))
        steps["add"] = min(adds, key=lambda r: r["wall_s"]) | {"median_wall_s": statistics.median(
            r["wall_s"] for r in adds)}
        (folder / "bench-0.txt").write_text(text.replace("Bench", "Changed bench"))
        steps["change"] = cli(["index", "update", *f])
        (folder / "bench-1.txt").rename(folder / "bench-renamed.txt")
        steps["rename"] = cli(["index", "update", *f])
        (folder / "bench-2.txt").unlink()
        steps["remove"] = cli(["index", "update", *f])
        steps["no-op"] = cli(["index", "update", *f])
        return steps

    big = each(root / "articles", root / "index")
    if real_build:
        cli(["index", "rebuild", "--articles", str(small), "--index", str(root / "index-40"), "--json"])
    else:
        build_with(Settings(articles_dir=small, index_dir=root / "index-40"), NamedStandIn())
    forty = each(small, root / "index-40")
    text_mb = sum(p.stat().st_size for p in (root / "articles").rglob("*.txt")) / 1e6
    index_mb = sum(p.stat().st_size for p in (root / "index").rglob("*") if p.is_file()) / 1e6

    from qa_assistant.embedding.embedder import load_embedder

    settings = Settings(articles_dir=root / "articles", index_dir=root / "index")
    embedder = load_embedder(settings)
    in_process = []
    for i in range(3):
        in_process.append(timed_update(settings, embedder, lambda i=i: (root / "articles" / f"warm-{i}.txt")
                                       .write_text(text.replace("Bench", f"Warm {i}"))))
    bbc_settings = settings.replace(index_dir=root / "index")
    embedder_note = "packaged MiniLM (real)" if real_build else \
        "built with the stand-in (named as MiniLM); every update below embeds with the real MiniLM"
    return {"articles": 2225, "embedder": embedder_note, "build": build, "text_mb": round(text_mb, 2),
            "index_mb": round(index_mb, 2), "ratio": round(index_mb / text_mb, 2), "cli_2225": big, "cli_40": forty,
            "add_in_process": in_process, **ready_and_query(bbc_settings, None)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--bbc", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--bbc-build", choices=["real", "stand-in"], default="real",
                        help="Build the BBC index with the real embedder (minutes) or the stand-in (seconds).")
    parser.add_argument("--work", type=Path, default=None, help="Scratch folder (default: a temp folder).")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="index-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, object]] = []

    def done(row: dict[str, object]) -> None:
        row["load_average"] = round(os.getloadavg()[0], 2)
        rows.append(row)
        if not args.json:  # each row as soon as it is measured
            print(json.dumps(row, indent=1), flush=True)

    if args.bbc:
        done(bbc(work, args.bbc_build == "real"))
    sentences = bbc_sentences()
    for n in [int(x) for x in args.sizes.split(",") if x]:
        done(synthetic(n, work, sentences))
    if args.json:
        print(json.dumps({"rows": rows}))
    else:
        print(f"on {os.cpu_count()} cpus; synthetic rows use the stand-in embedder (no model)")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
