"""Fixtures every test shares: an isolated data home and the shared eval data."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_path() -> Path:
    """``../shared`` beside the repository (or ``$QA_ASSISTANT_SHARED``)."""
    return Path(os.environ.get("QA_ASSISTANT_SHARED") or REPO.parent / "shared")


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the data home at a fresh folder and drop settings from the environment."""
    for name in list(os.environ):
        if name.startswith("QA_ASSISTANT_") and name not in {"QA_ASSISTANT_CACHE", "QA_ASSISTANT_SHARED"}:
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("QA_ASSISTANT_HOME", str(home))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    return home


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    path = shared_path()
    if not path.is_dir():
        pytest.skip(f"shared data folder {path} is absent (it holds the eval sets and samples)")
    return path


@pytest.fixture(scope="session")
def packaged_embedder() -> Any:
    """The packaged all-MiniLM-L6-v2 with default settings, loaded once for the whole session."""
    from qa_assistant.config import Settings
    from qa_assistant.embedding.embedder import load_embedder

    return load_embedder(Settings())
