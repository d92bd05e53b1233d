"""Extractive answers: the best source sentences themselves, each citing itself.

Faithful by construction; the only decision is how many sentences to cite.
Usually one: a second only when its score is close to the first's (two halves
of an answer, or a tie the scores cannot break).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..models import AnswerSentence
from ..retrieval import Context, ScoredSentence

SECOND_MARGIN = 0.15
"""A runner-up is cited too when its score is within this much of the best's."""


def choose(ranked: Sequence[ScoredSentence], most: int = 2, margin: float = SECOND_MARGIN) -> list[ScoredSentence]:
    """The sentences to answer with, best first."""
    if not ranked:
        return []
    best = ranked[0].score
    return [ranked[0]] + [item for item in ranked[1:most] if best - item.score <= margin]


def extractive_answer(chosen: Sequence[ScoredSentence], context: Context) -> tuple[str, list[AnswerSentence]]:
    """Answer text ("sentence [n]" ...) and its sentences, in document order when from one article."""
    numbered = [(context.by_sentence[c.hit.sentence.id], c) for c in chosen if c.hit.sentence.id in context.by_sentence]
    numbered.sort(key=lambda nc: nc[0])
    sentences = [AnswerSentence(text=f"{c.hit.sentence.text} [{n}]", citations=(n,), verdict="supported", support=1.0)
                 for n, c in numbered]
    return " ".join(s.text for s in sentences), sentences
