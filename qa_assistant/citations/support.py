"""Support scores and verdicts for the sentences of an answer.

For an answer sentence and the source sentences it cites:

    score = sim_weight * cosine + lex_weight * content-word recall
    score *= (1 - number_penalty * share of the answer's numbers no cited source states)

``cosine`` is the best embedding similarity between the answer sentence and
one cited sentence; recall is measured against all cited sentences together.
The verdict is ``supported`` at ``supported`` or above, ``partial`` at
``partial`` or above, else ``unsupported``.  A sentence that cites nothing gets
the best single source attached as ``attributed`` when that source's score
clears ``partial``.  Defaults come from ``bench/calibrate_support.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..models import AnswerSentence, Citation
from .lexical import Terms, lexical_evidence, terms
from .markers import parse_markers_in, split_answer, strip_markers


class SentenceEncoder(Protocol):
    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray: ...


@dataclass(frozen=True)
class Thresholds:
    """Score weights and verdict cut-offs.

    Calibrated by ``bench/calibrate_support.py`` on squad gold evidence with the
    default (onnx-int8) MiniLM: ``supported`` is the score only 5% of non-gold
    pairs reach; ``partial`` maximises TPR - FPR below it.  AUROC gold vs non-gold:
    squad 0.962, multirc 0.917, hotpotqa 0.993 (held out).
    """

    supported: float = 0.575
    partial: float = 0.454
    sim_weight: float = 0.2
    lex_weight: float = 0.8
    number_penalty: float = 0.5

    def verdict(self, score: float) -> str:
        if score >= self.supported:
            return "supported"
        if score >= self.partial:
            return "partial"
        return "unsupported"


_NO_CLAIM = re.compile(
    r"\b(?:sources?|articles?|context|text)\s+(?:do(?:es)?\s+not|don't|doesn't)\s+(?:say|mention|state|contain)"
    r"|\bnot\s+(?:mentioned|stated|given)\b|\bI\s+(?:do\s+not|don't)\s+know\b|\bno\s+information\b",
    re.IGNORECASE,
)


def is_no_claim(text: str) -> bool:
    """A refusal such as "The sources do not say." (never attributed a source)."""
    return bool(_NO_CLAIM.search(text))


@dataclass(frozen=True)
class Scored:
    score: float
    cosine: float
    recall: float
    missing_numbers: int


def combine(t: Thresholds, cosine: float, recall: float, numbers: int, missing: int) -> float:
    score = t.sim_weight * max(cosine, 0.0) + t.lex_weight * recall
    if numbers:
        score *= 1.0 - t.number_penalty * (missing / numbers)
    return float(score)


class SupportChecker:
    """Scores answer sentences against numbered source sentences with the real embedder."""

    def __init__(self, embedder: SentenceEncoder, thresholds: Thresholds | None = None) -> None:
        self.embedder = embedder
        self.thresholds = thresholds or Thresholds()

    # -- scoring ----------------------------------------------------------------------

    def score(self, claim_vector: np.ndarray, claim_terms: Terms,
              source_vectors: np.ndarray, source_terms: list[Terms]) -> Scored:
        """Support of one claim by a set of source sentences taken together."""
        if not source_terms:
            return Scored(0.0, 0.0, 0.0, len(claim_terms.numbers))
        cosine = float(np.max(source_vectors @ claim_vector))
        lex = lexical_evidence(claim_terms, source_terms)
        value = combine(self.thresholds, cosine, lex.recall, lex.numbers, lex.missing_numbers)
        return Scored(value, cosine, lex.recall, lex.missing_numbers)

    def score_texts(self, claim: str, sources: Sequence[str]) -> float:
        """Support of ``claim`` by ``sources`` (convenience for benchmarks and tests)."""
        vectors = self._encode([claim, *sources])
        return self.score(vectors[0], terms(claim), vectors[1:], [terms(s) for s in sources]).score

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        dim = getattr(self.embedder, "dimension", 0)
        if not texts:
            return np.zeros((0, dim), dtype=np.float32)
        return np.asarray(self.embedder.encode(list(texts)), dtype=np.float32)

    # -- answers ------------------------------------------------------------------------

    def check(self, answer_text: str, citations: Sequence[Citation],
              citation_vectors: np.ndarray | None = None) -> list[AnswerSentence]:
        """Split, parse markers, score and give every sentence a verdict.

        ``citation_vectors`` (row i for ``citations[i]``, L2-normalised) saves
        re-embedding the sources when the index already holds their vectors.
        """
        sentences = split_answer(answer_text)
        if not sentences:
            return []
        if citation_vectors is None or len(citation_vectors) != len(citations):
            citation_vectors = self._encode([c.text for c in citations])
        claims = [strip_markers(s) for s in sentences]
        claim_vectors = self._encode(claims)
        return [
            self._judge(sentence, claim, vector, citations, citation_vectors)
            for sentence, claim, vector in zip(sentences, claims, claim_vectors, strict=True)
        ]

    def check_sentence(self, sentence: str, citations: Sequence[Citation],
                       citation_vectors: np.ndarray | None = None) -> AnswerSentence:
        """One sentence (as streamed): the same verdict ``check`` would give it."""
        if citation_vectors is None or len(citation_vectors) != len(citations):
            citation_vectors = self._encode([c.text for c in citations])
        claim = strip_markers(sentence)
        return self._judge(sentence, claim, self._encode([claim])[0], citations, citation_vectors)

    def _judge(self, sentence: str, claim: str, vector: np.ndarray, citations: Sequence[Citation],
               citation_vectors: np.ndarray) -> AnswerSentence:
        text, valid, invalid = parse_markers_in(sentence, {c.n for c in citations})
        return self.judge(text, claim, vector, valid, invalid, citations, citation_vectors)

    def judge(self, text: str, claim: str, vector: np.ndarray, cited: tuple[int, ...], invalid: tuple[int, ...],
              citations: Sequence[Citation], citation_vectors: np.ndarray,
              attributed: bool = False) -> AnswerSentence:
        """The verdict for one sentence whose cited numbers are already known.

        ``cited`` numbers must name entries of ``citations``; with none, the best
        single source is attributed when it clears the partial threshold.
        ``attributed`` keeps the "attributed" verdict for a citation the program
        added earlier (re-checks of saved answers).
        """
        by_number = {c.n: i for i, c in enumerate(citations)}
        claim_terms = terms(claim)
        source_terms = [terms(c.text) for c in citations]
        if cited:
            rows = [by_number[n] for n in cited]
            scored = self.score(vector, claim_terms, citation_vectors[rows], [source_terms[r] for r in rows])
            verdict = self.thresholds.verdict(scored.score)
            if attributed and verdict != "unsupported":
                verdict = "attributed"
            return AnswerSentence(text=text, citations=cited, verdict=verdict,  # type: ignore[arg-type]
                                  support=scored.score, invalid_citations=invalid)
        best, best_row = Scored(0.0, 0.0, 0.0, 0), -1
        for row in range(len(citations)):
            scored = self.score(vector, claim_terms, citation_vectors[row:row + 1], [source_terms[row]])
            if scored.score > best.score:
                best, best_row = scored, row
        if best_row >= 0 and best.score >= self.thresholds.partial and not is_no_claim(claim):
            return AnswerSentence(text=text, citations=(citations[best_row].n,), verdict="attributed",
                                  support=best.score, invalid_citations=invalid)
        return AnswerSentence(text=text, citations=(), verdict="unsupported", support=best.score,
                              invalid_citations=invalid)

    def encode_claims(self, claims: Sequence[str]) -> np.ndarray:
        """Vectors of answer sentences (markers already stripped)."""
        return self._encode(claims)

    def encode_sources(self, citations: Sequence[Citation]) -> np.ndarray:
        """Vectors of the numbered source sentences."""
        return self._encode([c.text for c in citations])
