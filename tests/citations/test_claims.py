"""Question-aware claim evidence: what the answer adds must be in the sources."""

from __future__ import annotations

from qa_assistant.citations.claims import claim_evidence, negated_stems, new_text

SOURCE = ("A U.S. airstrike at Baghdad's international airport killed Iran's top general, "
          "Qassem Soleimani, the commander of the Quds Force.")
QUESTION = "Who was killed by the U.S. airstrike at Baghdad airport?"


def test_the_claim_is_what_the_answer_adds_to_the_question() -> None:
    wrong = claim_evidence("The U.S. airstrike at Baghdad airport killed a senior Syrian government official.",
                           QUESTION, [SOURCE])
    right = claim_evidence("The U.S. airstrike at Baghdad airport killed Iranian general Qassem Soleimani.",
                           QUESTION, [SOURCE])
    assert right.new_recall > 0.7 > 0.3 > wrong.new_recall
    assert wrong.missing_names == 1 and right.missing_names == 0  # "Syrian" is nowhere in the source
    assert new_text("The U.S. airstrike at Baghdad airport killed Qassem Soleimani.", QUESTION) == "Qassem Soleimani."


def test_without_the_question_the_repeated_words_carry_the_claim() -> None:
    wrong = "The U.S. airstrike at Baghdad airport killed a senior Syrian government official."
    assert claim_evidence(wrong, None, [SOURCE]).new_recall > claim_evidence(wrong, QUESTION, [SOURCE]).new_recall


def test_numbers_are_checked_on_their_own() -> None:
    source = "Maria Okafor was elected mayor of Riverton on Sunday with 61 percent of the vote."
    q = "What share of the vote did Okafor win?"
    assert claim_evidence("Okafor won 61 percent of the vote.", q, [source]).missing_numbers == 0
    changed = claim_evidence("Okafor won 75 percent of the vote.", q, [source])
    assert (changed.numbers, changed.missing_numbers) == (1, 1)


def test_negation_against_a_plain_statement_is_a_mismatch() -> None:
    source = "The judge said the law is not vindictive and only wishes to be just."
    q = "What did the judge say about the law?"
    assert claim_evidence("What did the judge say about the law: It was vindictive.", q, [source]).negation_mismatch
    assert not claim_evidence("What did the judge say about the law: It is not vindictive.", q,
                              [source]).negation_mismatch
    plain = "The council approved the tram line on Tuesday."
    assert claim_evidence("The council did not approve the tram line.", "Did the council approve the tram line?",
                          [plain]).negation_mismatch  # the answer's "no" is the claim
    assert claim_evidence("The council never approved the tram line.", None, [plain]).negation_mismatch


def test_negated_stems_cover_short_forms() -> None:
    negated, governed = negated_stems("He didn't win the race.")
    assert negated and "win" in governed
    assert negated_stems("He won the race.") == (False, frozenset())
