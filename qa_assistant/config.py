"""One frozen settings object: built-in defaults < qa-assistant.toml < environment < flags.

Every path and tunable the engine, CLI and TUI use lives here, so there is one
place that decides where data lives and how big things are.  Nothing is created
on import; callers build a ``Settings`` once and pass it down.

``Settings`` is a pydantic-settings model: each field's type, choices (``Literal``)
and range (``Field(ge=..., le=...)``) are checked wherever its value comes from,
and a bad value is a one-line :class:`ConfigError` naming the setting and where
the value came from (the TOML file, the environment variable, or a flag).
``Settings(...)`` itself reads nothing but its arguments (a bad one raises
pydantic's ``ValidationError``, a ``ValueError``); :func:`load_settings`
layers the TOML file (pydantic-settings' TOML source) and the ``QA_ASSISTANT_*``
environment (its environment source) under the flags.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import BeforeValidator, Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from pydantic_settings.sources.utils import parse_env_vars

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


def _no_bool(value: Any) -> Any:
    """TOML's ``true`` is not the number 1: refuse booleans for numeric settings."""
    if isinstance(value, bool):
        raise ValueError("it should be a number, not true or false")
    return value


Int = Annotated[int, BeforeValidator(_no_bool)]
Float = Annotated[float, BeforeValidator(_no_bool)]


