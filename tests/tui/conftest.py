"""Fixtures of the chat tests: small articles, a real index, the real embedder and engines.

The embedder is loaded once per session and shared by every app (``QAApp(embedder=...)``);
the extractive engine over the session index is shared too.  Tests that change an
index work on their own copy.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tui_helpers import ARTICLES, PLANTED_INSTRUCTION, make_settings, saved_conversation, write_articles

from qa_assistant.config import Settings


@pytest.fixture(scope="session")
def tui_articles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_articles(tmp_path_factory.mktemp("tui-articles"))


@pytest.fixture(scope="session")
def tui_embedder(packaged_embedder: Any) -> Any:
    return packaged_embedder


@pytest.fixture(scope="session")
def tui_index(tui_articles: Path, tui_embedder: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A built index of ARTICLES (read-only for the tests: copy it to change it)."""
    from qa_assistant.index import update_index

    index = tmp_path_factory.mktemp("tui-index") / "index"
    update_index(make_settings(tui_articles, index), tui_embedder)
    return index


@pytest.fixture(scope="session")
def tui_settings(tui_articles: Path, tui_index: Path) -> Settings:
    return make_settings(tui_articles, tui_index)


@pytest.fixture(scope="session")
def extractive_engine(tui_settings: Settings, tui_embedder: Any) -> Iterator[Any]:
    from qa_assistant.answering.engine import Engine

    engine = Engine(tui_settings, embedder=tui_embedder)
    engine.load()
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def instruction_settings(tui_embedder: Any, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings of a built index whose articles include one with a planted instruction."""
    from qa_assistant.index import update_index

    name, text = PLANTED_INSTRUCTION
    articles = write_articles(tmp_path_factory.mktemp("instruction-articles"), {**ARTICLES, name: text})
    settings = make_settings(articles, tmp_path_factory.mktemp("instruction-index") / "index")
    update_index(settings, tui_embedder)
    return settings


@pytest.fixture
def private_index(tmp_path: Path, tui_index: Path) -> tuple[Path, Path]:
    """A copy of the articles and the index the test may change: ``(articles, index)``."""
    articles = write_articles(tmp_path / "articles")
    index = tmp_path / "index"
    shutil.copytree(tui_index, index, ignore=shutil.ignore_patterns("conversations", ".lock"))
    return articles, index


@pytest.fixture
def make_app(tui_settings: Settings, extractive_engine: Any, tui_embedder: Any,
             tmp_path: Path) -> Callable[..., Any]:
    """``make_app(**kwargs)``: a QAApp on the shared extractive engine, saving conversations in tmp_path
    (unless ``store=`` says where)."""
    from qa_assistant.chats.store import ConversationStore
    from qa_assistant.tui.app import QAApp

    def build(settings: Settings | None = None, **kwargs: Any) -> QAApp:
        kwargs.setdefault("watch", False)
        if settings is None:
            kwargs.setdefault("engine", extractive_engine)
        kwargs.setdefault("embedder", tui_embedder)
        kwargs.setdefault("store", ConversationStore(tmp_path / "conversations"))
        return QAApp(settings or tui_settings, **kwargs)

    return build


@pytest.fixture
def resumed_app(make_app: Callable[..., Any], tui_settings: Settings, tmp_path: Path) -> Any:
    """An app that resumes ``saved_conversation``: every verdict, alternatives, a refusal."""
    from qa_assistant.index import open_index

    with open_index(tui_settings.index_dir) as reader:
        store, conversation_id = saved_conversation(reader, tmp_path / "saved")
    return make_app(resume=conversation_id, store=store)
