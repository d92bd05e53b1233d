"""The verifier looks for the claim, not the topic (real packaged embedder, shipped head)."""

from __future__ import annotations

import json

import pytest

from qa_assistant.citations import SupportChecker, VerifierFileError, head_for, load_heads
from qa_assistant.citations.features import Features
from qa_assistant.citations.head import LEXICAL, heads_path
from qa_assistant.models import Citation

SOURCES = [
    "A U.S. airstrike at Baghdad's international airport on Friday killed Iran's top general, "
    "Qassem Soleimani, the commander of the elite Quds Force.",
    "Iraqi officials said the strike also killed Abu Mahdi al-Muhandis, deputy commander of Iran-backed militias.",
    "Oil prices rose by 4 percent after the attack, and the United States urged its citizens to leave Iraq.",
]
CITATIONS = [Citation(i + 1, "news.txt", "Soleimani", 0, len(s), s) for i, s in enumerate(SOURCES)]
QUESTION = "Who was killed by the U.S. airstrike at Baghdad airport?"

def verdict(checker: SupportChecker, text: str, question: str | None = QUESTION):
    [sentence] = checker.check(text, CITATIONS, question=question)
    return sentence


@pytest.mark.slow
def test_a_wrong_fact_on_the_right_topic_is_not_supported(checker: SupportChecker) -> None:
    wrong = verdict(checker, "The U.S. airstrike at Baghdad airport killed a senior Syrian government official. [1]")
    right = verdict(checker, "The U.S. airstrike at Baghdad airport killed Iranian general Qassem Soleimani. [1]")
    assert right.verdict == "supported"
    assert wrong.verdict != "supported" and wrong.support < right.support
    assert wrong.citations == (1,)


@pytest.mark.slow
def test_name_number_and_negation_swaps_are_caught(checker: SupportChecker) -> None:
    cases = [
        ("How much did oil prices rise after the attack?",
         "Oil prices rose by 4 percent after the attack [3].", "Oil prices rose by 9 percent after the attack [3]."),
        ("Who did the strike also kill, according to Iraqi officials?",
         "The strike also killed Abu Mahdi al-Muhandis [2].", "The strike also killed Hassan Nasrallah [2]."),
        ("What did the United States urge its citizens to do?",
         "The United States urged its citizens to leave Iraq [3].",
         "The United States urged its citizens not to leave Iraq [3]."),
    ]
    for question, original, swapped in cases:
        right, wrong = verdict(checker, original, question), verdict(checker, swapped, question)
        assert right.verdict in ("supported", "partial"), original
        assert wrong.verdict != "supported" and wrong.support < right.support, swapped
    assert verdict(checker, cases[1][1], cases[1][0]).verdict == "supported"


@pytest.mark.slow
def test_an_unsupported_sentence_is_offered_the_closest_sources(checker: SupportChecker) -> None:
    s = verdict(checker, "The U.S. airstrike at Baghdad airport killed Qassem Soleimani. [3]")
    assert s.verdict != "supported"
    assert s.alternatives and s.alternatives[0] == 1  # the sentence that does say it


@pytest.mark.slow
def test_support_is_the_heads_probability_and_verdicts_follow_its_cut_offs(checker: SupportChecker) -> None:
    s = verdict(checker, "The U.S. airstrike at Baghdad airport killed Iranian general Qassem Soleimani. [1]")
    assert 0.0 <= s.support <= 1.0
    assert checker.thresholds.supported == checker.head.supported > checker.head.partial


def test_the_shipped_weights_load_and_name_known_features() -> None:
    heads = load_heads()
    assert LEXICAL in heads and not heads[LEXICAL].uses_judge
    for head in heads.values():
        assert set(head.features) <= set(Features.names())
        assert 0.0 < head.partial <= head.supported < 1.0
    assert head_for("no-such-model", heads).name == LEXICAL


def test_a_damaged_weights_file_is_a_clear_error(tmp_path) -> None:
    broken = tmp_path / "verifier.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(VerifierFileError, match="verifier.json.*bench/fit_verifier.py"):
        load_heads(broken)
    data = json.loads(heads_path().read_text(encoding="utf-8"))
    data["heads"][LEXICAL]["features"].append("mood")
    broken.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(VerifierFileError, match="mood"):
        load_heads(broken)
