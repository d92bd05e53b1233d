"""The answer as the transcript shows it: clickable markers, verdicts, alternatives, refusals."""

from __future__ import annotations

from qa_assistant.models import Answer, AnswerSentence, Citation
from qa_assistant.tui.answer_text import link_markers, shown_length, transcript_markdown


def link(n: int) -> str:
    return f"[\\[{n}\\]](cite:{n})"


def sources(count: int) -> tuple[Citation, ...]:
    return tuple(Citation(n, "a.txt", "A", 0, 1, "x") for n in range(1, count + 1))


def test_every_marker_form_the_engine_reads_becomes_links_to_its_sources() -> None:
    assert link_markers("Cost rose [1]. Both agree [2, 3]. All [1-3]. Src [Source 2]. Bad [9].", 3) == (
        f"Cost rose {link(1)}. Both agree {link(2)}{link(3)}. All {link(1)}{link(2)}{link(3)}. "
        f"Src {link(2)}. Bad \\[9\\]."
    )


def test_a_half_written_marker_is_held_back_while_streaming() -> None:
    assert shown_length("It cost 42 million [") == len("It cost 42 million ")
    assert shown_length("It cost 42 million [1, ") == len("It cost 42 million ")
    assert shown_length("It cost 42 million [1]") == len("It cost 42 million [1]")
    long_bracket = "A note [" + "x" * 60
    assert shown_length(long_bracket) == len(long_bracket)  # no marker is that long


def test_each_sentence_shows_its_verdict_and_the_citations_the_program_attached() -> None:
    answer = Answer(
        question="q", mode="llm", citations=sources(3), passages=(),
        answer="The tram cost 412 million. It opens in 2029 [2].\n\nThe mayor was pleased [1].",
        sentences=(
            AnswerSentence("The tram cost 412 million.", (1,), "attributed", 0.5),
            AnswerSentence("It opens in 2029 [2].", (2, 3), "supported", 0.9),
            AnswerSentence("The mayor was pleased [1].", (1,), "partial", 0.4),
        ),
    )
    assert transcript_markdown(answer) == (
        f"The tram cost 412 million. {link(1)} → It opens in 2029 {link(2)}. {link(3)} ✓\n\n"
        f"The mayor was pleased {link(1)}. `~ partial`"
    )  # no closer source to offer: the mark alone


def test_an_unsupported_sentence_stays_marked_with_the_closest_sources_beside_it() -> None:
    answer = Answer(
        question="Who was killed?", mode="llm", citations=sources(4), passages=(),
        answer="The strike killed a senior Syrian official [2]. It happened at the airport [1].",
        sentences=(
            AnswerSentence("The strike killed a senior Syrian official [2].", (2,), "unsupported", 0.2,
                           alternatives=(3, 4)),
            AnswerSentence("It happened at the airport [1].", (1,), "supported", 0.9),
        ),
    )
    shown = transcript_markdown(answer)
    assert shown.startswith(f"The strike killed a senior Syrian official {link(2)}. `✗ unsupported` "
                            f"It happened at the airport {link(1)}. ✓")
    assert shown.endswith("> ✗ Sentence 1 is not supported by the sources it cites. "
                          f"Closest source sentences: {link(3)} {link(4)}")


def test_a_refusal_says_the_articles_dont_say_and_lists_what_was_found_as_such() -> None:
    answer = Answer(
        question="What is the capital of Mars?", mode="llm", citations=sources(2), passages=(), refused=True,
        answer="The articles do not say.",
        sentences=(AnswerSentence("The articles do not say.", (), "unsupported", 0.0),),
    )
    shown = transcript_markdown(answer)
    assert shown.startswith("**✗ The articles don't say.**")
    assert "✗ unsupported" not in shown and "✓" not in shown
    assert shown.endswith(f"> Closest sentences found (they do not answer the question): {link(1)} {link(2)}")


def test_a_close_call_links_the_runner_up_under_the_answer() -> None:
    answer = Answer(question="q", mode="extractive", citations=sources(2), passages=(),
                    answer="Tom Berg praised it [1].",
                    sentences=(AnswerSentence("Tom Berg praised it [1].", (1,), "supported", 1.0),),
                    close_call=2)
    text = transcript_markdown(answer)
    assert f"> Close call: source {link(2)} scored almost as high" in text
    assert "close call" not in transcript_markdown(Answer(
        question="q", mode="extractive", citations=sources(1), passages=(), answer=answer.answer,
        sentences=answer.sentences)).lower()
