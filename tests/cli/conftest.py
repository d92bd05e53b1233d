"""Fixtures for the command tests: a CliRunner whose commands reuse the session's embedder."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner


@pytest.fixture()
def runner_with_embedder(packaged_embedder: Any, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A CliRunner whose commands get the packaged embedder loaded once per session (tests using it are slow)."""
    import qa_assistant.embedding.embedder

    monkeypatch.setattr(qa_assistant.embedding.embedder, "load_embedder", lambda settings: packaged_embedder)
    return CliRunner()
