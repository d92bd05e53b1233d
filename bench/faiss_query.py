"""FAISS query latency at 10k and 100k passages, with the index kind chosen by size.

    python bench/faiss_query.py [--sizes 10000,100000] [--queries 1000] [--exact-max 50000]
                                [--data random|clustered] [--json]

Synthetic random L2-normalised vectors of dimension 384 (like MiniLM's) go
through ``qa_assistant.index.vectors`` as the index uses them: exact
``IndexFlatIP`` up to ``--exact-max`` (the default ``exact_index_max``),
``IndexIVFScalarQuantizer`` (8-bit) above.  Reports build seconds, nprobe, recall@10 against exact
search (on queries between two stored vectors, like the calibration, and on
fresh random queries), and single-query latency p50/p95 in milliseconds.
Random vectors (the default) have no cluster structure, the worst case for IVF
recall; ``--data clustered`` draws them around 2,000 topic centres, closer to
real embeddings, where the calibrated nprobe is smaller.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from qa_assistant.index import vectors  # noqa: E402

DIM = 384


def unit(rng: np.random.Generator, n: int) -> np.ndarray:
    x = rng.standard_normal((n, DIM)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def clustered(rng: np.random.Generator, n: int, topics: int = 2000) -> np.ndarray:
    """Vectors around ``topics`` random centres (closer to real embeddings, which cluster by subject)."""
    centres = unit(rng, topics)
    x = centres[rng.integers(0, topics, n)] + 0.06 * rng.standard_normal((n, DIM)).astype(np.float32)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def recall_at_10(index: vectors.FaissVectors, data: np.ndarray, ids: np.ndarray, queries: np.ndarray) -> float:
    exact = np.argsort(-(queries @ data.T), axis=1)[:, :10]
    found = 0
    for row, query in zip(exact, queries, strict=True):
        found += len(set(ids[row].tolist()) & {i for i, _ in index.search(query, 10)})
    return found / (10 * len(queries))


def build(ids: np.ndarray, data: np.ndarray, exact_max: int) -> tuple[vectors.FaissVectors, vectors.FaissSpec]:
    if vectors.choose_kind(len(ids), exact_max) == vectors.FLAT:
        return vectors.FaissVectors.flat(DIM, ids, data), vectors.FaissSpec(vectors.FLAT)

    def chunks():  # type: ignore[no-untyped-def]
        for start in range(0, len(ids), 20_000):
            yield ids[start:start + 20_000], data[start:start + 20_000]

    index, spec = vectors.build_ivf(chunks, len(ids), DIM)
    return vectors.FaissVectors(index), spec


def run(n: int, n_queries: int, exact_max: int, rng: np.random.Generator, data_kind: str) -> dict[str, object]:
    data = unit(rng, n) if data_kind == "random" else clustered(rng, n)
    ids = np.arange(1, n + 1, dtype=np.int64)
    started = time.perf_counter()
    index, spec = build(ids, data, exact_max)
    build_s = time.perf_counter() - started
    queries = unit(rng, n_queries)
    for query in queries[:20]:
        index.search(query, 10)  # warm up
    times = []
    for query in queries:
        t = time.perf_counter()
        index.search(query, 10)
        times.append((time.perf_counter() - t) * 1000)
    pairs = rng.integers(0, n, size=(200, 2))
    between = data[pairs[:, 0]] + data[pairs[:, 1]]
    between /= np.linalg.norm(between, axis=1, keepdims=True)
    return {
        "passages": n, "data": data_kind, "kind": spec.kind, "nlist": spec.nlist, "nprobe": spec.nprobe,
        "build_s": round(build_s, 2), "p50_ms": round(float(np.percentile(times, 50)), 3),
        "p95_ms": round(float(np.percentile(times, 95)), 3),
        "recall10_between": round(recall_at_10(index, data, ids, between), 3),
        "recall10_random": round(recall_at_10(index, data, ids, queries[:200]), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--exact-max", type=int, default=50_000)
    parser.add_argument("--data", choices=["random", "clustered"], default="random")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    rows = [run(int(n), args.queries, args.exact_max, rng, args.data) for n in args.sizes.split(",")]
    if args.json:
        print(json.dumps(rows))
        return
    for row in rows:
        extra = f" nlist {row['nlist']} nprobe {row['nprobe']}" if row["kind"] == vectors.IVF else ""
        print(f"{row['passages']:>7} {row['data']} passages  {row['kind']:<4}{extra}: build {row['build_s']} s, "
              f"query p50 {row['p50_ms']} ms p95 {row['p95_ms']} ms, recall@10 {row['recall10_between']} "
              f"(between stored) {row['recall10_random']} (random)")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cpus")


if __name__ == "__main__":
    main()
