"""Support verdicts on the real packaged embedder with real sentences."""

from __future__ import annotations

import numpy as np
import pytest

from qa_assistant.citations import SupportChecker, Thresholds
from qa_assistant.models import Citation

SOURCES = [
    "In October 1973 the members of OPEC proclaimed an oil embargo against nations that supported Israel.",
    "By the end of the embargo in March 1974, the price of oil had risen from 3 dollars per barrel to nearly "
    "12 dollars.",
    "Maria Okafor was elected mayor of Riverton on Sunday with 61 percent of the vote.",
]
CITATIONS = [Citation(i + 1, "news.txt", "News", 0, len(s), s) for i, s in enumerate(SOURCES)]

pytestmark = pytest.mark.slow


def one(checker: SupportChecker, text: str):
    [sentence] = checker.check(text, CITATIONS)
    return sentence


def test_faithful_paraphrase_is_supported(checker: SupportChecker) -> None:
    s = one(checker, "The oil price rose from 3 dollars a barrel to almost 12 dollars by March 1974 [2].")
    assert (s.verdict, s.citations) == ("supported", (2,))
    assert s.support >= checker.thresholds.supported
    assert one(checker, "OPEC members declared an oil embargo in October 1973 [1].").verdict == "supported"


def test_unrelated_claim_is_unsupported(checker: SupportChecker) -> None:
    s = one(checker, "The volcano erupted near Grindavik on Monday night [1].")
    assert (s.verdict, s.citations) == ("unsupported", (1,))
    assert s.support < checker.thresholds.partial


def test_changed_numbers_are_not_supported(checker: SupportChecker) -> None:
    right = one(checker, "Okafor won 61 percent of the vote in Riverton [3].")
    wrong = one(checker, "Okafor won 75 percent of the vote in Riverton [3].")
    assert right.verdict == "supported"
    assert wrong.verdict != "supported" and wrong.support < right.support
    prices = one(checker, "The oil price rose from 5 dollars a barrel to almost 20 dollars by March 1975 [2].")
    assert prices.verdict != "supported"


def test_citing_the_wrong_source_is_not_supported(checker: SupportChecker) -> None:
    s = one(checker, "Maria Okafor was elected mayor of Riverton with 61 percent of the vote [1].")
    assert s.verdict == "unsupported"


def test_uncited_sentences_get_the_best_source_attributed(checker: SupportChecker) -> None:
    s = one(checker, "Okafor won the election for mayor of Riverton with 61 percent.")
    assert (s.verdict, s.citations) == ("attributed", (3,))
    assert s.support >= checker.thresholds.partial
    unrelated = one(checker, "Penguins live in Antarctica.")
    assert (unrelated.verdict, unrelated.citations) == ("unsupported", ())
    refusal = one(checker, "The sources do not say.")
    assert (refusal.verdict, refusal.citations) == ("unsupported", ())


def test_invalid_numbers_are_dropped_and_flagged(checker: SupportChecker) -> None:
    s = one(checker, "OPEC declared an oil embargo in October 1973 [7].")
    assert s.invalid_citations == (7,)
    assert s.text == "OPEC declared an oil embargo in October 1973."
    assert (s.verdict, s.citations) == ("attributed", (1,))


def test_whole_answer_and_given_vectors(checker: SupportChecker, embedder) -> None:
    answer = ("OPEC proclaimed an oil embargo in October 1973 [1]. "
              "By March 1974 oil cost nearly 12 dollars a barrel [2]. Penguins live in Antarctica.")
    vectors = np.asarray(embedder.encode(SOURCES), dtype=np.float32)
    with_vectors = checker.check(answer, CITATIONS, vectors)
    without = checker.check(answer, CITATIONS)
    assert [s.verdict for s in with_vectors] == ["supported", "supported", "unsupported"]
    assert [s.verdict for s in without] == [s.verdict for s in with_vectors]
    assert [round(s.support, 4) for s in without] == [round(s.support, 4) for s in with_vectors]
    assert checker.check("", CITATIONS) == []


def test_check_sentence_matches_check(checker: SupportChecker) -> None:
    text = "The oil price rose from 3 dollars a barrel to almost 12 dollars by March 1974 [2]."
    assert checker.check_sentence(text, CITATIONS) == one(checker, text)


def test_thresholds_decide_the_verdict(embedder) -> None:
    strict = SupportChecker(embedder, Thresholds(supported=0.99, partial=0.98))
    s = strict.check("OPEC members declared an oil embargo in October 1973 [1].", CITATIONS)[0]
    assert s.verdict == "unsupported"
    assert Thresholds().verdict(0.9) == "supported"
    assert Thresholds().verdict((Thresholds().partial + Thresholds().supported) / 2) == "partial"


class _Counting:
    """The real embedder, counting the texts it is asked to embed."""

    def __init__(self, inner) -> None:
        self.inner, self.dimension, self.texts = inner, inner.dimension, 0

    def encode(self, texts, progress=None):
        self.texts += len(texts)
        return self.inner.encode(texts)


def test_alternatives_reuse_the_claim_vectors_the_check_just_made(embedder) -> None:
    counting = _Counting(embedder)
    checker = SupportChecker(counting)
    answer = "The volcano erupted near Grindavik on Monday night [1]. Maria Okafor won the vote [3]."
    sentences = checker.check(answer, CITATIONS, question="What happened on Monday?")
    asked = counting.texts
    claims = ["The volcano erupted near Grindavik on Monday night.", "Maria Okafor won the vote."]
    reused = checker.encode_claims(claims)
    assert counting.texts == asked  # nothing embedded again
    again = embedder.encode(claims)  # and they are those claims' vectors (int8 rounds a little by batch)
    assert np.all(np.sum(reused * again, axis=1) > 0.98)
    checker.encode_claims(["A sentence no check has seen."])
    assert counting.texts == asked + 1
    assert [s.verdict for s in sentences][0] == "unsupported"
