"""Running an exported sentence-transformers model on ONNX Runtime directly.

No torch and no sentence-transformers at run time: the ``tokenizers`` library
turns texts into token ids, ONNX Runtime computes the token states, and the
pooling the model folder declares (mean, CLS or max) turns them into one
vector per text.  Loading this takes a few hundred milliseconds and some
100 MB, against seconds and about a gigabyte for sentence-transformers on
torch, which only the one-time export still needs.

Throughput on 2 cores (measured with ``bench/embed_throughput.py``):

- texts are tokenised once, exact duplicates embedded once, and batched by
  token length so that a batch pads almost nothing;
- a batch holds at most :data:`TOKEN_BUDGET` padded tokens: small batches stay
  in the CPU cache (64 sentences or 32 passages per batch ran 20–50 % slower
  per CPU second);
- batches run in one worker thread per core on a session with one intra-op
  thread each, which scales better than one batch spread over both cores; a
  request smaller than one batch a worker (the few sentences of an answer being
  checked) is cut into one batch a worker, so it does not run on one core alone;
- ONNX Runtime's ``SkipLayerNormFusion`` is turned off: its fused kernel took 18% of
  the int8 graph's time (one thread, ONNX Runtime 1.32's profiler through
  ``bench/onnx_fusions.py --profile``), where the plain
  ``Add`` and ``LayerNormalization`` it replaces take about 2%; without it a token
  costs 49-50 µs of CPU instead of 58-60 (BBC sentences, one thread), and the vectors
  differ from the fused graph's by less than int8's batch-to-batch rounding (mean
  cosine 0.998, lowest 0.992).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

DISABLED_OPTIMIZERS = ("SkipLayerNormFusion",)
"""Graph fusions left out because they run slower here (see the module docstring)."""
SESSION_TAG = "skip-layernorm-unfused"
"""Names the session's graph choices, for caches of vectors made with them."""
TOKEN_BUDGET = 512
"""Most padded tokens in one batch (fastest per CPU second at 256–512 on SQuAD)."""
POOLING_MODES = ("mean", "cls", "max")
_KNOWN_MODULES = ("Transformer", "Pooling", "Normalize")


class UnsupportedModelError(ValueError):
    """The model folder needs sentence-transformers itself (the message says why)."""


@dataclass(frozen=True)
class ModelLayout:
    """What running a model folder takes besides the ONNX graph."""

    tokenizer_file: Path
    pooling: str
    max_length: int
    dimension: int


def read_layout(source: Path, export: Path) -> ModelLayout:
    """The tokenizer, pooling and length limit of the model in ``source`` (exported to ``export``).

    Raises UnsupportedModelError when the model has modules beyond
    Transformer, Pooling and Normalize, a pooling other than mean, CLS or max,
    or no fast-tokenizer file.
    """
    modules = _read_json(source / "modules.json", [])
    if not isinstance(modules, list):
        raise UnsupportedModelError("modules.json is not a list of modules")
    pooling_dir: Path | None = None
    for module in modules:
        kind = str(module.get("type", "")) if isinstance(module, dict) else ""
        short = kind.rsplit(".", 1)[-1]
        if short not in _KNOWN_MODULES:
            raise UnsupportedModelError(f"module {kind or module!r} is not Transformer, Pooling or Normalize")
        if short == "Pooling":
            pooling_dir = source / str(module.get("path", ""))
    config = _read_json(pooling_dir / "config.json", {}) if pooling_dir is not None else {}
    pooling = _pooling_mode(config)
    tokenizer_file = next((f for f in (export / "tokenizer.json", source / "tokenizer.json") if f.is_file()), None)
    if tokenizer_file is None:
        raise UnsupportedModelError("the model folder has no tokenizer.json")
    bert_config = _read_json(source / "sentence_bert_config.json", {})
    model_config = _read_json(source / "config.json", {})
    max_length = int(bert_config.get("max_seq_length") or model_config.get("max_position_embeddings") or 512)
    dimension = int(config.get("word_embedding_dimension") or config.get("embedding_dimension")
                    or model_config.get("hidden_size") or 0)
    if dimension <= 0:
        raise UnsupportedModelError("the model's embedding dimension is not recorded")
    return ModelLayout(tokenizer_file, pooling, max_length, dimension)


def _pooling_mode(config: dict[str, Any]) -> str:
    mode = config.get("pooling_mode")
    if mode is None and not config:
        mode = "mean"  # sentence-transformers' default
    elif mode is None:  # older sentence-transformers: one boolean per mode
        flags = {"pooling_mode_mean_tokens": "mean", "pooling_mode_cls_token": "cls", "pooling_mode_max_tokens": "max"}
        on = [key for key, value in config.items() if key.startswith("pooling_mode_") and value]
        mode = flags.get(on[0]) if len(on) == 1 else None
        if mode is None:
            raise UnsupportedModelError(f"pooling {', '.join(on) or 'none'} is not one of {', '.join(POOLING_MODES)}")
    if mode not in POOLING_MODES:
        raise UnsupportedModelError(f"pooling {mode!r} is not one of {', '.join(POOLING_MODES)}")
    return str(mode)


