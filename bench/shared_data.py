"""Where the benchmarks find ``../shared`` (read-only data beside the repo, or $QA_ASSISTANT_SHARED)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    """``$QA_ASSISTANT_SHARED``, else the ``shared`` folder beside the repo."""
    return Path(os.environ.get("QA_ASSISTANT_SHARED") or REPO.parent / "shared")


def eval_dir(arg: str | None = None) -> Path:
    """The evaluation sets (``<shared>/eval``, or ``<arg>/eval``); exits with one line when absent."""
    path = (Path(arg) if arg else shared_dir()) / "eval"
    if not path.is_dir():
        sys.exit(f"no evaluation sets at {path}; pass --shared PATH or set QA_ASSISTANT_SHARED")
    return path
