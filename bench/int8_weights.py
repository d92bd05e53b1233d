"""CPU per token and closeness to fp32 of the embedder's int8 graph, by kind of int8 weights.

    python bench/int8_weights.py [--articles DIR] [--files 150] [--rounds 2]

Exports the packaged embedder to fp32 ONNX once (into a temporary folder, with torch), then
quantizes it dynamically the way ``embedding/onnx_export.py`` does, with optimum's ``avx2``
config and each of its weight settings: unsigned int8 weights (optimum's default for ``avx2``),
signed int8 weights (``avx2_s8``, what the embedder uses on a CPU with AVX2 but no AVX-512),
and both again with ``reduce_range`` (7-bit weights).  The sentences of the first ``--files``
articles (default: ../shared/corpora/bbc-news) are embedded in the embedder's own batches on one
thread, once per graph and round; the best round's µs of CPU a token is printed with the lowest
and mean cosine of each graph's vectors to fp32's.  The machine may be shared: compare graphs
of one run.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
import numpy as np  # noqa: E402
from onnx_bench import article_sentences, onnx_embedder  # noqa: E402
from shared_data import shared_dir  # noqa: E402

from qa_assistant.embedding import onnx_export  # noqa: E402
from qa_assistant.embedding.onnx_runtime import DISABLED_OPTIMIZERS, OnnxRunner  # noqa: E402


def quantized_graphs(source: Path, folder: Path) -> dict[str, Path]:
    """fp32 and the int8 variants of the model at ``source``, written into ``folder``."""
    from onnxruntime.quantization import QuantType
    from optimum.onnxruntime.configuration import AutoQuantizationConfig
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.backend import export_dynamic_quantized_onnx_model

    with onnx_export.quiet_export():
        model = SentenceTransformer(str(source), backend="onnx", device="cpu", model_kwargs={"export": True})
        model.save_pretrained(str(folder))
        graphs = {"fp32": folder / "onnx" / "model.onnx"}
        for label, weights, reduce_range in (("unsigned (optimum avx2)", QuantType.QUInt8, False),
                                             ("signed (avx2_s8, shipped)", QuantType.QInt8, False),
                                             ("unsigned, reduce_range", QuantType.QUInt8, True),
                                             ("signed, reduce_range", QuantType.QInt8, True)):
            config = dataclasses.replace(AutoQuantizationConfig.avx2(is_static=False, reduce_range=reduce_range),
                                         weights_dtype=weights)
            suffix = f"v{len(graphs)}"
            export_dynamic_quantized_onnx_model(model, config, str(folder), file_suffix=suffix)
            graphs[label] = folder / "onnx" / f"model_{suffix}.onnx"
    return graphs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=Path, default=shared_dir() / "corpora" / "bbc-news")
    parser.add_argument("--files", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    settings, embedder, runner = onnx_embedder(args.articles, "onnx")
    texts = article_sentences(settings, args.files)
    ids = runner.token_ids(texts)
    tokens = sum(len(x) for x in ids)

    with tempfile.TemporaryDirectory() as tmp:
        graphs = quantized_graphs(embedder.source, Path(tmp))
        best: dict[str, float] = {}
        vectors: dict[str, np.ndarray] = {}
        for _ in range(args.rounds):
            for label, onnx_file in graphs.items():
                one = OnnxRunner.open(onnx_file, runner.layout, workers=1, max_batch=runner.max_batch,
                                      disabled_optimizers=tuple(DISABLED_OPTIMIZERS))
                one.run(ids[:100])  # warm-up
                started = time.process_time()
                out = one.run(ids)
                best[label] = min(best.get(label, float("inf")), time.process_time() - started)
                vectors[label] = out / np.linalg.norm(out, axis=1, keepdims=True)
    print(f"{len(texts)} sentences, {tokens} tokens, one thread; load average {os.getloadavg()[0]:.2f}")
    for label, seconds in best.items():
        cosines = np.sum(vectors[label] * vectors["fp32"], axis=1)
        print(f"  {label:<28} {seconds / tokens * 1e6:6.1f} µs/token   cosine to fp32: "
              f"lowest {cosines.min():.4f}, mean {cosines.mean():.4f}")


if __name__ == "__main__":
    main()
