"""The real packaged embedder and a SupportChecker on it, shared by the session."""

from __future__ import annotations

import pytest

from qa_assistant.citations import SupportChecker


@pytest.fixture(scope="session")
def embedder(packaged_embedder):
    return packaged_embedder


@pytest.fixture(scope="session")
def checker(embedder) -> SupportChecker:
    return SupportChecker(embedder)
