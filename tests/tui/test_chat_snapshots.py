"""Snapshots of the chat (pytest-textual-snapshot): main screen, sources panel, article view.

Deterministic: fixed terminal size; the chat resumes a saved conversation whose
answers are built here from the real index's sentences (exact offsets), so the
pictures do not change when retrieval is tuned; no paths or timings on screen,
no cursor blink, no toasts.  After a deliberate UI change:
``pytest tests/tui/test_chat_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tui_helpers import TERMINAL, wait_for

from qa_assistant.chats.store import ConversationStore
from qa_assistant.models import Answer, AnswerSentence, Citation
from qa_assistant.tui.screens.article import ArticleScreen

pytestmark = pytest.mark.slow


def citations_from(reader: Any, path: str, needles: list[str], first: int = 1) -> list[Citation]:
    """Citations numbered from ``first`` for the sentences of ``path`` containing each needle."""
    article = reader.article_by_path(path)
    sentences = reader.sentences(article.id)
    found = []
    for n, needle in enumerate(needles, first):
        sentence = next(s for s in sentences if needle in s.text)
        found.append(Citation(n=n, article=path, title=article.title, start=sentence.start, end=sentence.end,
                              text=sentence.text, sentence_id=sentence.id))
    return found


def saved_conversation(reader: Any, folder: Path) -> tuple[ConversationStore, str]:
    bridge = citations_from(reader, "harbour-bridge.txt", ["council voted", "42 million", "Mayor Dana"])
    lighthouse = citations_from(reader, "harbour-meeting.txt", ["lighthouse repair", "winter storms"])
    first = Answer(
        question="What did Port Elwood decide about the harbour?", mode="llm",
        answer=("The council voted to build a bridge across the harbour [1]. It will cost 42 million dollars [2]. "
                "It will be the longest bridge in the country [1]. "
                "The mayor said it would cut commuting times by twenty minutes [3]."),
        sentences=(
            AnswerSentence("The council voted to build a bridge across the harbour [1].", (1,), "supported", 0.91),
            AnswerSentence("It will cost 42 million dollars [2].", (2,), "partial", 0.64),
            AnswerSentence("It will be the longest bridge in the country [1].", (1,), "unsupported", 0.21),
            AnswerSentence("The mayor said it would cut commuting times by twenty minutes [3].", (3,),
                           "attributed", 0.88),
        ),
        citations=tuple(bridge), passages=(), id="answer-one",
    )
    second = Answer(
        question="How much will the lighthouse repair cost?", mode="llm",
        answer="The lighthouse repair will cost 3.7 million crowns [1], after the winter storms [2].",
        sentences=(AnswerSentence("The lighthouse repair will cost 3.7 million crowns [1], after the winter "
                                  "storms [2].", (1, 2), "supported", 0.87),),
        citations=tuple(lighthouse), passages=(), id="answer-two",
    )
    store = ConversationStore(folder)
    conversation = store.new()
    conversation.answers = [first, second]
    store.save(conversation)
    return store, conversation.id


@pytest.fixture
def resumed_app(make_app: Any, extractive_engine: Any, tmp_path: Path) -> Any:
    store, conversation_id = saved_conversation(extractive_engine.reader, tmp_path / "saved")
    app = make_app(resume=conversation_id)
    app.store = store
    return app


async def settle(pilot: Any) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.ready and len(app.chat.transcript.exchanges) == 2, 30, "the conversation")
    await wait_for(pilot, lambda: "articles ·" in app.chat.status_bar.info_text, 30, "the index bar")
    app.chat.prompt.cursor_blink = False
    app.clear_notifications()
    await pilot.pause(0.3)


def test_main_screen(snap_compare: Any, resumed_app: Any) -> None:
    assert snap_compare(resumed_app, terminal_size=TERMINAL, run_before=settle)


def test_sources_panel_with_every_verdict(snap_compare: Any, resumed_app: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("ctrl+up")  # the first answer: supported, partial, unsupported, attributed
        pilot.app.chat.sources.option_list.focus()
        await pilot.pause(0.3)

    assert snap_compare(resumed_app, terminal_size=TERMINAL, run_before=run_before)


def test_article_view_with_the_cited_sentence_highlighted(snap_compare: Any, resumed_app: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        app = pilot.app
        app.chat.sources.option_list.focus()
        await pilot.press("enter")  # the first citation of the selected (lighthouse) answer
        await wait_for(pilot, lambda: isinstance(app.screen, ArticleScreen), 5, "the article")
        await pilot.pause(0.3)

    assert snap_compare(resumed_app, terminal_size=TERMINAL, run_before=run_before)