class Settings(BaseSettings):
    """Everything configurable.  Paths are absolute once built by :func:`load_settings`."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, frozen=True, extra="forbid", use_attribute_docstrings=True,
    )

    articles_dir: Path = Field(default_factory=sample_articles_dir)
    """Folder of articles (.txt, .md, .html), read recursively."""
    index_dir: Path = Field(default_factory=lambda: data_home() / "indexes" / "default")
    """Folder of one index (``indexes/<name>``)."""
    cache_dir: Path = Field(default_factory=cache_home)
    """Re-creatable derived files, such as the ONNX export of the embedder."""

    embedder_path: Path | None = None
    """sentence-transformers model folder; None means the packaged all-MiniLM-L6-v2."""
    embedder_backend: Literal["auto", "torch", "onnx", "onnx-int8"] = "auto"
    """torch | onnx | onnx-int8 | auto (int8 ONNX when the CPU supports it, else torch)."""
    embed_batch_size: Int = Field(64, ge=1, le=4096)
    """Texts per embedding batch."""
    embed_reuse_mib: Int = Field(32, ge=0, le=65_536)
    """MiB of float32 vectors an update keeps so a text met again (a duplicated article, a boilerplate
    sentence) reuses its vector instead of being embedded again; 0 turns reuse off (each call still
    embeds its own repeats once).  32 MiB hold 21,845 vectors of 384 dimensions; on BBC news 16 MiB
    already catch 4,666 of the 4,671 repeated texts, unbounded memory all of them."""

    passage_sentences: Int = Field(4, ge=1, le=100)
    """Sentences in one passage window."""
    passage_overlap: Int = Field(1, ge=0, le=99)
    """Sentences shared by consecutive passages (less than passage_sentences)."""
    passage_vectors: Literal["embed", "mean", "compact"] = "compact"
    """compact | embed | mean: embed each passage's words other than stopwords, cut to 80 tokens,
    and add its article's title vector at half weight (see ``qa_assistant/embedding/passages.py``:
    the same recall@5 as embedding the whole text, within 0.005, for about 0.77 of the build
    time); embed each passage's whole text; or use the normalised mean of its sentences' vectors
    (no passage embedding: about half the build time, fused recall@5 on SQuAD 0.01 lower)."""
    exact_index_max: Int = Field(50_000, ge=1)
    """Up to this many passages FAISS searches exactly (flat); above it, IVF."""
    max_file_bytes: Int = Field(20_000_000, ge=1)
    """Article files larger than this are reported and skipped."""

    model_path: Path | None = None
    """GGUF weights; None means the packaged SmolLM2-135M-Instruct."""
    judge_model_path: Path | None = None
    """A GGUF that reads the best sources against each question to decide refusals, in both modes
    (refusal weights fitted for it must exist: ``bench/calibrate_refusal.py --model FILE --write``).
    None: the answering model, when it has fitted weights; else retrieval evidence alone."""
    q4_1_as_q8_0: bool = True
    """Load a Q4_1 GGUF (the packaged model's type) through a Q8_0 copy made once under cache_dir:
    llama.cpp has no batched kernels for Q4_1, and the copy evaluates a prompt 2.3x as fast
    (``qa_assistant/answering/weights.py``)."""
    n_ctx: Int = Field(2048, ge=256, le=1_048_576)
    """Context window given to llama.cpp, in tokens."""
    n_threads: Int | None = Field(None, ge=1, le=1024)
    """CPU threads for llama.cpp; None means all cores (use 1 when other work keeps them busy)."""
    n_gpu_layers: Int = Field(0, ge=-1)
    """Layers offloaded to a GPU (0 on CPU-only machines, -1 for all)."""
    temperature: Float = Field(0.0, ge=0.0, le=5.0, allow_inf_nan=False)
    """Sampling temperature; 0 is greedy decoding (the packaged 135M model copies its sources more
    faithfully that way, and the same question gets the same answer)."""
    copy_bias: Float = Field(3.0, ge=0.0, le=20.0, allow_inf_nan=False)
    """Logit bias added to the tokens of the numbered sources while the LLM answers (0: none);
    the packaged 135M model copies the source's words instead of inventing its own."""
    copy_bias_others: Float = Field(1.5, ge=0.0, le=20.0, allow_inf_nan=False)
    """The bias for the tokens of sources [2]..[n] when every source comes from one article
    (source [1] keeps ``copy_bias``): there the best-ranked source answers most often.  Sources
    from several articles all get ``copy_bias``, since a question joining facts may need any."""
    max_tokens: Int = Field(200, ge=1, le=100_000)
    """Most tokens generated for one answer."""
    prompts_dir: Path = Field(default_factory=default_prompts_dir)
    """Folder of prompt templates."""
    extractive: bool = False
    """Answer with the source sentences themselves instead of the LLM."""

    top_k_passages: Int = Field(5, ge=1, le=1000)
    """Passages retrieved for a question (after fusion)."""
    context_sentences: Int = Field(3, ge=1, le=100)
    """Most source sentences numbered into the prompt (3: the packaged 135M model answers from
    fewer sources better, and a shorter prompt gives the first token sooner)."""
    one_article_sources: Int = Field(1, ge=1, le=100)
    """Most sources numbered into the LLM's prompt when the best ``context_sentences`` all come
    from one article (1: the packaged 135M model reads one source far better than three; sources
    from several articles all stay, for questions that join facts)."""
    close_call_margin: Float = Field(0.5, ge=0.0, le=100.0, allow_inf_nan=False)
    """A close call: the runner-up source sentence scores within this much of the one the answer
    rests on (the ranker's score; 0: never).  The LLM then reads it too, and an answer that does
    not cite it names it.  Set with ``bench/rank_sentences.py --close-calls`` so that at most 10%
    of right answers are flagged (``answering/close_call.py``)."""
    read_runner_up_margin: Float = Field(1.0, ge=0.0, le=100.0, allow_inf_nan=False)
    """In LLM mode, when the best sources all come from one article, the model also reads the
    runner-up when it scores within this much of the best (0: never).  Wider than
    ``close_call_margin``: reading costs a longer prompt, naming a close call costs the reader's
    trust in a right answer (measured through ``bench/eval_table.py``, see the README)."""

    watch_debounce_ms: Int = Field(1500, ge=0, le=600_000)
    """Quiet time after the last file event before ``watch`` updates the index."""

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource,
                                   dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Only the arguments: :func:`load_settings` layers the file and the environment itself."""
        return (init_settings,)

    @field_validator("*", mode="before")
    @classmethod
    def _empty_or_nul(cls, value: Any, info: ValidationInfo) -> Any:
        """An empty value (``QA_ASSISTANT_MODEL_PATH=``) means the default None where None is allowed;
        a path holding a NUL character (which no file system allows) is refused here, not by os.stat."""
        if not info.field_name or not isinstance(value, str | Path):
            return value
        annotation = cls.model_fields[info.field_name].annotation
        if value == "":
            if type(None) not in get_args(annotation):
                raise ValueError("it needs a value")
            return None
        if "\x00" in str(value) and _holds_path(annotation):
            raise ValueError("it holds a NUL character, which no path can have")
        return value

    @field_validator("passage_overlap")
    @classmethod
    def _overlap_below_window(cls, value: int, info: ValidationInfo) -> int:
        window = info.data.get("passage_sentences")
        if window is not None and value >= window:
            raise ValueError(f"it should be less than passage_sentences ({window})")
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"settings are frozen; use settings.replace({name}=...)")

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields changed (None = unchanged; values are checked like any other source)."""
        given = {name: value for name, value in changes.items() if value is not None}
        try:
            return Settings(**{**{name: getattr(self, name) for name in type(self).model_fields}, **given})
        except ValidationError as exc:
            raise ConfigError(describe_error(exc, {})) from None


def path_fields() -> frozenset[str]:
    """Names of the settings that hold a path (relative ones in the TOML file are relative to it)."""
    return frozenset(name for name, info in Settings.model_fields.items() if _holds_path(info.annotation))


def _holds_path(annotation: Any) -> bool:
    return annotation is Path or Path in get_args(annotation)


def describe_error(exc: ValidationError, origins: Mapping[str, str]) -> str:
    """One line for the first problem: the setting, where its value came from, what is wrong."""
    error = exc.errors(include_url=False)[0]
    name = str(error["loc"][0]) if error["loc"] else ""
    message = str(error["msg"]).removeprefix("Value error, ")
    message = message.replace("Input should be", "it should be", 1).replace(
        "Input is not a valid path for <class 'pathlib.Path'>", "it should be a path (a string)")
    more = f" (and {exc.error_count() - 1} more problem(s))" if exc.error_count() > 1 else ""
    if error["type"] == "extra_forbidden":
        return f"unknown setting {name!r}{_where(origins.get(name))}; check its spelling{more}"
    if not name:
        return f"settings {message}{more}"
    return f"setting {name!r}{_where(origins.get(name))} is {error['input']!r}: {message}{more}"


def _where(origin: str | None) -> str:
    return f" ({origin})" if origin else ""


def find_config_file(environ: Mapping[str, str] | None = None) -> Path | None:
    """``$QA_ASSISTANT_CONFIG``, else ``qa-assistant.toml`` in the data home, if present."""
    env = os.environ if environ is None else environ
    if env.get(f"{ENV_PREFIX}CONFIG"):
        return Path(env[f"{ENV_PREFIX}CONFIG"])
    candidate = data_home(env) / CONFIG_FILE_NAME
    return candidate if candidate.is_file() else None


class _EnvironSource(EnvSettingsSource):
    """The ``QA_ASSISTANT_*`` variables of a given mapping (the process environment by default)."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(Settings)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(self._environ, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str)


def _file_values(path: Path) -> dict[str, Any]:
    """The settings in a TOML file; relative paths in it are made relative to the file's folder."""
    if not path.is_file():
        what = "is not a file" if path.exists() else "does not exist"
        raise ConfigError(f"config file {path} {what}; fix {ENV_PREFIX}CONFIG or create the file")
    try:
        values = dict(TomlConfigSettingsSource(Settings, toml_file=path).toml_data)
    except OSError as exc:
        raise ConfigError(f"config file {path} cannot be read ({exc.strerror or exc}); fix or remove it") from None
    except UnicodeDecodeError:
        raise ConfigError(f"config file {path} is not UTF-8 text; save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML ({exc}); fix it") from None
    for name in path_fields() & values.keys():
        if isinstance(values[name], str) and values[name] and not Path(values[name]).expanduser().is_absolute():
            values[name] = str(path.resolve().parent / values[name])
    return values


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    config_file: Path | None = None,
) -> Settings:
    """Defaults < TOML file < ``QA_ASSISTANT_*`` environment < ``overrides`` (flags; None = unset)."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}

    path = config_file or find_config_file(env)
    layers: list[tuple[dict[str, Any], Any]] = []
    if path is not None:
        layers.append((_file_values(Path(path)), f"in config file {path}"))
    layers.append((_EnvironSource(env)(), lambda name: f"from environment variable {ENV_PREFIX}{name.upper()}"))
    layers.append(({k: v for k, v in (overrides or {}).items() if v is not None}, "given as a flag"))
    for layer, origin in layers:
        for name, value in layer.items():
            values[name] = value
            origins[name] = origin(name) if callable(origin) else origin

    values.setdefault("index_dir", data_home(env) / "indexes" / "default")
    values.setdefault("cache_dir", cache_home(env))
    try:
        settings = Settings(**values)
    except ValidationError as exc:
        raise ConfigError(describe_error(exc, origins)) from None
    absolute = {name: Path(getattr(settings, name)).expanduser().absolute()
                for name in path_fields() if getattr(settings, name) is not None}
    return settings.replace(**absolute)
