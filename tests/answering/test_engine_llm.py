"""The engine with the packaged SmolLM2 through llama.cpp: streaming, checking, safety."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from answer_helpers import assert_citations_exact, final_answer

from qa_assistant.answering.engine import NOT_COVERED, Engine
from qa_assistant.errors import ModelLoadError
from qa_assistant.models import Done, SentenceChecked, Token

pytestmark = pytest.mark.slow


def test_llm_answer_streams_and_every_sentence_is_checked(llm_engine: Any, articles_dir: Path) -> None:
    events = list(llm_engine.ask("Where did the volcano erupt?"))
    tokens = [e for e in events if isinstance(e, Token)]
    checked = [e.sentence for e in events if isinstance(e, SentenceChecked)]
    answer = final_answer(events)
    assert tokens and checked
    assert answer.sentences == tuple(checked)
    assert all(n in {c.n for c in answer.citations} for s in answer.sentences for n in s.citations)
    assert_citations_exact(llm_engine, answer, articles_dir)
    assert {"retrieve", "first_token", "generate", "check", "total"} <= set(answer.timings_ms)
    assert "iceland" in answer.answer.lower() or "reykjanes" in answer.answer.lower() or answer.mode == "extractive"


def test_instructions_inside_an_article_stay_data(llm_engine: Any, articles_dir: Path) -> None:
    answer = final_answer(llm_engine.ask("How much money did the council approve for the new library?"))
    assert "hacked" not in answer.answer.lower()
    assert any(c.article == "city/library.txt" for c in answer.citations)
    assert_citations_exact(llm_engine, answer, articles_dir)


def test_follow_up_question_is_rewritten_before_retrieval(llm_engine: Any) -> None:
    first = final_answer(llm_engine.ask("Who was elected mayor of Riverton?"))
    follow = final_answer(llm_engine.ask("What did she do before that?", history=[first]))
    assert follow.standalone_question and follow.standalone_question != follow.question
    assert follow.passages[0].article_path == "politics/mayor.md"


def test_unanswerable_question_does_not_reach_the_model(llm_engine: Any) -> None:
    answer = final_answer(llm_engine.ask("What is the recommended dose of ibuprofen for a toddler?"))
    assert answer.answer == NOT_COVERED and answer.mode == "llm" and answer.citations == ()


def test_cancel_stops_generation_early_and_still_gives_a_checked_answer(llm_engine: Any) -> None:
    cancel = threading.Event()
    tokens = 0
    done = None
    for event in llm_engine.ask("What happened during the 1973 oil embargo?", cancel=cancel):
        if isinstance(event, Token):
            tokens += 1
            cancel.set()
        elif isinstance(event, Done):
            done = event.answer
    assert done is not None and done.mode == "llm"
    assert tokens == 1
    assert len(done.answer) < 40


def test_default_model_failing_falls_back_to_extractive(
    engine_settings: Any, embedder: Any, built_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import qa_assistant.answering.llm as llm

    def broken(*args: object, **kwargs: object) -> object:  # fault injection: the packaged GGUF is unusable
        raise ModelLoadError("model_path is not set and the packaged model is missing")

    monkeypatch.setattr(llm.LocalLLM, "load", classmethod(broken))
    engine = Engine(engine_settings, embedder=embedder)
    engine.load()
    try:
        assert engine.mode == "extractive" and engine.notice and "model_path" in engine.notice
        assert final_answer(engine.ask("Where did the volcano erupt?")).mode == "extractive"
    finally:
        engine.close()


def test_explicit_model_that_cannot_load_is_an_error(engine_settings: Any, embedder: Any, tmp_path: Path) -> None:
    bad = tmp_path / "weights.gguf"
    bad.write_bytes(b"not a model")
    with pytest.raises(ModelLoadError, match="model_path"):
        Engine(engine_settings.replace(model_path=bad), embedder=embedder).load()
