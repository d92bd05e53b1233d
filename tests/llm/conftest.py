"""The packaged SmolLM2 GGUF, loaded once per session through the real llama.cpp."""

from __future__ import annotations

import pytest

from qa_assistant.config import Settings
from qa_assistant.llm import LocalLLM


@pytest.fixture(scope="session")
def llm_settings() -> Settings:
    return Settings(max_tokens=48, temperature=0.0, n_ctx=1024)


@pytest.fixture(scope="session")
def llm(llm_settings: Settings) -> LocalLLM:
    model = LocalLLM.load(llm_settings)
    yield model
    model.close()
