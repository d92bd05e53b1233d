"""ONNX Runtime driven directly: same vectors as sentence-transformers, no torch, batching by tokens."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa_assistant.config import Settings
from qa_assistant.embedding import onnx_export
from qa_assistant.embedding.embedder import Embedder, packaged_embedder_path
from qa_assistant.embedding.onnx_runtime import (
    ModelLayout,
    OnnxRunner,
    UnsupportedModelError,
    read_layout,
)

TEXTS = [
    "The central bank raised interest rates by half a percentage point on Tuesday.",
    "Heavy rain flooded the city centre overnight.",
    "Shares fell sharply after the announcement.",
    "Heavy rain flooded the city centre overnight.",
    "The striker scored twice in the second half, and the crowd sang until the final whistle.",
]


# --- model folder layout (no model load) ----------------------------------------------


def _folder(tmp_path: Path, modules: list[dict], pooling: dict | None, tokenizer: bool = True) -> Path:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "modules.json").write_text(json.dumps(modules))
    if pooling is not None:
        (folder / "1_Pooling").mkdir()
        (folder / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    if tokenizer:
        (folder / "tokenizer.json").write_text("{}")
    (folder / "sentence_bert_config.json").write_text('{"max_seq_length": 128}')
    return folder


TRANSFORMER = {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"}
POOLING = {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}


def test_the_packaged_model_is_run_with_mean_pooling_at_256_tokens() -> None:
    source = packaged_embedder_path()
    layout = read_layout(source, source)
    assert (layout.pooling, layout.max_length, layout.dimension) == ("mean", 256, 384)
    assert layout.tokenizer_file == source / "tokenizer.json"


@pytest.mark.parametrize(
    ("pooling", "expected"),
    [
        ({"word_embedding_dimension": 8, "pooling_mode": "cls"}, "cls"),
        ({"word_embedding_dimension": 8, "pooling_mode_mean_tokens": True}, "mean"),
        ({"word_embedding_dimension": 8, "pooling_mode_max_tokens": True, "pooling_mode_mean_tokens": False}, "max"),
    ],
)
def test_pooling_is_read_in_old_and_new_config_forms(tmp_path: Path, pooling: dict, expected: str) -> None:
    layout = read_layout(_folder(tmp_path, [TRANSFORMER, POOLING], pooling), tmp_path / "no-export")
    assert layout.pooling == expected and layout.max_length == 128 and layout.dimension == 8


@pytest.mark.parametrize(
    ("modules", "pooling", "tokenizer", "problem"),
    [
        ([TRANSFORMER, POOLING, {"type": "sentence_transformers.models.Dense", "path": "2_Dense"}],
         {"word_embedding_dimension": 8, "pooling_mode": "mean"}, True, "Dense"),
        ([TRANSFORMER, POOLING], {"word_embedding_dimension": 8, "pooling_mode": "weightedmean"}, True, "weightedmean"),
        ([TRANSFORMER, POOLING], {"word_embedding_dimension": 8, "pooling_mode_mean_sqrt_len_tokens": True},
         True, "pooling pooling_mode_mean_sqrt_len_tokens"),
        ([TRANSFORMER, POOLING], {"word_embedding_dimension": 8, "pooling_mode": "mean"}, False, "tokenizer.json"),
    ],
)
def test_models_this_runner_cannot_reproduce_are_left_to_sentence_transformers(
    tmp_path: Path, modules: list[dict], pooling: dict, tokenizer: bool, problem: str
) -> None:
    with pytest.raises(UnsupportedModelError, match=problem):
        read_layout(_folder(tmp_path, modules, pooling, tokenizer), tmp_path / "no-export")


def test_batches_group_similar_lengths_within_the_token_budget() -> None:
    runner = OnnxRunner(session=None, tokenizer=None, layout=ModelLayout(Path("t"), "mean", 256, 8),
                        max_batch=4, token_budget=100)
    lengths = [10, 50, 12, 11, 49, 9, 10, 30, 10, 10]
    batches = runner.batches(lengths)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for batch in batches:
        widest = max(lengths[i] for i in batch)
        assert len(batch) <= 4
        assert len(batch) == 1 or len(batch) * widest <= 100
    assert [lengths[i] for i in batches[0]] == [50, 49]  # the longest go together, not padded onto short ones
    assert all(max(lengths[i] for i in b) - min(lengths[i] for i in b) <= 2 for b in batches[2:])


def test_a_request_smaller_than_a_batch_a_worker_is_shared_by_the_workers() -> None:
    runner = OnnxRunner(session=None, tokenizer=None, layout=ModelLayout(Path("t"), "mean", 256, 8),
                        workers=2, max_batch=64)
    lengths = [30, 12, 28, 11, 14]  # an answer's sentences being checked: one batch would use one core
    batches = runner.batches(lengths)
    assert len(batches) == 2 and sorted(i for b in batches for i in b) == list(range(5))
    assert [sorted(lengths[i] for i in b) for b in batches] == [[28, 30], [11, 12, 14]]  # similar lengths together
    assert runner.batches([20]) == [[0]]
    many = runner.batches([10] * 200)  # a build's request is cut by the budget alone
    assert [len(b) for b in many] == [51, 51, 51, 47]


# --- the real model --------------------------------------------------------------


@pytest.mark.slow
def test_int8_embedder_runs_onnx_runtime_directly(int8_embedder: Embedder) -> None:
    assert isinstance(int8_embedder.model, OnnxRunner)
    assert int8_embedder.dimension == 384


@pytest.mark.slow
def test_vectors_match_sentence_transformers_on_the_same_export(int8_embedder: Embedder,
                                                                embed_settings: Settings) -> None:
    from sentence_transformers import SentenceTransformer

    export = onnx_export.ensure_export(int8_embedder.source, embed_settings.cache_dir, int8_embedder.name,
                                       int8_embedder.quantization)
    assert not export.exported
    with onnx_export.quiet_export():
        reference = SentenceTransformer(str(export.folder), backend="onnx", device="cpu", local_files_only=True,
                                        model_kwargs={"file_name": export.file_name})
    long_text = " ".join(["The council debated the budget for the new tram line late into the night."] * 60)
    texts = [*TEXTS, long_text, "Hi."]
    # one text a call: int8 activation scales depend on what else is in the batch
    expected = np.vstack([reference.encode([t], normalize_embeddings=True, convert_to_numpy=True) for t in texts])
    runner = int8_embedder.model
    assert isinstance(runner, OnnxRunner)
    same_graph = OnnxRunner.open(export.folder / export.file_name, runner.layout, workers=1, max_batch=64,
                                 disabled_optimizers=())
    try:
        exact = np.vstack([same_graph.run(same_graph.token_ids([t])) for t in texts])
    finally:
        same_graph.close()
    exact /= np.linalg.norm(exact, axis=1, keepdims=True)
    # with sentence-transformers' graph fusions, tokens, pooling and normalising are the same
    assert np.sum(exact * expected, axis=1).min() >= 0.9999
    # without the slow fused layer norm, the float sums round differently and int8 re-quantizes them
    cosines = np.sum(np.vstack([int8_embedder.encode([t]) for t in texts]) * expected, axis=1)
    assert cosines.min() >= 0.99 and cosines.mean() >= 0.997, cosines


@pytest.mark.slow
def test_max_tokens_cuts_each_text_and_keeps_its_closing_token(int8_embedder: Embedder) -> None:
    runner = int8_embedder.model
    assert isinstance(runner, OnnxRunner)
    long_text = " ".join(TEXTS)
    full = runner.token_ids([long_text, "Short."])
    cut = runner.token_ids([long_text, "Short."], max_tokens=12)
    assert len(full[0]) > 12 and len(cut[0]) == 12
    assert cut[0] == full[0][:11] + full[0][-1:]  # [CLS] ... [SEP]
    assert cut[1] == full[1]  # already short enough
    assert runner.token_ids([long_text], max_tokens=10_000) == full[:1]
    vectors = int8_embedder.encode([long_text], max_tokens=12)
    expected = runner.run(cut[:1])
    np.testing.assert_allclose(vectors, expected / np.linalg.norm(expected), atol=1e-6)
    assert float(vectors[0] @ int8_embedder.encode([long_text])[0]) < 0.999  # the cut changed the vector


@pytest.mark.slow
def test_duplicates_are_embedded_once_and_progress_counts_every_text(int8_embedder: Embedder) -> None:
    seen: list[int] = []
    vectors = int8_embedder.encode(TEXTS * 3, progress=seen.append)
    assert vectors.shape == (15, 384) and vectors.dtype == np.float32
    assert seen and seen == sorted(seen) and seen[-1] == 15
    np.testing.assert_array_equal(vectors[1], vectors[3])
    np.testing.assert_array_equal(vectors[:5], vectors[10:])
    one_by_one = np.vstack([int8_embedder.encode([t]) for t in TEXTS])
    assert np.sum(vectors[:5] * one_by_one, axis=1).min() >= 0.97  # int8 activations are scaled per batch
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@pytest.mark.slow
def test_the_onnx_path_loads_neither_torch_nor_sentence_transformers(embed_settings: Settings,
                                                                      int8_embedder: Embedder) -> None:
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from qa_assistant.config import Settings\n"
        "from qa_assistant.embedding.embedder import load_embedder\n"
        f"e = load_embedder(Settings(cache_dir=Path({str(embed_settings.cache_dir)!r}), embedder_backend='onnx-int8'))\n"
        "assert e.encode(['A question about trams?']).shape == (1, 384)\n"
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
