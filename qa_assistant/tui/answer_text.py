"""An answer as the transcript shows it: Markdown with clickable citation markers and verdicts.

Markers are found with the engine's own pattern (``qa_assistant.citations.markers``):
``[2]``, ``[1, 3]``, ``[1-3]``, ``[Source 1]``.  That package loads numpy, so it is
imported when the first answer is shown, not at start-up.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..models import Answer, AnswerSentence

VERDICT_MARKS = {"supported": "✓", "partial": "~", "unsupported": "✗", "attributed": "→"}
"""The marks of ``qa-assistant ask`` (supported, partial, unsupported, attributed)."""
REFUSED = "The articles don't say."
MARKER_HOLD = 40
"""A ``[`` this close to the end of a streaming answer may still become a marker: held back."""


def _numbers(group: str) -> list[int]:
    from ..citations.markers import marker_numbers

    return marker_numbers(group)


def link_markers(text: str, n_sources: int) -> str:
    """Turn citation markers into Markdown links ``cite:N`` (clickable), one per number.

    Numbers that name no source (outside 1..``n_sources``) stay plain, escaped text.
    """
    from ..citations.markers import MARKER

    def one(match: re.Match[str]) -> str:
        numbers = _numbers(match.group(1))
        return "".join(f"[\\[{n}\\]](cite:{n})" if 1 <= n <= n_sources else f"\\[{n}\\]" for n in numbers)

    return MARKER.sub(one, text)


def written_numbers(text: str) -> set[int]:
    """The source numbers of the markers written in ``text``."""
    from ..citations.markers import MARKER

    return {n for match in MARKER.finditer(text) for n in _numbers(match.group(1))}


def shown_length(text: str, start: int = 0) -> int:
    """How much of a streaming ``text`` can be rendered now: all of it but a trailing ``[``
    that may still turn into a marker (so a marker is never rendered half-written)."""
    bracket = text.rfind("[", start)
    if bracket >= 0 and "]" not in text[bracket:] and len(text) - bracket <= MARKER_HOLD:
        return bracket
    return len(text)


def _locate(text: str, sentence: AnswerSentence, cursor: int) -> int:
    """Where ``sentence`` ends in the answer ``text`` (searching from ``cursor``; -1: not found)."""
    found = text.find(sentence.text, cursor)
    if found >= 0:
        return found + len(sentence.text)
    from ..citations.markers import strip_markers

    bare = strip_markers(sentence.text)  # the check dropped markers that named no source
    found = text.find(bare, cursor) if bare else -1
    return found + len(bare) if found >= 0 else -1


def verdict_mark(sentence: AnswerSentence) -> str:
    """The inline mark after an answer sentence; a badge where the sources do not bear it out."""
    mark = VERDICT_MARKS.get(sentence.verdict, "?")
    if sentence.verdict in ("partial", "unsupported"):
        return f"`{mark} {sentence.verdict}`"
    return mark


def _annotated(answer: Answer) -> str:
    """The answer text, each sentence followed by the markers the program attached and its mark."""
    text, n, out, cursor = answer.answer, len(answer.citations), [], 0
    for sentence in answer.sentences:
        end = _locate(text, sentence, cursor)
        if end < 0:
            continue
        written = written_numbers(text[cursor:end])
        attached = " ".join(f"[{c}]" for c in sentence.citations if c not in written)
        out.append(link_markers(text[cursor:end] + (" " + attached if attached else ""), n))
        if not answer.refused:
            out.append(" " + verdict_mark(sentence))
        cursor = end
    out.append(link_markers(text[cursor:], n))
    return "".join(out).strip()


def _links(numbers: tuple[int, ...] | list[int]) -> str:
    return " ".join(f"[\\[{n}\\]](cite:{n})" for n in numbers)


def _alternatives(answer: Answer) -> list[str]:
    """A line for each partial or unsupported sentence that has closer source sentences to offer."""
    valid = {c.n for c in answer.citations}
    lines = []
    for i, sentence in enumerate(answer.sentences, 1):
        offered = [n for n in sentence.alternatives if n in valid]
        if sentence.verdict not in ("partial", "unsupported") or not offered:
            continue
        what = "only partly supported by" if sentence.verdict == "partial" else "not supported by"
        lines.append(f"> {VERDICT_MARKS[sentence.verdict]} Sentence {i} is {what} the sources it cites. "
                     f"Closest source sentences: {_links(offered)}")
    return lines


def transcript_markdown(answer: Answer) -> str:
    """The finished answer: markers clickable, each sentence's verdict shown, unsupported ones
    with the closest source sentences beside them; a refusal says so and lists what was found."""
    blocks = []
    if answer.refused:
        blocks.append(f"**✗ {REFUSED}**")
    body = _annotated(answer)
    blocks.append(body or ("" if answer.refused else "_(no answer)_"))
    if answer.refused and answer.citations:
        blocks.append("> Closest sentences found (they do not answer the question): "
                      + _links([c.n for c in answer.citations]))
    else:
        blocks.extend(_alternatives(answer))
    n = answer.close_call
    if n is not None and any(c.n == n for c in answer.citations):
        from ..answering.close_call import close_call_line

        blocks.append("> " + close_call_line(n).replace(f"[{n}]", _links([n])))
    if answer.notice:
        blocks.append(f"> {answer.notice}")
    return "\n\n".join(b for b in blocks if b)
