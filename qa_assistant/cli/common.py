"""Pieces every command shares: the common flags and turning them into Settings."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ..errors import QAError

if TYPE_CHECKING:
    from ..config import Settings

F = TypeVar("F", bound=Callable[..., Any])


def index_options(func: F) -> F:
    """``--index`` and ``--articles``: where the index lives and which folder it mirrors."""
    func = click.option(
        "--articles", "articles_dir", type=click.Path(path_type=Path), default=None,
        help="Folder of articles (.txt, .md, .html). Default: the config's articles_dir.",
    )(func)
    func = click.option(
        "--index", "index_dir", type=click.Path(path_type=Path), default=None,
        help="Index folder. Default: the config's index_dir (indexes/default).",
    )(func)
    return func


def model_options(func: F) -> F:
    """``--model``, ``--judge-model`` and ``--extractive``: which GGUF answers (or none), which decides refusals."""
    func = click.option(
        "--judge-model", "judge_model_path", type=click.Path(path_type=Path), default=None,
        help="GGUF that reads the sources to decide refusals (needs refusal weights fitted for it).",
    )(func)
    func = click.option(
        "--extractive", is_flag=True, default=None,
        help="Answer with the source sentences themselves (no LLM).",
    )(func)
    func = click.option(
        "--model", "model_path", type=click.Path(path_type=Path), default=None,
        help="GGUF weights for the LLM. Default: the packaged SmolLM2-135M-Instruct.",
    )(func)
    return func


def build_settings(**flags: Any) -> Settings:
    """Settings from defaults < qa-assistant.toml < environment < these flags (None = not given).

    The config module (pydantic-settings, ~0.1 s to import) is imported here, not at
    start-up, so ``--help`` stays fast.
    """
    from ..config import load_settings

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    return load_settings({k: v for k, v in flags.items() if v is not None})


def user_errors(func: F) -> F:
    """Turn a QAError into click's one-line ``Error: ...`` and exit code 1; Ctrl-C exits 130."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except QAError as exc:
            raise click.ClickException(str(exc)) from None
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            raise SystemExit(130) from None

    return wrapper  # type: ignore[return-value]
