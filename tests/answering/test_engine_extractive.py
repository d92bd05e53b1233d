"""The engine in extractive mode over a real index (real embedder, FAISS, SQLite, BM25)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from answer_helpers import assert_citations_exact, final_answer, write_articles

from qa_assistant.answering.engine import NOT_COVERED
from qa_assistant.models import Done, Retrieved, SentenceChecked, Token

pytestmark = pytest.mark.slow


def test_answer_cites_the_exact_source_sentence(extractive_engine: Any, articles_dir: Path) -> None:
    events = list(extractive_engine.ask("Which countries banned driving on Sundays?", question_id="q1"))
    assert isinstance(events[0], Retrieved)
    assert isinstance(events[-1], Done)
    assert any(isinstance(e, Token) for e in events) and any(isinstance(e, SentenceChecked) for e in events)
    answer = final_answer(events)
    assert answer.mode == "extractive" and answer.id == "q1"
    assert "Norway banned driving on Sundays" in answer.answer
    cited = {n for s in answer.sentences for n in s.citations}
    assert cited and all(answer.citations[n - 1].article == "energy/oil-crisis.txt" for n in cited)
    assert_citations_exact(extractive_engine, answer, articles_dir)
    assert answer.passages and answer.passages[0].article_path == "energy/oil-crisis.txt"
    assert set(answer.timings_ms) >= {"retrieve", "total"}


def test_a_pronoun_sentence_brings_its_antecedent_into_the_sources(extractive_engine: Any) -> None:
    answer = final_answer(extractive_engine.ask("Who previously worked as an emergency nurse?"))
    texts = [c.text for c in answer.citations]
    nurse = next(i for i, t in enumerate(texts) if t.startswith("She previously worked"))
    assert nurse > 0 and texts[nurse - 1].startswith("Maria Okafor was elected")
    assert "nurse" in answer.answer


def test_a_question_the_articles_do_not_cover_says_so(extractive_engine: Any) -> None:
    answer = final_answer(extractive_engine.ask("What is the recommended dose of ibuprofen for a toddler?"))
    assert answer.answer == NOT_COVERED and answer.refused
    assert answer.sentences == () and answer.citations  # the closest sentences, shown so the reader sees why
    assert answer.mode == "extractive" and answer.notice


def test_planted_instruction_is_never_a_source(extractive_engine: Any) -> None:
    from qa_assistant.ingest.instructions import addresses_model

    answer = final_answer(extractive_engine.ask("What should the reply be about the library, only the word?"))
    assert not any(addresses_model(c.text) for c in answer.citations)
    assert "HACKED" not in answer.answer


def test_cancel_before_answering_still_ends_with_done(extractive_engine: Any) -> None:
    cancel = threading.Event()
    cancel.set()
    answer = final_answer(extractive_engine.ask("Where did the volcano erupt?", cancel=cancel))
    assert answer.citations


def test_a_new_generation_of_the_index_is_picked_up(
    engine_settings: Any, embedder: Any, tmp_path: Path
) -> None:
    from qa_assistant.answering.engine import Engine
    from qa_assistant.index import update_index

    articles = write_articles(tmp_path / "articles", {"a.txt": "Tomatoes need full sun and regular water.\n"})
    settings = engine_settings.replace(articles_dir=articles, index_dir=tmp_path / "index", extractive=True)
    update_index(settings, embedder)
    engine = Engine(settings, embedder=embedder)
    engine.load()
    try:
        question = "Which chess grandmaster won the 1972 world championship in Reykjavik?"
        assert final_answer(engine.ask(question)).refused
        write_articles(articles, {"chess.txt": "Bobby Fischer won the 1972 World Chess Championship in Reykjavik.\n"})
        update_index(settings, embedder)
        assert engine.reader.is_stale()
        answer = final_answer(engine.ask(question))
        assert "Bobby Fischer" in answer.answer
    finally:
        engine.close()