def _read_json(path: Path, default: Any) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return default
    except (OSError, ValueError) as exc:
        raise UnsupportedModelError(f"{path.name} is unreadable ({exc})") from None


@dataclass(eq=False)
class OnnxRunner:
    """An ONNX Runtime session, a tokenizer and a pooling: texts in, unnormalised vectors out."""

    session: Any = field(repr=False)
    tokenizer: Any = field(repr=False)
    layout: ModelLayout
    workers: int = 1
    """Batches run at once (one intra-op thread each)."""
    max_batch: int = 64
    """Most texts in one batch, whatever their length."""
    token_budget: int = TOKEN_BUDGET
    _inputs: frozenset[str] = frozenset()
    _output: str = ""
    _pool: ThreadPoolExecutor | None = field(default=None, repr=False)
    _pool_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def open(cls, onnx_file: Path, layout: ModelLayout, workers: int, max_batch: int,
             disabled_optimizers: Sequence[str] = DISABLED_OPTIMIZERS) -> OnnxRunner:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        session = ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"],
                                       disabled_optimizers=list(disabled_optimizers))
        tokenizer = Tokenizer.from_file(str(layout.tokenizer_file))
        tokenizer.no_padding()
        tokenizer.enable_truncation(layout.max_length)
        outputs = [o.name for o in session.get_outputs()]
        output = "last_hidden_state" if "last_hidden_state" in outputs else outputs[0]
        return cls(session, tokenizer, layout, max(1, workers), max(1, max_batch),
                   _inputs=frozenset(i.name for i in session.get_inputs()), _output=output)

    def token_ids(self, texts: Sequence[str], max_tokens: int | None = None) -> list[list[int]]:
        """Token ids of each text (special tokens included, truncated to the model's limit or to
        ``max_tokens`` if lower: the text is cut and its closing special token kept).

        ``encode_batch_fast`` skips the character offsets, which nothing here reads: the same ids
        for 28% less CPU than ``encode_batch`` (9,610 BBC sentences, 3 passes: 1.63 against 2.26 s)."""
        ids = [e.ids for e in self.tokenizer.encode_batch_fast(list(texts), add_special_tokens=True)]
        if max_tokens is None or max_tokens >= self.layout.max_length:
            return ids
        keep = max(1, max_tokens - 1)
        return [x if len(x) <= max_tokens else x[:keep] + x[-1:] for x in ids]

    def batches(self, lengths: Sequence[int]) -> list[list[int]]:
        """Positions grouped by similar length, each group within the token budget, longest first."""
        order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
        groups: list[list[int]] = []
        current: list[int] = []
        for i in order:
            width = lengths[current[0]] if current else lengths[i]  # the first (longest) sets the padding
            if current and (len(current) >= self.max_batch or (len(current) + 1) * width > self.token_budget):
                groups.append(current)
                current = []
            current.append(i)
        if current:
            groups.append(current)
        if len(groups) < self.workers and len(order) > len(groups):
            # a few texts (an answer's sentences being checked) in one batch would run on one core
            # while the others idle: cut the length order into one run of similar texts per worker
            k = min(self.workers, len(order))
            groups = [order[len(order) * j // k:len(order) * (j + 1) // k] for j in range(k)]
        return groups

    def run(self, ids: Sequence[list[int]], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """float32 ``(len(ids), dimension)`` pooled, unnormalised vectors, in the order given."""
        out = np.zeros((len(ids), self.layout.dimension), dtype=np.float32)
        groups = self.batches([len(x) for x in ids])

        def one(group: list[int]) -> tuple[list[int], np.ndarray]:
            return group, self._forward([ids[i] for i in group])

        done = 0
        pool = self._executor() if len(groups) > 1 else None
        results = pool.map(one, groups) if pool is not None else map(one, groups)
        for group, vectors in results:
            out[group] = vectors
            done += len(group)
            if progress is not None:
                progress(done)
        return out

    def token_states(self, batch: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        """The graph's output for a batch of token id lists (padded), and the attention mask."""
        width = max(len(x) for x in batch)
        input_ids = np.zeros((len(batch), width), dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, tokens in enumerate(batch):
            input_ids[row, :len(tokens)] = tokens
            mask[row, :len(tokens)] = 1
        feed = {"input_ids": input_ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(input_ids)
        return np.asarray(self.session.run([self._output], feed)[0], dtype=np.float32), mask

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        states, mask = self.token_states(batch)
        if states.ndim == 2:  # the graph pools already
            return states
        if self.layout.pooling == "cls":
            return states[:, 0]
        weights = mask[:, :, None].astype(np.float32)
        if self.layout.pooling == "max":
            return np.where(weights > 0, states, -np.inf).max(axis=1)
        return (states * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)

    def _executor(self) -> ThreadPoolExecutor | None:
        if self.workers <= 1:
            return None
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="embed")
            return self._pool

    def close(self) -> None:
        with self._pool_lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None
