"""Answers a reader can trust, in the chat: verdicts shown, unsupported sentences kept and marked
with the closest sources offered, refusals, and sentences of an article that address a model."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from tui_helpers import PLANTED_INSTRUCTION, TERMINAL, ask, citations_from, settle, wait_for

from qa_assistant.chats.store import ConversationStore
from qa_assistant.index import open_index
from qa_assistant.ingest.instructions import addresses_model
from qa_assistant.models import Answer, AnswerSentence
from qa_assistant.tui.screens.article import INSTRUCTION_LABEL, INSTRUCTION_STYLE, ArticleScreen
from qa_assistant.tui.widgets.sources import CLOSE_CALL

pytestmark = pytest.mark.slow


def link(n: int) -> str:
    return f"[\\[{n}\\]](cite:{n})"


def prompts(app: Any) -> list[str]:
    """The sources panel's lines as shown, in order."""
    return [str(getattr(o.prompt, "plain", o.prompt)) for o in app.chat.sources.option_list.options]


async def open_option(pilot: Any, option_id: str) -> ArticleScreen:
    """Highlight an option of the sources panel, press Enter, and return the article view."""
    app = pilot.app
    option_list = app.chat.sources.option_list
    option_list.focus()
    option_list.highlighted = option_list.get_option_index(option_id)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, ArticleScreen), 5, "the article")
    return app.screen


def test_an_unsupported_sentence_stays_marked_with_the_closest_source_offered(resumed_app: Any) -> None:
    app = resumed_app

    async def scenario() -> None:
        async with app.run_test(size=TERMINAL) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+up", "ctrl+up")
            view = app.chat.transcript.exchanges[0]
            assert app.chat.selected is view
            answer = view.answer
            unsupported = answer.sentences[2]
            assert unsupported.verdict == "unsupported" and unsupported.alternatives == (2,)
            # the transcript keeps the sentence, marks it, and offers the closest source beside it
            shown = view.markdown.source
            assert f"Construction will begin next year {link(1)}. `✗ unsupported`" in shown
            assert f"Sentence 3 is not supported by the sources it cites. Closest source sentences: {link(2)}" in shown
            assert f"commuting times by twenty minutes. {link(3)} →" in shown  # attached by the program
            # the sources panel: every verdict, the alternative listed as such under its sentence
            lines = prompts(app)
            verdicts = [line.split("\n")[0] for line in lines if line[:1].isdigit()]
            assert verdicts == ["1. ✓ supported 0.91", "2. ~ partial 0.64", "3. ✗ unsupported 0.21",
                                "4. → attributed 0.88"]
            offered = lines.index("  Closest source sentences (offered instead):")
            assert lines.index(verdicts[2] + "\n" + unsupported.text) < offered < lines.index(verdicts[3] + "\n"
                                                                                               + answer.sentences[3].text)
            alternative = next(c for c in answer.citations if c.n == 2)
            assert alternative.text in lines[offered + 1]
            # and it opens like any source
            screen = await open_option(pilot, "a2-s3")
            assert screen.highlighted_text == alternative.text

    asyncio.run(scenario())


def test_a_refused_answer_says_the_articles_dont_say_and_lists_the_closest_sentences_as_such(
        resumed_app: Any) -> None:
    app = resumed_app

    async def scenario() -> None:
        async with app.run_test(size=TERMINAL) as pilot:
            await settle(pilot)
            view = app.chat.transcript.exchanges[-1]
            assert app.chat.selected is view and view.answer.refused
            shown = view.markdown.source
            assert shown.startswith("**✗ The articles don't say.**")
            assert "unsupported" not in shown
            assert shown.endswith(f"Closest sentences found (they do not answer the question): {link(1)} {link(2)}")
            assert "the articles don't say" in str(app.chat.query_one("#sources-title").content)
            lines = prompts(app)
            assert lines[0].startswith("1. the articles don't say\n")
            heading = lines.index("Closest sentences found (they do not answer the question)")
            assert heading == 1  # nothing is listed as support before it
            assert all(c.text in line for c, line in zip(view.answer.citations, lines[heading + 1:], strict=True))
            screen = await open_option(pilot, "c1-o")
            assert screen.highlighted_text == view.answer.citations[0].text

    asyncio.run(scenario())


