"""CPU per token of the int8 embedder with and without ONNX Runtime graph fusions, on one thread.

    python bench/onnx_fusions.py [--articles DIR] [--files 150] [--rounds 2] [--profile]

Embeds the sentences of the first ``--files`` articles (default: ../shared/corpora/bbc-news)
in the embedder's own length-sorted batches, on one thread with the embedder's own session
settings (``OnnxRunner.open``) over the cached int8 export, once per variant: the fusions the embedder leaves out
(``onnx_runtime.DISABLED_OPTIMIZERS``), none left out (ONNX Runtime's default), and each
further fusion left out on top of the default.  Prints the best round's µs of CPU per
token, and the lowest and mean cosine of each variant's vectors to the default's.
``--profile`` adds ONNX Runtime's per-operator share of the time for the shipped session
and for ONNX Runtime's default one.  The machine may be shared: compare variants of one run,
not runs made at different times.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
import numpy as np  # noqa: E402
from onnx_bench import article_sentences, onnx_embedder  # noqa: E402
from shared_data import shared_dir  # noqa: E402

from qa_assistant.embedding import onnx_export  # noqa: E402
from qa_assistant.embedding.onnx_runtime import DISABLED_OPTIMIZERS, OnnxRunner  # noqa: E402

FURTHER = ("LayerNormFusion", "GeluFusion", "MatMulIntegerToFloatFusion", "DynamicQuantizeMatMulFusion",
           "AttentionFusion", "TransposeOptimizer")


def profiled_session(onnx_file: Path, disabled: tuple[str, ...], prefix: str) -> Any:
    """A session like the embedder's (one thread, all optimizations but ``disabled``) that profiles."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    options.enable_profiling = True
    options.profile_file_prefix = prefix
    return ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"],
                                disabled_optimizers=list(disabled))


def embed_all(runner: OnnxRunner, ids: list[list[int]]) -> tuple[float, np.ndarray]:
    """CPU seconds of one pass over ``ids`` in the runner's batches, and the unit vectors."""
    started = time.process_time()
    out = runner.run(ids)
    seconds = time.process_time() - started
    return seconds, out / np.linalg.norm(out, axis=1, keepdims=True)


def op_shares(profile_file: str) -> dict[str, float]:
    events = json.loads(Path(profile_file).read_text(encoding="utf-8"))
    spent: collections.Counter[str] = collections.Counter()
    for event in events:
        if event.get("cat") == "Node" and str(event.get("name", "")).endswith("_kernel_time"):
            spent[event["args"]["op_name"]] += event["dur"]
    total = sum(spent.values()) or 1
    return {op: round(spent[op] / total, 3) for op, _ in spent.most_common(8)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=Path, default=shared_dir() / "corpora" / "bbc-news")
    parser.add_argument("--files", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    settings, embedder, runner = onnx_embedder(args.articles, "onnx-int8")
    export = onnx_export.ensure_export(embedder.source, settings.cache_dir, embedder.name, embedder.quantization)
    onnx_file = export.folder / export.file_name

    texts = article_sentences(settings, args.files)
    ids = runner.token_ids(texts)
    tokens = sum(len(x) for x in ids)

    variants: dict[str, tuple[str, ...]] = {"shipped": tuple(DISABLED_OPTIMIZERS), "ORT default": ()}
    variants.update({f"shipped + no {name}": (*DISABLED_OPTIMIZERS, name) for name in FURTHER})
    best: dict[str, float] = {}
    vectors: dict[str, np.ndarray] = {}
    for _ in range(args.rounds):
        for label, disabled in variants.items():
            one = OnnxRunner.open(onnx_file, runner.layout, workers=1, max_batch=runner.max_batch,
                                  disabled_optimizers=disabled)
            embed_all(one, ids[:200])  # warm-up
            seconds, vectors[label] = embed_all(one, ids)
            best[label] = min(best.get(label, float("inf")), seconds)
    print(f"{len(texts)} sentences, {tokens} tokens, one thread; load average {os.getloadavg()[0]:.2f}")
    reference = vectors["ORT default"]
    for label, seconds in best.items():
        cosines = np.sum(vectors[label] * reference, axis=1)
        print(f"  {label:<48} {seconds / tokens * 1e6:5.1f} µs/token   cosine to default: "
              f"lowest {cosines.min():.4f}, mean {cosines.mean():.4f}")
    if args.profile:
        with tempfile.TemporaryDirectory() as tmp:
            for label in ("shipped", "ORT default"):
                one = OnnxRunner.open(onnx_file, runner.layout, workers=1, max_batch=runner.max_batch)
                one.session = profiled_session(onnx_file, variants[label], str(Path(tmp) / "profile"))
                embed_all(one, ids)
                print(f"  {label}: {op_shares(one.session.end_profiling())}")


if __name__ == "__main__":
    main()
