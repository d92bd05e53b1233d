"""Citation markers in the transcript: clickable links, and markers for citations the program attached."""

from __future__ import annotations

from qa_assistant.models import Answer, AnswerSentence
from qa_assistant.tui.widgets.exchange import answer_with_markers, link_markers


def test_markers_become_links_to_their_sources() -> None:
    assert link_markers("Cost rose [1]. Both agree [2, 3]. Bad [9].", 3) == (
        "Cost rose [\\[1\\]](cite:1). Both agree [\\[2\\]](cite:2)[\\[3\\]](cite:3). Bad \\[9\\]."
    )


def test_citations_the_model_did_not_write_are_shown_after_their_sentence() -> None:
    answer = Answer(
        question="q", mode="llm", citations=(), passages=(),
        answer="The tram cost 412 million. It opens in 2029 [2].\n\nThe mayor was pleased.",
        sentences=(
            AnswerSentence("The tram cost 412 million.", (1,), "attributed", 0.5),
            AnswerSentence("It opens in 2029 [2].", (2, 3), "supported", 0.9),
            AnswerSentence("The mayor was pleased.", (), "unsupported", 0.1),
        ),
    )
    assert answer_with_markers(answer) == (
        "The tram cost 412 million. [1] It opens in 2029 [2]. [3]\n\nThe mayor was pleased."
    )
