"""The sample articles and their ten questions, answered through the real engine (README's first example).

Both modes over a real index of ``qa_assistant/samples/articles``: the extractive answer names
what "how many" questions count, and in LLM mode a sentence the model copied word for word from
the source it cites is never marked as anything less than supported.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from answer_helpers import both_engines, final_answer

from qa_assistant.answering.engine import Engine
from qa_assistant.citations import strip_markers
from qa_assistant.config import Settings, load_settings, sample_articles_dir
from qa_assistant.evaluation.metrics import answer_hit

pytestmark = pytest.mark.slow

QUESTIONS = [json.loads(line) for line in
             (sample_articles_dir().parent / "questions.jsonl").read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture(scope="module")
def sample_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return load_settings({"articles_dir": sample_articles_dir(), "index_dir": tmp_path_factory.mktemp("samples") / "i"},
                         environ={}, config_file=None)


@pytest.fixture(scope="module")
def sample_engines(sample_settings: Settings, embedder: Any) -> Iterator[dict[str, Engine]]:
    with both_engines(sample_settings, embedder) as made:
        yield made


@pytest.mark.parametrize(("question", "counted"), [
    ("How many stops will the Eastside tram line have?", "19 stops"),
    ("How many volunteers took part in the CVN-204 trial?", "4,812 volunteers"),
])
def test_how_many_questions_are_answered_with_the_number_of_that_thing(sample_engines: dict[str, Engine],
                                                                       question: str, counted: str) -> None:
    answer = final_answer(sample_engines["extractive"].ask(question))
    assert counted in answer.answer


AT_THE_REFUSAL_LINE = "What fine do first-time offenders face under the Marren Valley water restrictions?"
"""Its refusal probability sits on the threshold (0.63): 0.60 with the unsigned AVX2 int8 graph,
0.63 with fp32 vectors, 0.65 with the signed one; so it is answered or refused by int8 rounding."""


def test_the_sample_questions_are_answered_extractively(sample_engines: dict[str, Engine]) -> None:
    answers = {q["question"]: final_answer(sample_engines["extractive"].ask(q["question"])) for q in QUESTIONS}
    missed = [q["question"] for q in QUESTIONS if not answer_hit(answers[q["question"]].answer, q["answers"])]
    others = [q for q in missed if q != AT_THE_REFUSAL_LINE]
    assert len(others) <= 1, missed
    if AT_THE_REFUSAL_LINE in missed:
        assert answers[AT_THE_REFUSAL_LINE].refused  # the articles do not say, never a wrong answer


def test_a_sentence_copied_from_the_source_it_cites_is_supported(sample_engines: dict[str, Engine]) -> None:
    copies = 0
    for q in QUESTIONS:
        answer = final_answer(sample_engines["llm"].ask(q["question"]))
        by_n = {c.n: c.text for c in answer.citations}
        for sentence in answer.sentences:
            if len(sentence.citations) == 1 and strip_markers(sentence.text) == by_n[sentence.citations[0]]:
                copies += 1
                assert sentence.verdict in ("supported", "attributed"), (q["question"], sentence)
                assert not sentence.alternatives, sentence
    assert copies >= 3  # the packaged model copies its sources: the check above must have run
