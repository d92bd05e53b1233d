"""Generation stops at enough sentences, or where a model going round in circles began."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from answer_helpers import final_answer

from qa_assistant.answering.stopping import before_loop, finished, loop_start
from qa_assistant.citations import split_answer
from qa_assistant.models import Token


def trimmed(text: str, sources: int = 3) -> list[str]:
    cut = loop_start(text, sources)
    assert cut is not None, text
    return finished(split_answer(before_loop(text, cut)))


def test_a_repeated_run_of_words_ends_the_answer_before_it() -> None:
    # SmolLM2's own words on a squad question (greedy, copy bias)
    text = ("Harold Wilson's government during the 1970 Six-Day War, and Ted Heath's successor, "
            "Ted Heath's successor, Ted Heath's successor, Ted Heath's")
    assert trimmed(text) == ["Harold Wilson's government during the 1970 Six-Day War, and Ted Heath's successor"]


def test_a_sentence_broken_off_by_the_loop_is_dropped_after_a_finished_one() -> None:
    text = ("Germany, Italy, Switzerland, and Norway banned flying, driving, and boating on Sundays. [1] "
            "Germany, Italy, Switzerland, and Norway banned")
    assert trimmed(text) == ["Germany, Italy, Switzerland, and Norway banned flying, driving, and boating on Sundays. [1]"]


def test_markers_counting_past_the_sources_end_the_answer() -> None:
    assert loop_start("The Japanese cars [1] [2] [3] [4] [5] [6]", sources=3) == len("The Japanese cars [1] [2] [3] ")
    assert loop_start("Stated twice [1-3] and [1, 2].", sources=3) is None
    assert loop_start("Both say so [2-5].", sources=3) == len("Both say so ")


def test_a_stutter_inside_one_word_ends_the_answer() -> None:
    # SmolLM2's whole answer to a squad question read from one source (greedy, copy bias)
    assert loop_start("1.1.1.1.1.1.1.1.1.1.1.1.", sources=1) == 0
    assert loop_start("Okafor won. [1][1][1][1][1][1]", sources=1) == len("Okafor won. ")
    assert trimmed("The embargo ended in March 1974. [1] 2.2.2.2.2.2.2") == ["The embargo ended in March 1974. [1]"]


def test_a_digit_or_run_of_digits_written_over_and_over_ends_the_answer() -> None:
    from qa_assistant.answering.stopping import enough

    # SmolLM2's whole answers to squad questions read from one source, each to max_tokens
    assert loop_start("The 1212222222222222222222222222222", sources=1) == len("The ")
    assert loop_start("123456789123456789123456789", sources=1) == 0
    assert loop_start("Capaldi took on the role. [1] 11111111111111111111", sources=1) == len(
        "Capaldi took on the role. [1] ")
    # a loop before any word leaves no answer (the engine then shows the sources, said so)
    assert enough("The 1212222222222222222222222222222", 1, "Who followed Matt Smith?") == []


@pytest.mark.parametrize("text", [
    "The council approved 12 million dollars for the library. [1]",
    # a long number's digits repeat, but they are not a stutter
    "The fund holds 1000000000 dollars, or 1,000,000,000. [1]",
    # a long number copied from a source is not a loop
    "The book's ISBN is 9780140449136, its price 100000000000 lire. [1]",
    # the same words again, but fewer than five in a row
    "The mayor said the bridge would open in May; the mayor said the tram would not. [2]",
    # a list of names shares words, never a run of five
    "Germany, Italy, Switzerland, and Norway banned flying, driving, and boating on Sundays. [1]",
])
def test_answers_that_do_not_repeat_themselves_are_left_alone(text: str) -> None:
    assert loop_start(text, sources=3) is None


def looping(*pieces: str) -> Any:
    """The model's stream replaced by a model stuck in a loop (fault injection); the rest is real."""
    consumed: list[str] = []

    def stream(*args: Any, **kwargs: Any) -> Iterator[str]:
        for piece in pieces:
            consumed.append(piece)
            yield piece

    stream.consumed = consumed  # type: ignore[attr-defined]
    return stream


