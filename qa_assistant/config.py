"""One frozen settings object: built-in defaults < qa-assistant.toml < environment < flags.

Every path and tunable the engine, CLI and TUI use lives here, so there is one
place that decides where data lives and how big things are.  Nothing is created
on import; callers build a ``Settings`` once and pass it down.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import QAError

CONFIG_FILE_NAME = "qa-assistant.toml"
ENV_PREFIX = "QA_ASSISTANT_"
PACKAGE_DIR = Path(__file__).resolve().parent


class ConfigError(QAError, ValueError):
    """A setting has a value that cannot be used; the message names it."""


def data_home(environ: Mapping[str, str] | None = None) -> Path:
    """Folder holding ``indexes/`` by default: ``$QA_ASSISTANT_HOME`` or the working directory."""
    env = os.environ if environ is None else environ
    return Path(env.get(f"{ENV_PREFIX}HOME") or Path.cwd())


def cache_home(environ: Mapping[str, str] | None = None) -> Path:
    """Folder for derived, re-creatable files (ONNX exports of the embedder)."""
    env = os.environ if environ is None else environ
    if env.get(f"{ENV_PREFIX}CACHE"):
        return Path(env[f"{ENV_PREFIX}CACHE"])
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "qa-assistant"


def sample_articles_dir() -> Path:
    """The sample news articles shipped with the package (the demo's default)."""
    return PACKAGE_DIR / "samples" / "articles"


def default_prompts_dir() -> Path:
    """``prompts/`` at the repository root (editable install) or inside the package."""
    repo_prompts = PACKAGE_DIR.parent / "prompts"
    return repo_prompts if repo_prompts.is_dir() else PACKAGE_DIR / "_prompts"


@dataclass(frozen=True)
class Settings:
    """Everything configurable.  Paths are absolute once built by :func:`load_settings`."""

    articles_dir: Path = field(default_factory=sample_articles_dir)
    """Folder of articles (.txt, .md, .html), read recursively."""
    index_dir: Path = field(default_factory=lambda: data_home() / "indexes" / "default")
    """Folder of one index (``indexes/<name>``)."""
    cache_dir: Path = field(default_factory=cache_home)
    """Re-creatable derived files, such as the ONNX export of the embedder."""

    embedder_path: Path | None = None
    """sentence-transformers model folder; None means the packaged all-MiniLM-L6-v2."""
    embedder_backend: str = "auto"
    """torch | onnx | onnx-int8 | auto (int8 ONNX when the CPU supports it, else torch)."""
    embed_batch_size: int = 64
    """Texts per embedding batch."""

    passage_sentences: int = 4
    """Sentences in one passage window."""
    passage_overlap: int = 1
    """Sentences shared by consecutive passages."""
    passage_vectors: str = "embed"
    """embed | mean: embed each passage's text, or use the normalised mean of its sentences'
    vectors (no passage embedding: about half the build time, fused recall@5 on SQuAD 0.01 lower)."""
    exact_index_max: int = 50_000
    """Up to this many passages FAISS searches exactly (flat); above it, IVF."""
    max_file_bytes: int = 20_000_000
    """Article files larger than this are reported and skipped."""

    model_path: Path | None = None
    """GGUF weights; None means the packaged SmolLM2-135M-Instruct."""
    n_ctx: int = 2048
    """Context window given to llama.cpp, in tokens."""
    n_threads: int | None = None
    """CPU threads for llama.cpp; None means all cores (use 1 when other work keeps them busy)."""
    n_gpu_layers: int = 0
    """Layers offloaded to a GPU (0 on CPU-only machines)."""
    temperature: float = 0.1
    """Sampling temperature."""
    max_tokens: int = 200
    """Most tokens generated for one answer."""
    prompts_dir: Path = field(default_factory=default_prompts_dir)
    """Folder of prompt templates."""
    extractive: bool = False
    """Answer with the source sentences themselves instead of the LLM."""

    top_k_passages: int = 5
    """Passages retrieved for a question (after fusion)."""
    context_sentences: int = 4
    """Most source sentences numbered into the prompt (4 keeps a verified answer under 2 s on 2 cores)."""

    watch_debounce_ms: int = 1500
    """Quiet time after the last file event before ``watch`` updates the index."""

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields changed (values are coerced like any other source)."""
        return _coerce(dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None}))


_PATH_FIELDS = {f.name for f in fields(Settings) if "Path" in str(f.type)}


def _field_types() -> dict[str, str]:
    return {f.name: str(f.type) for f in fields(Settings)}


def _convert(name: str, value: Any) -> Any:
    kind = _field_types()[name]
    if value is None or value == "":
        if "None" in kind:
            return None
        raise ConfigError(f"setting {name!r} needs a value")
    try:
        if name in _PATH_FIELDS:
            return Path(value).expanduser()
        if kind.startswith("int"):
            return int(value)
        if kind.startswith("float"):
            return float(value)
        if kind.startswith("bool"):
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off"}:
                return False
            raise ValueError(value)
        return str(value)
    except (TypeError, ValueError):
        raise ConfigError(f"setting {name!r} has value {value!r}, which is not a valid {kind}") from None


def _coerce(settings: Settings) -> Settings:
    if settings.embedder_backend not in {"auto", "torch", "onnx", "onnx-int8"}:
        raise ConfigError(
            f"setting 'embedder_backend' is {settings.embedder_backend!r}; use auto, torch, onnx or onnx-int8"
        )
    if settings.passage_vectors not in {"embed", "mean"}:
        raise ConfigError(f"setting 'passage_vectors' is {settings.passage_vectors!r}; use embed or mean")
    if settings.passage_sentences < 1 or not 0 <= settings.passage_overlap < settings.passage_sentences:
        raise ConfigError("settings 'passage_sentences' must be ≥ 1 and 'passage_overlap' between 0 and passage_sentences - 1")
    return settings


def find_config_file(environ: Mapping[str, str] | None = None) -> Path | None:
    """``$QA_ASSISTANT_CONFIG``, else ``qa-assistant.toml`` in the data home, if present."""
    env = os.environ if environ is None else environ
    if env.get(f"{ENV_PREFIX}CONFIG"):
        return Path(env[f"{ENV_PREFIX}CONFIG"])
    candidate = data_home(env) / CONFIG_FILE_NAME
    return candidate if candidate.is_file() else None


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    config_file: Path | None = None,
) -> Settings:
    """Defaults < TOML file < ``QA_ASSISTANT_*`` environment < ``overrides`` (flags; None = unset)."""
    env = os.environ if environ is None else environ
    names = {f.name for f in fields(Settings)}
    values: dict[str, Any] = {}

    path = config_file or find_config_file(env)
    if path is not None:
        try:
            table = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"config file {path}: {exc}") from None
        for key, value in table.items():
            if key not in names:
                raise ConfigError(f"config file {path}: unknown setting {key!r}")
            values[key] = _convert(key, value)
            if key in _PATH_FIELDS and values[key] is not None and not values[key].is_absolute():
                values[key] = Path(path).resolve().parent / values[key]

    for name in names:
        raw = env.get(ENV_PREFIX + name.upper())
        if raw is not None:
            values[name] = _convert(name, raw)

    for name, value in (overrides or {}).items():
        if name not in names:
            raise ConfigError(f"unknown setting {name!r}")
        if value is not None:
            values[name] = _convert(name, value)

    if "index_dir" not in values:
        values["index_dir"] = data_home(env) / "indexes" / "default"
    if "cache_dir" not in values:
        values["cache_dir"] = cache_home(env)
    for name in _PATH_FIELDS:
        if values.get(name) is not None:
            values[name] = Path(values[name]).absolute()
    return _coerce(Settings(**values))
