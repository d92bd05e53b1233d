"""Snapshots of the chat (pytest-textual-snapshot): main screen, sources panel, article view.

Deterministic: fixed terminal size; the chat resumes a saved conversation whose
answers are built here from the real index's sentences (exact offsets), so the
pictures do not change when retrieval is tuned; no paths or timings on screen,
no cursor blink, no toasts.  After a deliberate UI change:
``pytest tests/tui/test_chat_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from typing import Any

import pytest
from tui_helpers import TERMINAL, citations_from, settle, wait_for

from qa_assistant.tui.screens.article import ArticleScreen

pytestmark = pytest.mark.slow


def test_main_screen_with_a_refused_answer(snap_compare: Any, resumed_app: Any) -> None:
    """The last answer is selected: "the articles don't say", the closest sentences listed as such."""
    assert snap_compare(resumed_app, terminal_size=TERMINAL, run_before=settle)


def test_sources_panel_with_every_verdict(snap_compare: Any, resumed_app: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("ctrl+up", "ctrl+up")  # the first answer: supported, partial, unsupported, attributed
        pilot.app.chat.sources.option_list.focus()
        await pilot.pause(0.3)

    assert snap_compare(resumed_app, terminal_size=TERMINAL, run_before=run_before)


def test_article_view_with_the_cited_sentence_highlighted(snap_compare: Any, resumed_app: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        app = pilot.app
        await pilot.press("ctrl+up")  # the lighthouse answer
        app.chat.sources.option_list.focus()
        await pilot.press("enter")  # its first citation
        await wait_for(pilot, lambda: isinstance(app.screen, ArticleScreen), 5, "the article")
        await pilot.pause(0.3)

    assert snap_compare(resumed_app, terminal_size=TERMINAL, run_before=run_before)


def test_article_view_marks_the_sentences_addressed_to_a_model(snap_compare: Any, make_app: Any,
                                                               instruction_settings: Any, tmp_path: Any) -> None:
    from qa_assistant.chats.store import ConversationStore
    from qa_assistant.index import open_index
    from qa_assistant.models import Answer, AnswerSentence

    with open_index(instruction_settings.index_dir) as reader:
        fare = citations_from(reader, "harbour-ferry.txt", ["4 crowns"])
    answer = Answer(question="How much is a ferry trip?", mode="extractive", answer=f"{fare[0].text} [1]",
                    sentences=(AnswerSentence(f"{fare[0].text} [1]", (1,), "supported", 0.93),),
                    citations=tuple(fare), passages=())
    store = ConversationStore(tmp_path / "saved")
    conversation = store.new()
    conversation.answers = [answer]
    store.save(conversation)
    app = make_app(instruction_settings, resume=conversation.id, store=store)

    async def run_before(pilot: Any) -> None:
        await wait_for(pilot, lambda: app.ready and app.chat.transcript.exchanges, 60, "the conversation")
        app.clear_notifications()
        app.chat.sources.option_list.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ArticleScreen), 5, "the article")
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=TERMINAL, run_before=run_before)