def test_the_article_view_marks_the_sentences_that_address_a_model(make_app: Any,
                                                                    instruction_settings: Any) -> None:
    """On the real extractive engine over an index whose article carries a planted instruction."""
    name, _ = PLANTED_INSTRUCTION
    app = make_app(instruction_settings)
    with open_index(instruction_settings.index_dir) as reader:
        article = reader.article_by_path(name)
        planted = [s.text for s in reader.sentences(article.id) if addresses_model(s.text)]
    assert len(planted) >= 2

    async def scenario() -> None:
        async with app.run_test(size=TERMINAL) as pilot:
            view = await ask(pilot, "How much will a harbour ferry trip cost from May?", timeout=90)
            fare = next(c for c in view.answer.citations if c.article == name and "4 crowns" in c.text)
            option = next(o.id for o in app.chat.sources.option_list.options
                          if app.chat.sources.citation_at(o.id) == fare)
            screen = await open_option(pilot, option)
            assert screen.highlighted_text == fare.text
            assert f"{len(planted)} sentences of this article address an AI model" in str(
                screen.query_one("#article-note").content)
            marked = screen.query(".-instruction")
            assert len(marked) == 1  # one run of neighbouring sentences, one label
            body = marked.first().content
            assert body.plain.count(INSTRUCTION_LABEL) == 1
            dimmed = " ".join(body.plain[s.start:s.end] for s in body.spans if str(s.style) == INSTRUCTION_STYLE)
            assert all(text in dimmed for text in planted)
            assert "4 crowns" not in dimmed and "monthly pass" not in dimmed

    asyncio.run(scenario())


def test_a_question_asking_the_opposite_of_the_article_is_refused_with_the_reason(make_app: Any) -> None:
    app = make_app()

    async def scenario() -> None:
        async with app.run_test(size=TERMINAL) as pilot:
            view = await ask(pilot, "Who is the oldest player ever to win the chess title?")
            assert view.answer.refused
            shown = view.markdown.source
            assert shown.startswith("**✗ The articles don't say.**")
            assert 'The closest one says "youngest", not "oldest".' in shown
            assert any("youngest player ever" in c.text for c in view.answer.citations)  # so the reader sees why
            answered = await ask(pilot, "Who is the youngest player ever to win the chess title?")
            assert not answered.answer.refused and "Okonkwo" in answered.answer.answer

    asyncio.run(scenario())


def test_a_close_call_is_named_under_the_answer_and_listed_in_the_sources(
        make_app: Any, tui_settings: Any, tmp_path: Any) -> None:
    with open_index(tui_settings.index_dir) as reader:
        council, cost = citations_from(reader, "harbour-bridge.txt", ["council voted", "42 million"])
    answer = Answer(question="What did the council decide?", mode="llm", answer=f"{cost.text} [2]",
                    sentences=(AnswerSentence(f"{cost.text} [2]", (2,), "supported", 0.93),),
                    citations=(council, cost), passages=(), id="close", close_call=1)
    store = ConversationStore(tmp_path / "close-call")
    conversation = store.new()
    conversation.answers = [answer]
    store.save(conversation)
    app = make_app(resume=conversation.id, store=store)

    async def scenario() -> None:
        async with app.run_test(size=TERMINAL) as pilot:
            await wait_for(pilot, lambda: app.ready and len(app.chat.transcript.exchanges) == 1, 30, "the answer")
            await pilot.press("ctrl+up")
            view = app.chat.transcript.exchanges[0]
            assert app.chat.selected is view
            assert f"> Close call: source {link(1)} scored almost as high" in view.markdown.source
            lines = prompts(app)
            listed = lines.index(CLOSE_CALL)
            assert council.text in lines[listed + 1]
            assert not any(council.text in line for line in lines[:listed])  # not listed as support
            screen = await open_option(pilot, "k1")
            assert screen.highlighted_text == council.text

    asyncio.run(scenario())
