"""The features the verifier's head reads for one claim and the sentences it cites.

Every feature is computed here and only here, so ``bench/fit_verifier.py`` fits
the head on exactly what the checker computes at run time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import astuple, dataclass, fields

import numpy as np

from .claims import claim_evidence
from .lexical import Terms, lexical_evidence, terms


@dataclass(frozen=True)
class Features:
    """One claim against its cited sentences (all in [0, 1] except ``judge``)."""

    cosine: float
    """Best embedding cosine between the claim and one cited sentence."""
    recall: float
    """Weighted share of all the claim's content terms found in the cited sentences."""
    new_recall: float
    """The same for the terms the claim adds to the question."""
    best_sentence_recall: float
    """The share of the new terms found in the single best cited sentence."""
    restates: float
    """1 when the claim adds no term to the question (nothing new to look for)."""
    missing_names: float
    """Share of the new names no cited sentence states."""
    missing_numbers: float
    """Share of the new numbers no cited sentence states."""
    negation_mismatch: float
    """1 when a negation in the claim or the sources contradicts the other side."""
    cosine_gain: float
    """Claim-to-source cosine minus question-to-source cosine (what the answer adds, in embedding terms)."""
    new_cosine: float
    """Best cosine between the claim's new words alone and one cited sentence."""
    judge: float = 0.0
    """The LLM judge's log-odds "the source states this" (0 when no judge is used)."""

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def vector(self) -> np.ndarray:
        return np.asarray(astuple(self), dtype=np.float64)


def compute(claim: str, question: str | None, claim_vector: np.ndarray, source_texts: Sequence[str],
            source_vectors: np.ndarray, question_vector: np.ndarray | None = None,
            source_terms: Sequence[Terms] | None = None, judge: float = 0.0,
            new_vector: np.ndarray | None = None) -> Features:
    """The features of ``claim`` against the sources it cites (vectors L2-normalised)."""
    if not source_texts:
        return Features(0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, judge)
    src_terms = list(source_terms) if source_terms is not None else [terms(s) for s in source_texts]
    cosines = source_vectors @ claim_vector
    best = int(np.argmax(cosines))
    cosine = float(cosines[best])
    gain = 0.0
    if question_vector is not None:
        gain = cosine - float(source_vectors[best] @ question_vector)
    lex = lexical_evidence(terms(claim), src_terms)
    ev = claim_evidence(claim, question, source_texts, src_terms)
    return Features(
        cosine=cosine,
        recall=lex.recall,
        new_recall=ev.new_recall,
        best_sentence_recall=ev.best_sentence_recall,
        restates=float(ev.new_weight == 0),
        missing_names=ev.missing_names / ev.names if ev.names else 0.0,
        missing_numbers=ev.missing_numbers / ev.numbers if ev.numbers else 0.0,
        negation_mismatch=float(ev.negation_mismatch),
        cosine_gain=gain,
        new_cosine=float(np.max(source_vectors @ new_vector)) if new_vector is not None else cosine,
        judge=judge,
    )
