"""Answer splitting, citation markers and lexical evidence (pure functions)."""

from __future__ import annotations

import pytest

from qa_assistant.citations import (
    is_no_claim,
    lexical_evidence,
    parse_markers,
    split_answer,
    strip_markers,
    terms,
)


def test_split_keeps_markers_with_their_sentence() -> None:
    text = "The embargo began in October 1973 [1]. Prices rose fourfold [2][3]. [4] Rationing followed."
    assert split_answer(text) == [
        "The embargo began in October 1973 [1].",
        "Prices rose fourfold [2][3]. [4]",
        "Rationing followed.",
    ]


def test_markers_that_lead_their_sentences_stay_with_them() -> None:
    # SmolLM2 often numbers what it copies: each marker names the sentence after it
    text = ("[1] A nasal spray vaccine cut admissions. [2] The trial enrolled 4,812 volunteers. "
            "[3] Half received two doses. [")
    assert split_answer(text) == [
        "A nasal spray vaccine cut admissions. [1]",
        "The trial enrolled 4,812 volunteers. [2]",
        "Half received two doses. [3]",
    ]
    assert split_answer("1. [1] Oil was priced in dollars.\n2. [2] OPEC issued a communique.") == [
        "Oil was priced in dollars. [1]", "OPEC issued a communique. [2]"]
    assert split_answer("[1] ABC has aired the pageant since 2011. [2]") == ["ABC has aired the pageant since 2011. [1] [2]"]


def test_a_copied_sentence_with_abbreviations_or_number_words_names_nothing_missing() -> None:
    from qa_assistant.citations.claims import claim_evidence

    source = "The trial enrolled 4,812 volunteers in the U.S. and Canada, Corvane Bio said."
    question = "How many volunteers took part?"
    assert claim_evidence(source, question, [source]).missing_names == 0
    assert claim_evidence(source.replace("U.S.", "U.K."), question, [source]).missing_names == 1
    headline = "Riverton Council Approves $412 Million Eastside Tram Line"
    assert claim_evidence(headline, "How many stops?", [headline]).missing_names == 0


def test_split_respects_abbreviations_decimals_and_lists() -> None:
    text = "Mr. Smith paid U.S. taxes of 3.5 percent [1]. He left.\n- first point [2]\n2. second point"
    assert split_answer(text) == ["Mr. Smith paid U.S. taxes of 3.5 percent [1].", "He left.",
                                  "first point [2]", "second point"]
    assert split_answer("") == []
    assert split_answer("  [1]  ") == ["[1]"]


@pytest.mark.parametrize(("sentence", "expected"), [
    ("Oil rose [1].", ("Oil rose [1].", (1,), ())),
    ("Oil rose [1, 2].", ("Oil rose [1, 2].", (1, 2), ())),
    ("Oil rose [1][2].", ("Oil rose [1][2].", (1, 2), ())),
    ("Oil rose [2][2] and fell [2].", ("Oil rose [2][2] and fell [2].", (2,), ())),
    ("Oil rose [Source 3].", ("Oil rose [Source 3].", (3,), ())),
    ("Oil rose [1-3].", ("Oil rose [1-3].", (1, 2, 3), ())),
    ("Oil rose [1; 3].", ("Oil rose [1; 3].", (1, 3), ())),
    ("Oil rose [9].", ("Oil rose.", (), (9,))),
    ("Oil rose [1, 9] [0].", ("Oil rose [1].", (1,), (9, 0))),
    ("Oil rose.", ("Oil rose.", (), ())),
])
def test_parse_markers(sentence: str, expected: tuple) -> None:
    assert parse_markers(sentence, 3) == expected


def test_strip_markers() -> None:
    assert strip_markers("Oil rose [1] sharply [2, 3].") == "Oil rose sharply."


def test_no_claim_sentences() -> None:
    assert is_no_claim("The sources do not say.")
    assert is_no_claim("This is not mentioned in the articles.")
    assert not is_no_claim("The embargo began in 1973.")


def test_lexical_evidence_counts_missing_numbers() -> None:
    source = terms("By March 1974 the price of oil had risen from 3 dollars to nearly 12 dollars.")
    same = lexical_evidence(terms("Oil prices rose to 12 dollars by 1974."), [source])
    assert same.recall > 0.8 and same.missing_numbers == 0 and same.numbers == 2
    changed = lexical_evidence(terms("Oil prices rose to 15 dollars by 1975."), [source])
    assert changed.missing_numbers == 2
    assert lexical_evidence(terms("The the of."), [source]).recall == 1.0
    assert lexical_evidence(terms("Five people died."), [terms("5 people died in the crash.")]).missing_numbers == 0
