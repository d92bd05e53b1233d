"""Source sentences offered beside an answer sentence the sources do not support.

The model's sentence stays as it was written, marked by its verdict; beside it the
reader gets the numbered sources that come closest to what it claims: ranked by
the cosine of their vectors to the sentence's plus the share of its content words
they hold (the two halves of the support score, each source taken alone).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from ..citations import lexical_evidence, strip_markers, terms
from ..models import AnswerSentence, Citation

NEEDS_ALTERNATIVES = ("unsupported", "partial")
MOST = 2
"""At most this many alternatives a sentence."""
MARGIN = 0.15
"""A second alternative is offered only when it scores within this much of the first."""


def closest_sources(claim: str, vector: np.ndarray, citations: Sequence[Citation], vectors: np.ndarray,
                    exclude: Sequence[int] = ()) -> tuple[int, ...]:
    """Numbers of the sources closest to ``claim`` (best first), without those in ``exclude``."""
    claim_terms = terms(claim)
    scored = []
    for row, c in enumerate(citations):
        if c.n in exclude:
            continue
        cosine = float(vectors[row] @ vector)
        recall = lexical_evidence(claim_terms, [terms(c.text)]).recall
        scored.append((cosine + recall, c.n))
    scored.sort(key=lambda sn: -sn[0])
    if not scored:
        return ()
    best = scored[0][0]
    return tuple(n for score, n in scored[:MOST] if best - score <= MARGIN)


def with_alternatives(sentences: Sequence[AnswerSentence], citations: Sequence[Citation],
                      citation_vectors: np.ndarray, claim_vectors: np.ndarray) -> list[AnswerSentence]:
    """The sentences, each one not supported given ``alternatives`` (numbers into ``citations``).

    ``claim_vectors`` row i is the vector of ``sentences[i]`` without its markers.
    """
    out = []
    for sentence, vector in zip(sentences, claim_vectors, strict=True):
        if sentence.verdict in NEEDS_ALTERNATIVES and citations:
            found = closest_sources(strip_markers(sentence.text), vector, citations, citation_vectors,
                                    exclude=sentence.citations)
            sentence = replace(sentence, alternatives=found)
        out.append(sentence)
    return out
