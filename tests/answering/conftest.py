"""Session-wide fixtures for the answering tests: small articles, a real index, loaded engines, the LLM.

The embedder and the LLM are loaded once per session and shared; every test
that needs them is marked slow.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from answer_helpers import write_articles

from qa_assistant.answering.llm import LocalLLM
from qa_assistant.config import Settings


@pytest.fixture(scope="session")
def articles_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_articles(tmp_path_factory.mktemp("articles"))


@pytest.fixture(scope="session")
def engine_settings(articles_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    from qa_assistant.config import load_settings

    return load_settings(
        {"articles_dir": articles_dir, "index_dir": tmp_path_factory.mktemp("index") / "test"},
        environ={}, config_file=None,
    ).replace(max_tokens=60)


@pytest.fixture(scope="session")
def embedder(packaged_embedder: Any) -> Any:
    return packaged_embedder


@pytest.fixture(scope="session")
def built_index(engine_settings: Settings, embedder: Any) -> Path:
    from qa_assistant.index import update_index

    update_index(engine_settings, embedder)
    return engine_settings.index_dir


@pytest.fixture(scope="session")
def extractive_engine(engine_settings: Settings, embedder: Any, built_index: Path) -> Iterator[Any]:
    from qa_assistant.answering.engine import Engine

    engine = Engine(engine_settings.replace(extractive=True), embedder=embedder)
    engine.load()
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def llm_engine(engine_settings: Settings, embedder: Any, built_index: Path) -> Iterator[Any]:
    from qa_assistant.answering.engine import Engine

    engine = Engine(engine_settings, embedder=embedder)
    engine.load()
    assert engine.mode == "llm", engine.notice
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def llm_settings() -> Settings:
    return Settings(max_tokens=48, temperature=0.0, n_ctx=1024)


@pytest.fixture(scope="session")
def llm(llm_settings: Settings) -> Iterator[LocalLLM]:
    """The packaged SmolLM2 GGUF, loaded once per session through the real llama.cpp."""
    model = LocalLLM.load(llm_settings)
    yield model
    model.close()
