"""Noticing a small model going round in circles while it writes.

Greedy decoding with the copy bias makes SmolLM2 repeat itself: "Ted Heath's
successor, Ted Heath's successor, …" until ``max_tokens``, or count citation
markers "[4] [5] [6] …" past the sources it was given.  On squad questions 1–40,
18 of 40 answers repeated a run of five words.  Generation stops where the
repetition begins; what came before is the answer.
"""

from __future__ import annotations

import re

LOOP_WORDS = 5
"""A run of this many words written a second time is a loop (4 cut right answers short)."""

_WORD = re.compile(r"\S+")
_MARKER = re.compile(r"\[(\d+)(?:\s*[-–,]\s*(\d+))*\]")
_EDGE = ".,;:!?\"'“”‘’()"


def _key(word: str) -> str:
    return word.strip(_EDGE).lower()


def loop_start(text: str, sources: int, words: int = LOOP_WORDS) -> int | None:
    """Where ``text`` starts going round in circles, as a character offset, else None.

    Either the first place a run of ``words`` words (case and edge punctuation
    aside) appears a second time, or the first citation marker naming a source
    beyond ``sources``.
    """
    for marker in _MARKER.finditer(text):
        if any(int(n) > sources for n in re.findall(r"\d+", marker.group(0))):
            return marker.start()
    spans = [(m.start(), _key(m.group(0))) for m in _WORD.finditer(text)]
    seen: set[tuple[str, ...]] = set()
    for i in range(len(spans) - words + 1):
        run = tuple(key for _, key in spans[i:i + words])
        if run in seen:
            return spans[i][0]
        seen.add(run)
    return None


def before_loop(text: str, cut: int) -> str:
    """The text before a loop, without the dangling comma or conjunction it leaves."""
    head = text[:cut].rstrip()
    return re.sub(r"(?:[,;:–-]|\b(?:and|or|but))\s*$", "", head, flags=re.I).rstrip()


_FINISHED = re.compile(r"[.!?][\"'”’)]*(?:\s*\[[^\]]*\])*$")


def finished(sentences: list[str]) -> list[str]:
    """The sentences without a last one the loop broke off, unless it is the only one."""
    if len(sentences) > 1 and not _FINISHED.search(sentences[-1]):
        return sentences[:-1]
    return sentences
