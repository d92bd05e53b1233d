"""Word-order features: the cited sentences must hold the claim's new words together, not just somewhere."""

from __future__ import annotations

import math

import pytest

from qa_assistant.citations import SupportChecker
from qa_assistant.citations.features import Features, word_order_evidence
from qa_assistant.models import Citation

TITLES_Q = "What titles did Alexander II hold?"
TITLES = [
    "Aleksandr II was the Emperor of Russia from 2 March 1855 until his assassination in 1881.",
    "He was also the King of Poland and the Grand Duke of Finland.",
]
RIGHT_TITLES = "Alexander II held the titles King of Poland and Grand Duke of Finland."
STITCHED_TITLES = "Alexander II held the titles Grand Duke of Finland and King of Russia."

CAMUS_Q = "What was Camus' moral dilemma?"
CAMUS = [
    "When the Algerian War began in 1954, Camus was confronted with a moral dilemma.",
    "He identified with the pieds-noirs such as his own parents and defended the French government's "
    "actions against the revolt.",
]

SPEED_Q = "What is speed?"
SPEED = ["Speed is an important aspect of motion.", "It is a measure of how fast or slow something moves."]


def test_words_stitched_from_different_sentences_are_not_ordered_pairs() -> None:
    right = word_order_evidence(RIGHT_TITLES, TITLES_Q, TITLES)
    stitched = word_order_evidence(STITCHED_TITLES, TITLES_Q, TITLES)
    assert right.ordered_pairs == 1.0
    assert stitched.ordered_pairs < right.ordered_pairs  # "King ... Russia" stand in no sentence together
    assert stitched.copy_coverage < right.copy_coverage


def test_a_swapped_function_word_breaks_the_copied_run() -> None:
    right = word_order_evidence("Camus defended the French government's actions against the revolt.", CAMUS_Q, CAMUS)
    swapped = word_order_evidence("Camus defended the French government's actions for the revolt.", CAMUS_Q, CAMUS)
    assert right.copy_coverage == 1.0
    assert swapped.copy_coverage < 1.0
    assert swapped.found == right.found  # the same content words are found either way


def test_new_found_counts_distinct_new_terms_the_sources_state() -> None:
    one = word_order_evidence("Speed is motion.", SPEED_Q, SPEED)
    many = word_order_evidence("Speed is a measure of how fast or slow something moves.", SPEED_Q, SPEED)
    assert one.found == pytest.approx(math.log1p(1))
    assert many.found == pytest.approx(math.log1p(5))  # measure, fast, slow, something, move
    restated = word_order_evidence("What speed is.", SPEED_Q, SPEED)
    assert (restated.found, restated.copy_coverage, restated.ordered_pairs) == (0.0, 1.0, 1.0)


def test_numbers_in_words_and_digits_are_the_same_term() -> None:
    ev = word_order_evidence("It was his fourth trip in under twelve months.", "How many trips did he make?",
                             ["It's his fourth trip in less than 12 months."])
    assert ev.ordered_pairs == 1.0 and ev.found > 0


def test_the_features_are_named_for_the_head() -> None:
    assert {"new_found", "copy_coverage", "ordered_pairs"} <= set(Features.names())
    assert Features.names()[-1] == "judge"


def _support(checker: SupportChecker, question: str, sources: list[str], claim: str) -> float:
    citations = [Citation(i + 1, "a.txt", "A", 0, len(s), s) for i, s in enumerate(sources)]
    marks = "".join(f"[{c.n}]" for c in citations)
    [sentence] = checker.check(f"{claim} {marks}", citations, question=question)
    return sentence.support


@pytest.mark.slow
def test_the_shipped_head_prefers_the_claim_the_sources_hold_in_order(checker: SupportChecker) -> None:
    assert _support(checker, TITLES_Q, TITLES, STITCHED_TITLES) < _support(checker, TITLES_Q, TITLES, RIGHT_TITLES)
    right = _support(checker, SPEED_Q, SPEED, "Speed is a measure of how fast or slow something moves.")
    assert _support(checker, SPEED_Q, SPEED, "Speed is the measure of motion.") < right
