"""An unsupported sentence stays as written, marked, with the closest sources offered beside it."""

from __future__ import annotations

from typing import Any

import pytest

from qa_assistant.answering.alternatives import with_alternatives
from qa_assistant.citations import SupportChecker, strip_markers
from qa_assistant.models import Citation

pytestmark = pytest.mark.slow

SOURCES = (
    Citation(1, "a.txt", "Mayor", 0, 60, "Maria Okafor was elected mayor of Riverton on Sunday with 61 percent."),
    Citation(2, "a.txt", "Mayor", 61, 140, "She previously worked for twenty years as an emergency nurse."),
    Citation(3, "b.txt", "Volcano", 0, 80, "A volcano on the Reykjanes peninsula in Iceland erupted on Monday night."),
)


def test_unsupported_sentence_is_kept_with_the_closest_sources(embedder: Any) -> None:
    checker = SupportChecker(embedder)
    answer = "A volcano in Iceland erupted on Monday night [3]. Okafor worked as an emergency nurse for twenty years [3]."
    sentences = checker.check(answer, SOURCES)
    assert sentences[0].verdict == "supported" and sentences[1].verdict != "supported"
    vectors = checker.encode_sources(SOURCES)
    claims = checker.encode_claims([strip_markers(s.text) for s in sentences])
    kept = with_alternatives(sentences, SOURCES, vectors, claims)
    assert [s.text for s in kept] == [s.text for s in sentences]  # the model's words stay
    assert kept[1].verdict == sentences[1].verdict and kept[1].citations == (3,)
    assert kept[1].alternatives and kept[1].alternatives[0] == 2 and 3 not in kept[1].alternatives
    assert kept[0].alternatives == ()
