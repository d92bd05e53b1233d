"""Refusals from retrieval evidence (``answering/refusal.py``) with the shipped weights, on real indexes
and the packaged embedder: questions about what the articles never cover are refused, questions they
answer are not, and the fitted figures hold on SQuAD 2.0 dev and on off-topic questions."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from answer_helpers import final_answer, write_articles

from qa_assistant.answering.contrast import Opposites
from qa_assistant.answering.refusal import RefusalModel, retrieval_evidence
from qa_assistant.retrieval import score_sentences

ARTICLES = {
    "science/lakes.txt": (
        "Lakes under the ice\n\n"
        "Lake Vostok is the largest of the almost 400 known subglacial lakes of Antarctica. "
        "It lies under the Russian Vostok Station, some 4,000 metres below the surface of the ice sheet. "
        "Its water is thought to have been sealed off from the air for about 15 million years.\n"
    ),
    "sport/chess.txt": (
        "Okonkwo wins the chess final\n\n"
        "Mira Okonkwo won the national chess championship in Lagos on Sunday. "
        "She defeated the defending champion in a final game that lasted six hours.\n"
    ),
}


def _engine(settings: Any, embedder: Any) -> Any:
    from qa_assistant.answering.engine import Engine

    engine = Engine(settings, embedder=embedder)
    engine.load(update="always")
    return engine


def _refused(engine: Any, questions: list[str]) -> list[bool]:
    """The shipped model's decision on each question, from the engine's own retrieval."""
    retriever, model, opposites = engine._retriever, RefusalModel(), Opposites.load()
    decided = []
    for question in questions:
        hits = retriever.retrieve(question, engine.settings.top_k_passages)
        ranked = score_sentences(hits, retriever.stats)
        decided.append(model.refuse(retrieval_evidence(question, hits, ranked, retriever.stats, opposites)))
    return decided


@pytest.mark.slow
def test_questions_the_articles_never_cover_are_refused(engine_settings: Any, embedder: Any,
                                                        tmp_path: Path) -> None:
    settings = engine_settings.replace(articles_dir=write_articles(tmp_path / "articles", ARTICLES),
                                       index_dir=tmp_path / "index", extractive=True)
    engine = _engine(settings, embedder)
    try:
        for question in ("What is the capital of Australia?", "Who is the coach of Harbour City FC?",
                         "How many visitors came to the Kessingham cheese fair?"):
            answer = final_answer(engine.ask(question))
            assert answer.refused, question
            assert answer.citations  # the closest sentences are still listed
        for question in ("What is the largest subglacial lake of Antarctica?",
                         "Who won the national chess championship?"):
            answer = final_answer(engine.ask(question))
            assert not answer.refused, question
    finally:
        engine.close()


def _eval_engine(shared_dir: Path, name: str, embedder: Any) -> Any:
    from qa_assistant.config import load_settings
    from qa_assistant.evaluation.runner import eval_settings, load_eval_set

    eval_set = load_eval_set(shared_dir / "eval" / name)
    return _engine(eval_settings(load_settings({"extractive": True}), eval_set), embedder)


@pytest.mark.slow
def test_shipped_weights_hold_their_figures_on_squad2_and_off_topic_questions(shared_dir: Path,
                                                                              embedder: Any) -> None:
    """``bench/calibrate_refusal.py``'s figures for the shipped weights (0.19 of squad2's unanswerable
    questions refused, 0.03 of its answerable ones, 0.98 of off-topic ones) through the engine."""
    from qa_assistant.evaluation.runner import load_eval_set

    squad2 = load_eval_set(shared_dir / "eval" / "squad2").questions
    engine = _eval_engine(shared_dir, "squad2", embedder)
    try:
        refused = _refused(engine, [q["question"] for q in squad2])
    finally:
        engine.close()
    unanswerable = [r for r, q in zip(refused, squad2, strict=True) if q.get("answerable") is False]
    answerable = [r for r, q in zip(refused, squad2, strict=True) if q.get("answerable", True)]
    assert (len(unanswerable), len(answerable)) == (208, 278)
    assert sum(unanswerable) / 208 >= 0.16
    assert sum(answerable) / 278 <= 0.05

    squad = load_eval_set(shared_dir / "eval" / "squad").questions
    engine = _eval_engine(shared_dir, "hotpotqa", embedder)  # squad's questions, hotpotqa's articles
    try:
        off_topic = _refused(engine, [q["question"] for q in random.Random(0).sample(squad, 60)])
    finally:
        engine.close()
    assert sum(off_topic) / 60 >= 0.9
