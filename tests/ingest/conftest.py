"""Fixtures for the ingestion tests: settings, the sample articles, a parser for files on disk."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from qa_assistant.config import Settings, load_settings, sample_articles_dir
from qa_assistant.ingest import parse_document
from qa_assistant.models import Document


@pytest.fixture
def settings() -> Settings:
    return load_settings()


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return sample_articles_dir()


@pytest.fixture
def parse(settings: Settings) -> Callable[..., Document]:
    """Parse a file on disk as the index would (relpath = its name unless given)."""

    def _parse(path: Path, relpath: str | None = None) -> Document:
        return parse_document(relpath or path.name, path.read_bytes(), path.stat().st_mtime, settings)

    return _parse


@pytest.fixture
def world_readable_dir() -> Iterator[Path]:
    """A folder every user can enter (pytest's tmp_path is private to its owner)."""
    path = Path(tempfile.mkdtemp(prefix="qa-ingest-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)
