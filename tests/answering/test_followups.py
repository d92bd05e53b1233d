"""Follow-up questions rewritten into standalone ones (deterministic rules, no model)."""

from __future__ import annotations

import pytest

from qa_assistant.answering.followups import standalone_question
from qa_assistant.models import Answer, AnswerSentence, Citation


def turn(question: str, answer: str, title: str = "", standalone: str | None = None) -> Answer:
    citations = (Citation(1, "a.txt", title, 0, 1, "x"),) if title else ()
    sentences = (AnswerSentence(answer, (1,) if title else (), "supported", 0.9),)
    return Answer(question=question, answer=answer, mode="llm", sentences=sentences, citations=citations,
                  passages=(), standalone_question=standalone)


MONGOLS = turn("Who founded the Mongol Empire?", "Genghis Khan founded the Mongol Empire in 1206 [1].",
               "Genghis Khan")
OIL = turn("When did the oil crisis begin?", "It began in October 1973 [1].", "1973 oil crisis")
FRANCE = turn("What is the capital of France?", "Paris [1].", "France")
TRAM = turn("How much will the tram line cost?", "About 1 billion euros [1].", "Tram line plan")


@pytest.mark.parametrize(("previous", "question", "expected"), [
    (MONGOLS, "When was he born?", "When was Genghis Khan born?"),
    (turn("Who is Angela Merkel?", "She is the German chancellor [1].", "Merkel"),
     "What did she say about the tram?", "What did Angela Merkel say about the tram?"),
    (OIL, "Why did it happen?", "Why did the oil crisis happen?"),
    (FRANCE, "What is its population?", "What is France's population?"),
    (TRAM, "Who pays for that?", "Who pays for the tram line?"),
    (TRAM, "When will this be finished?", "When will the tram line be finished?"),
    (turn("Who founded Harvard University?", "John Harvard [1].", "Harvard"), "What about Yale?",
     "Who founded Yale?"),
    (turn("How many people died in the Black Death?", "Millions [1].", "Black Death"), "What about in England?",
     "How many people died in the Black Death in England?"),
    (turn("What was the price of oil in 1973?", "3 dollars [1].", "Oil"), "what about 1974?",
     "What was the price of oil in 1974?"),
    (FRANCE, "Why?", "Why? (What is the capital of France)"),
    (TRAM, "And who is paying?", "And who is paying? (How much will the tram line cost)"),
])
def test_follow_ups_become_standalone(previous: Answer, question: str, expected: str) -> None:
    assert standalone_question(question, [previous]) == expected


@pytest.mark.parametrize("question", [
    "What did OPEC do in 1973?",
    "When did Genghis Khan die and where was he buried?",
    "How many students does Harvard University have?",
])
def test_standalone_questions_pass_through(question: str) -> None:
    assert standalone_question(question, [FRANCE]) == question
    assert standalone_question(question, []) == question


def test_uses_the_last_turn_as_rewritten() -> None:
    first = turn("Who founded the Mongol Empire?", "Genghis Khan [1].", "Genghis Khan")
    second = turn("When was he born?", "In 1162 [1].", "Genghis Khan", standalone="When was Genghis Khan born?")
    assert standalone_question("Where did he die?", [first, second]) == "Where did Genghis Khan die?"
    assert standalone_question("What about his sons?", [first, second]) == "When was Genghis Khan's sons born?"


def test_falls_back_to_the_cited_title() -> None:
    previous = turn("what happened next?", "Prices quadrupled [1].", "1973 oil crisis")
    assert standalone_question("Why did it happen?", [previous]) == "Why did 1973 oil crisis happen?"
