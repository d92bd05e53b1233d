"""Fixtures for the index tests: the real packaged embedder (loaded once), small article folders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from index_helpers import ARTICLES, CountingEmbedder, write_tree

from qa_assistant.config import Settings


@pytest.fixture(scope="session")
def real_embedder(packaged_embedder: Any) -> Any:
    """The packaged all-MiniLM-L6-v2, loaded once for the session."""
    return packaged_embedder


@pytest.fixture()
def embedder(real_embedder: Any) -> CountingEmbedder:
    return CountingEmbedder(real_embedder)


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    """Settings for a fresh index of a small articles folder under ``tmp_path``."""
    articles = write_tree(tmp_path / "articles", ARTICLES)
    return Settings(articles_dir=articles, index_dir=tmp_path / "index")
