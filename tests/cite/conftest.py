"""The real packaged embedder and a SupportChecker on it, shared by the session."""

from __future__ import annotations

import pytest

from qa_assistant.cite import SupportChecker
from qa_assistant.config import Settings


@pytest.fixture(scope="session")
def embedder():
    from qa_assistant.embed import load_embedder

    return load_embedder(Settings())


@pytest.fixture(scope="session")
def checker(embedder) -> SupportChecker:
    return SupportChecker(embedder)