@pytest.mark.slow
def test_the_engine_stops_a_looping_model_and_checks_what_came_before(llm_engine: Any,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    loop = ["The new library will cost", " 12 million dollars [1],", " 12 million dollars [1],"]
    stream = looping(*loop, *[" 12 million dollars [1],"] * 40)
    monkeypatch.setattr(llm_engine._llm, "stream_chat", stream)
    events = list(llm_engine.ask("How much money did the council approve for the new library?"))
    answer = final_answer(events)
    assert answer.answer == "The new library will cost 12 million dollars [1]"
    assert len(stream.consumed) < 10  # generation was stopped, not run to max_tokens
    assert [s.text for s in answer.sentences] == [answer.answer]
    assert sum(isinstance(e, Token) for e in events) == len(stream.consumed)


def test_a_sentence_restating_the_one_before_with_new_words_is_not_a_loop() -> None:
    # SmolLM2's answer to "When did the United States withdraw from the Bretton Woods Accord?"
    text = ("The United States unilaterally pulled out of the Bretton Woods Accord. [1] "
            "On August 15, 1971, the US unilaterally pulled out of the Bretton Woods Accord. [2]")
    assert loop_start(text, sources=3) is None
    again = text + " On August 15, 1971, the US unilaterally pulled out of the Bretton Woods Accord."
    assert trimmed(again) == split_answer(text)


def test_generation_stops_when_a_fourth_sentence_begins_or_a_sentence_comes_again() -> None:
    from qa_assistant.answering.stopping import enough

    three = "The tram opens in May. [1] It has 14 stops. [1] It cost 90 million. [2]"
    question = "What is known about the tram?"
    assert enough(three, 3, question) is None
    assert enough(three + " The", 3, question) == split_answer(three)
    again = "The tram opens in May. [1] It has 14 stops. [1] The tram opens in May. [1] More"
    assert enough(again, 3, question) == ["The tram opens in May. [1]", "It has 14 stops. [1]"]


@pytest.mark.parametrize("sentence", [
    # SmolLM2's second sentences after answering from one source (squad, greedy, copy bias)
    "2.", "The 2.", "3...\".", "The answer is [1].", "is the answer to the question.",
    "The answer to this question is [1].",
    # the same words in their other forms ("sources" stems to "sourc")
    "The sources say so. [1]", "The information is in the articles.",
])
def test_a_list_number_or_talk_about_the_answer_says_nothing(sentence: str) -> None:
    from qa_assistant.answering.stopping import says_nothing

    assert says_nothing(sentence, "What did Thoreau ask the taxman to do?")


@pytest.mark.parametrize("sentence", ["Resign.", "It was 8.", "The answer is 5.", "He asked him to resign. [1]"])
def test_a_sentence_with_a_word_or_number_the_question_lacks_says_something(sentence: str) -> None:
    from qa_assistant.answering.stopping import says_nothing

    assert not says_nothing(sentence, "What did Thoreau ask the taxman to do?")


def test_generation_stops_at_a_sentence_after_the_first_that_says_nothing() -> None:
    from qa_assistant.answering.stopping import before_nothing, enough

    question = "How many firms were existing in 2005?"
    answer = "As of 2005, there were about 667,000 firms. [1]"
    assert enough(answer + " 2.", 1, question) is None  # "2." may still become "2.5 million …"
    assert enough(answer + " 2. The", 1, question) == [answer]
    assert enough(answer + " Most were small. [1] The answer is [1]. More", 1, question) == [
        answer, "Most were small. [1]"]
    assert before_nothing(answer + " The answer is [1].", question) == [answer]
    assert before_nothing(answer, question) is None
    # the first sentence is the answer even when it only restates the question
    assert enough("Firms were existing in 2005. [1] 2. The", 1, question) == ["Firms were existing in 2005. [1]"]


@pytest.mark.slow
def test_the_engine_ends_the_answer_where_the_model_stops_saying_anything(llm_engine: Any,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    stream = looping("The council approved", " 12 million dollars. [1]", " 2.", " The", " answer", " is [1].",
                     *[" More words."] * 40)
    monkeypatch.setattr(llm_engine._llm, "stream_chat", stream)
    answer = final_answer(list(llm_engine.ask("How much money did the council approve for the new library?")))
    assert answer.answer == "The council approved 12 million dollars. [1]"
    assert [s.text for s in answer.sentences] == [answer.answer]
    assert len(stream.consumed) < 8  # stopped once the list number was followed by more


@pytest.mark.slow
def test_a_model_that_writes_nothing_is_taken_as_declining(llm_engine: Any,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(llm_engine._llm, "stream_chat", looping())
    answer = final_answer(list(llm_engine.ask("How much money did the council approve for the new library?")))
    # the sources answer it, so the reader gets them, said to be the sources, not an empty answer
    assert answer.answer and answer.mode == "extractive" and answer.notice
    assert all(s.citations for s in answer.sentences)
