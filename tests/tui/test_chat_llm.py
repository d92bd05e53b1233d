"""The chat with the real packaged LLM: a wrong sentence is kept and marked, tokens stream in,
Escape stops and gives the question back."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
from tui_helpers import TERMINAL, ask, wait_for, wait_for_notification

from qa_assistant.tui.answer_text import VERDICT_MARKS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def llm_engine(tui_settings: Any, tui_embedder: Any) -> Any:
    from qa_assistant.answering.engine import Engine

    engine = Engine(tui_settings.replace(extractive=False, max_tokens=160), embedder=tui_embedder)
    engine.load()
    if engine.mode != "llm":
        pytest.fail(f"the packaged LLM did not load: {engine.notice}")
    yield engine
    engine.close()


def slowed(stream_chat: Any, seconds: float) -> Any:
    """The real model's stream, each token held back a little, as on a slower machine.

    On a fast machine SmolLM2 can finish a short answer between two Pilot steps;
    holding tokens back keeps the generation running while the test presses Escape.
    """

    def stream(*args: Any, **kwargs: Any) -> Iterator[str]:
        for piece in stream_chat(*args, **kwargs):
            time.sleep(seconds)
            yield piece

    return stream


def scripted(*pieces: str) -> Any:
    """The model's stream replaced by fixed text (fault injection: a model stating a wrong fact).

    Everything else is real: the engine, its sources, the support checker, the chat.
    """

    def stream(*args: Any, **kwargs: Any) -> Iterator[str]:
        yield from pieces

    return stream


def test_a_wrong_sentence_of_the_model_is_kept_and_marked(make_app: Any, llm_engine: Any,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(llm_engine.settings, engine=llm_engine)
    wrong = "The bridge will be painted bright green by local artists."
    monkeypatch.setattr(llm_engine._llm, "stream_chat",
                        scripted("The bridge will cost 42 million", " dollars. ", wrong))

    async def scenario() -> None:
        async with app.run_test(size=TERMINAL) as pilot:
            view = await ask(pilot, "How much will the harbour bridge cost?", timeout=120)
            answer = view.answer
            assert answer.mode == "llm" and wrong in answer.answer  # the model's answer, not a replacement
            sentence = next(s for s in answer.sentences if "bright green" in s.text)
            # no source says so: never shown as supported or attributed (that would read as checked)
            assert sentence.verdict in ("partial", "unsupported"), sentence
            mark = VERDICT_MARKS[sentence.verdict]
            assert f"{wrong} `{mark} {sentence.verdict}`" in view.markdown.source
            lines = [str(getattr(o.prompt, "plain", o.prompt)) for o in app.chat.sources.option_list.options]
            heads = [line.split("\n")[0] for line in lines if wrong in line]
            assert any(h.endswith(f"{mark} {sentence.verdict} {sentence.support:.2f}") for h in heads), lines
            for n in sentence.alternatives:  # filled by the engine's verifier (issue 7)
                assert f"(cite:{n})" in view.markdown.source.split(wrong, 1)[1]

    asyncio.run(scenario())


def test_escape_stops_generation_and_puts_the_question_back(make_app: Any, llm_engine: Any,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(llm_engine.settings, engine=llm_engine)
    llm = llm_engine._llm
    real_stream = llm.stream_chat
    monkeypatch.setattr(llm, "stream_chat", slowed(real_stream, 0.25))
    question = "Describe in detail everything about the harbour bridge, the mayor and the council vote."

    async def scenario() -> None:
        async with app.run_test(size=TERMINAL, notifications=True) as pilot:
            await wait_for(pilot, lambda: app.ready, 60, "the engine")
            assert "SmolLM2" in app.chat.status_bar.info_text
            app.chat.prompt.value = question
            await pilot.press("enter")
            view = app.chat.transcript.exchanges[-1]
            await wait_for(pilot, lambda: view.text.strip() != "", 60, "the first tokens")
            assert app.questions.current is view
            cancel = app.questions.cancel_event
            await pilot.press("escape")
            assert cancel is not None and cancel.is_set()
            await wait_for(pilot, lambda: app.questions.current is None, 60, "the generation to stop")
            assert app.chat.prompt.value == question
            assert view not in app.chat.transcript.exchanges
            assert app.conversations.conversation.answers == []
            assert "question is back in the input" in await wait_for_notification(pilot, "Stopped")

            # the next question is answered in full, at the model's own speed, with checked sentences
            monkeypatch.setattr(llm, "stream_chat", real_stream)
            answered = await ask(pilot, "How much will the harbour bridge cost?", timeout=120)
            assert answered.answer.sentences
            assert {s.verdict for s in answered.answer.sentences} <= {"supported", "partial", "unsupported",
                                                                         "attributed"}

    asyncio.run(scenario())
