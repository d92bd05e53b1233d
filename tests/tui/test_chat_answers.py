"""Asking in the chat (real engine, extractive mode): answer, sources, article view, queueing."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from tui_helpers import TERMINAL, ask, wait_for, wait_for_notification

from qa_assistant.index import open_index
from qa_assistant.models import Token
from qa_assistant.tui.screens.article import HIGHLIGHT_STYLE, ArticleScreen
from qa_assistant.tui.widgets.sources import SourcesPanel

pytestmark = pytest.mark.slow


def test_answer_streams_in_with_citations_and_sources(make_app: Any) -> None:
    app = make_app()

    async def scenario() -> None:
        async with app.run_test(size=TERMINAL) as pilot:
            view = await ask(pilot, "How much will the harbour bridge cost?")
            answer = view.answer
            assert "42 million dollars" in answer.answer
            assert "[" in view.text and answer.citations
            # the transcript shows the markers as clickable links to the sources
            markdown = view.query_one("Markdown").source
            assert "(cite:" in markdown
            # the sources panel shows the selected answer: verdicts and cited sentences
            sources = app.chat.query_one(SourcesPanel)
            assert app.chat.selected is view
            prompts = [str(getattr(o.prompt, "renderable", o.prompt)) for o in sources.option_list.options]
            assert any("supported" in p for p in prompts)
            cited = answer.sentences[0].citations[0]
            citation = next(c for c in answer.citations if c.n == cited)
            assert any(citation.text in p and citation.title in p for p in prompts)
            assert sources.highlighted_citation == citation
            # saved in the conversation
            conversations = app.conversations
            assert conversations.conversation.answers == [answer]
            assert conversations.store.path_of(conversations.conversation.id).is_file()

    asyncio.run(scenario())


def test_citation_opens_article_scrolled_to_the_highlighted_sentence(make_app: Any) -> None:
    app = make_app()

    async def scenario() -> None:
        async with app.run_test(size=TERMINAL) as pilot:
            view = await ask(pilot, "How much will the lighthouse repair cost?")
            citation = next(c for c in view.answer.citations if "lighthouse" in c.text)
            sources = app.chat.sources
            option_id = next(o.id for o in sources.option_list.options if sources.citation_at(o.id) == citation)
            sources.option_list.focus()
            sources.option_list.highlighted = sources.option_list.get_option_index(option_id)
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, ArticleScreen), 5, "the article")
            screen = app.screen
            await pilot.pause(0.2)
            with open_index(app.settings.index_dir) as reader:
                article = reader.article_by_path(citation.article)
                text = reader.article_text(article.id)
            # exactly the cited characters are highlighted
            assert screen.highlighted_text == text[citation.start:citation.end] == citation.text
            hit = screen.query_one(".-hit")
            rendered = hit.content
            spans = [rendered.plain[s.start:s.end] for s in rendered.spans if str(s.style) == HIGHLIGHT_STYLE]
            assert spans == [citation.text]
            # the sentence is near the end of a long article: the view scrolled down to it
            body = screen.query_one("#article-body")
            assert body.scroll_y > 0
            assert hit.region.overlaps(body.region)
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is app.chat, 5, "the chat")

    asyncio.run(scenario())


def test_clicking_a_marker_in_the_answer_opens_the_article(make_app: Any) -> None:
    app = make_app()

    async def scenario() -> None:
        async with app.run_test(size=TERMINAL) as pilot:
            view = await ask(pilot, "Who won the national chess championship?")
            n = view.answer.sentences[0].citations[0]
            view.query_one("Markdown").post_message(
                view.query_one("Markdown").LinkClicked(view.query_one("Markdown"), f"cite:{n}"))
            await wait_for(pilot, lambda: isinstance(app.screen, ArticleScreen), 5, "the article")
            citation = next(c for c in view.answer.citations if c.n == n)
            assert app.screen.highlighted_text == citation.text
            assert app.screen.article_path == citation.article == "sport/chess.html"

    asyncio.run(scenario())


def test_question_typed_before_the_engine_is_ready_is_answered_when_it_is(make_app: Any,
                                                                             tui_settings: Any) -> None:
    app = make_app(tui_settings)  # its own engine, loaded in a worker (the embedder is shared)
    app.backend.engine_lock.acquire()  # hold the loading back until the question is in

    async def scenario() -> None:
        async with app.run_test(size=TERMINAL) as pilot:
            await pilot.press(*"When does construction of the bridge begin?", "enter")
            await wait_for(pilot, lambda: len(app.chat.transcript.exchanges) == 1, 5, "the question")
            view = app.chat.transcript.exchanges[0]
            assert not app.ready
            assert "Waiting for the models" in str(view.query_one(".state").content)
            app.backend.engine_lock.release()
            await wait_for(pilot, lambda: view.done, 60, "the queued answer")
            assert "March" in view.answer.answer

    asyncio.run(scenario())


def test_escape_withdraws_a_question_still_waiting_for_the_engine(make_app: Any, tui_settings: Any) -> None:
    app = make_app(tui_settings)
    app.backend.engine_lock.acquire()  # the engine stays "loading" for the whole test

    async def scenario() -> None:
        async with app.run_test(size=TERMINAL) as pilot:
            app.chat.prompt.value = "Who won the chess final?"
            await pilot.press("enter")
            await wait_for(pilot, lambda: len(app.chat.transcript.exchanges) == 1, 5, "the question")
            await pilot.press("escape")
            await wait_for(pilot, lambda: not app.chat.transcript.exchanges, 5, "the question withdrawn")
            assert app.chat.prompt.value == "Who won the chess final?"
            assert not app.questions.queue
        app.backend.engine_lock.release()

    asyncio.run(scenario())


def test_input_history_up_and_down(make_app: Any) -> None:
    app = make_app()

    async def scenario() -> None:
        async with app.run_test(size=TERMINAL) as pilot:
            await ask(pilot, "Who won the chess final?")
            await ask(pilot, "How fast did the glacier retreat?")
            prompt = app.chat.prompt
            await pilot.press(*"draft")
            await pilot.press("up")
            assert prompt.value == "How fast did the glacier retreat?"
            await pilot.press("up")
            assert prompt.value == "Who won the chess final?"
            await pilot.press("down", "down")
            assert prompt.value == "draft"

    asyncio.run(scenario())


def test_selecting_an_earlier_answer_shows_its_sources(make_app: Any) -> None:
    app = make_app()

    async def scenario() -> None:
        async with app.run_test(size=TERMINAL) as pilot:
            first = await ask(pilot, "Who won the chess final?")
            second = await ask(pilot, "How fast did the glacier retreat?")
            assert app.chat.selected is second
            await pilot.press("ctrl+up")
            assert app.chat.selected is first
            assert "Answer 1" in str(app.chat.query_one("#sources-title").content)
            await pilot.click(f"#x-{second.exchange_id}")
            assert app.chat.selected is second

    asyncio.run(scenario())


def test_escape_while_the_answer_streams_stops_it_and_gives_the_question_back(
        make_app: Any, extractive_engine: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    real_ask = extractive_engine.ask
    released = threading.Event()

    def slowed(*args: Any, **kwargs: Any) -> Iterator[Any]:
        """The real engine's events; after the first words, the rest held back until the test has
        pressed its keys (as from a slow model): the answer is still streaming, however busy the machine."""
        for event in real_ask(*args, **kwargs):
            yield event
            if isinstance(event, Token):
                released.wait(30)

    monkeypatch.setattr(extractive_engine, "ask", slowed)
    app = make_app()
    question = "How much will the harbour bridge cost?"

    async def scenario() -> None:
        async with app.run_test(size=TERMINAL, notifications=True) as pilot:
            await wait_for(pilot, lambda: app.ready, 60, "the engine")
            app.chat.prompt.value = question
            await pilot.press("enter")
            view = app.chat.transcript.exchanges[-1]
            await wait_for(pilot, lambda: view.text.strip() != "", 30, "the first tokens")
            assert "42 million" in view.markdown.source  # streamed into the transcript already
            await pilot.press("f1")  # the chat answers keys while the answer is written
            await pilot.press("escape")  # closes the help
            await pilot.press("escape")  # stops the answer
            await wait_for(pilot, lambda: app.questions.current is None, 30, "the answer to stop")
            assert app.chat.prompt.value == question
            assert view not in app.chat.transcript.exchanges
            assert app.conversations.conversation.answers == []
            await wait_for_notification(pilot, "question is back in the input")

    try:
        asyncio.run(scenario())
    finally:
        released.set()
