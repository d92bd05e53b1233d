"""Support verdicts for the sentences of an answer: the claim, not the topic.

For an answer sentence, the question it answers and the source sentences it
cites, ``features.compute`` measures what the sentence adds beyond the question
(its new terms, names, numbers and negations) against the cited sentences,
plus embedding similarities and, when a judge is given, the local LLM's
log-odds that the sources state it.  The head (``head.py``, weights in
``verifier.json`` fitted by ``bench/fit_verifier.py``) turns them into the
probability that the claim is right: that probability is the sentence's
``support``, and ``supported`` / ``partial`` are cut-offs on it chosen on right
vs wrong claims.  A sentence that cites nothing gets the best single source
attached when it clears ``partial`` (its verdict is ``attributed`` only when
that source supports it, else its own partial verdict); a sentence that is not
supported gets ``alternatives``: the sources that come closest to it.

The older score (``combine``: weighted cosine and content-word recall) stays
for ``bench/calibrate_support.py``, which compares against it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np

from ..models import AnswerSentence, Citation
from .claims import new_text
from .features import Features, compute
from .head import LEXICAL, Head, head_for, load_heads
from .head import verdict as head_verdict
from .lexical import Terms, terms
from .markers import parse_markers_in, split_answer, strip_markers


class SentenceEncoder(Protocol):
    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray: ...


@dataclass(frozen=True)
class Thresholds:
    """Verdict cut-offs, and the weights of the older ``combine`` score.

    ``SupportChecker`` applies ``supported`` / ``partial`` to its head's
    probability (by default the head's own cut-offs from ``verifier.json``).
    The defaults here and the weights belong to ``combine``, calibrated by
    ``bench/calibrate_support.py`` on squad gold vs non-gold evidence.
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


def declines(claims: Sequence[str]) -> bool:
    """Whether an answer's claims (markers stripped) say nothing: each one a refusal such as
    "The sources do not say." or empty.  An answer with no claims at all declines too."""
    return all(is_no_claim(c) or not c for c in claims)


def combine(t: Thresholds, cosine: float, recall: float, numbers: int, missing: int) -> float:
    score = t.sim_weight * max(cosine, 0.0) + t.lex_weight * recall
    if numbers:
        score *= 1.0 - t.number_penalty * (missing / numbers)
    return float(score)


class SupportChecker:
    """Scores answer sentences against numbered source sentences with the real embedder.

    ``judge`` (an ``LLMJudge`` on the loaded GGUF) adds the LLM's log-odds when
    ``verifier.json`` holds a head fitted with that model (``judge_name``); else
    the lexical head decides alone and the judge is not called.  ``thresholds``
    overrides the head's verdict cut-offs (on the probability); ``heads`` are the heads
    already read from ``verifier.json`` (read here when not given).
    """

    def __init__(self, embedder: SentenceEncoder, thresholds: Thresholds | None = None, *,
                 judge: Any = None, judge_name: str | None = None, head: Head | None = None,
                 heads: dict[str, Head] | None = None) -> None:
        self.embedder = embedder
        if head is not None:
            heads = {LEXICAL: head}
        elif heads is None:
            heads = load_heads()
        self.head = head or head_for(judge_name if judge is not None else None, heads)
        self.lexical_head = heads[LEXICAL]
        """Ranks single sources (attribution, alternatives) without asking the judge."""
        self.judge_model = judge if self.head.uses_judge else None
        self.thresholds = thresholds or Thresholds(supported=self.head.supported, partial=self.head.partial)
        self._recent: dict[str, np.ndarray] = {}
        """The vectors of the latest encode call, by text: the alternatives for an answer's
        sentences ask for the claims its check has just embedded."""

    # -- scoring ----------------------------------------------------------------------

    def features(self, claim: str, question: str | None, claim_vector: np.ndarray, sources: Sequence[str],
                 source_vectors: np.ndarray, question_vector: np.ndarray | None = None,
                 new_vector: np.ndarray | None = None, source_terms: Sequence[Terms] | None = None) -> Features:
        """The head's features for one claim against a set of cited sentences (judge not yet asked)."""
        return compute(claim, question, claim_vector, sources, source_vectors, question_vector,
                       source_terms, new_vector=new_vector)

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        dim = getattr(self.embedder, "dimension", 0)
        if not texts:
            return np.zeros((0, dim), dtype=np.float32)
        recent = self._recent
        missing = list(dict.fromkeys(t for t in texts if t not in recent))
        fresh = np.asarray(self.embedder.encode(missing), dtype=np.float32) if missing else None
        known = {t: recent[t] for t in texts if t in recent}
        if fresh is not None:
            known.update(zip(missing, fresh, strict=True))
        self._recent = known  # replaced whole, never mutated: a concurrent reader sees one call's vectors
        return np.stack([known[t] for t in texts])

    # -- answers ------------------------------------------------------------------------

    def check(self, answer_text: str, citations: Sequence[Citation],
              citation_vectors: np.ndarray | None = None, *, question: str | None = None) -> list[AnswerSentence]:
        """Split, parse markers, score and give every sentence a verdict.

        ``citation_vectors`` (row i for ``citations[i]``, L2-normalised) saves
        re-embedding the sources when the index already holds their vectors.
        ``question``: what the answer answers; its terms are discounted, so the
        sentence's own claim is what must be found in the sources.
        """
        sentences = split_answer(answer_text)
        if not sentences:
            return []
        if citation_vectors is None or len(citation_vectors) != len(citations):
            citation_vectors = self._encode([c.text for c in citations])
        claims = [strip_markers(s) for s in sentences]
        vectors = self.claim_vectors(claims, question)
        return [
            self._judge(sentence, claim, vector, citations, citation_vectors, question, extra)
            for sentence, claim, vector, extra in zip(sentences, claims, vectors[0], vectors[1], strict=True)
        ]

    def check_sentence(self, sentence: str, citations: Sequence[Citation],
                       citation_vectors: np.ndarray | None = None, *, question: str | None = None) -> AnswerSentence:
        """One sentence (as streamed): the same verdict ``check`` would give it."""
        if citation_vectors is None or len(citation_vectors) != len(citations):
            citation_vectors = self._encode([c.text for c in citations])
        claim = strip_markers(sentence)
        vectors = self.claim_vectors([claim], question)
        return self._judge(sentence, claim, vectors[0][0], citations, citation_vectors, question, vectors[1][0])

    def claim_vectors(self, claims: Sequence[str], question: str | None
                       ) -> tuple[np.ndarray, list[tuple[np.ndarray | None, np.ndarray | None]]]:
        """Claim vectors, and per claim (question vector, new-content vector), in one encode call."""
        news = [new_text(c, question) for c in claims]
        texts = [*claims, *news] + ([question] if question else [])
        encoded = self._encode(texts)
        n = len(claims)
        q_vector = encoded[-1] if question else None
        return encoded[:n], [(q_vector, encoded[n + i]) for i in range(n)]

    def _judge(self, sentence: str, claim: str, vector: np.ndarray, citations: Sequence[Citation],
               citation_vectors: np.ndarray, question: str | None,
               extra: tuple[np.ndarray | None, np.ndarray | None] = (None, None)) -> AnswerSentence:
        text, valid, invalid = parse_markers_in(sentence, {c.n for c in citations})
        return self.judge(text, claim, vector, valid, invalid, citations, citation_vectors, question=question,
                          question_vector=extra[0], new_vector=extra[1])

    def judge(self, text: str, claim: str, vector: np.ndarray, cited: tuple[int, ...], invalid: tuple[int, ...],
              citations: Sequence[Citation], citation_vectors: np.ndarray,
              attributed: bool = False, *, question: str | None = None,
              question_vector: np.ndarray | None = None, new_vector: np.ndarray | None = None) -> AnswerSentence:
        """The verdict for one sentence whose cited numbers are already known.

        ``cited`` numbers must name entries of ``citations``; with none, the best
        single source is attached when it clears the partial threshold, and called
        attributed only when it supports the sentence.
        ``attributed`` keeps the "attributed" verdict for a citation the program
        added earlier (re-checks of saved answers).
        """
        by_number = {c.n: i for i, c in enumerate(citations)}
        texts = [c.text for c in citations]
        source_terms = [terms(t) for t in texts]
        if question and (question_vector is None or new_vector is None):
            question_vector, new_vector = self._encode([question, new_text(claim, question)])
        # each source alone, by the lexical head: the ranking for attribution and alternatives
        single = [self.lexical_head.probability(self.features(
            claim, question, vector, texts[r:r + 1], citation_vectors[r:r + 1], question_vector, new_vector,
            source_terms[r:r + 1])) for r in range(len(citations))]
        rows = [by_number[n] for n in cited]
        if not rows:
            best = int(np.argmax(single)) if single else -1
            if best < 0 or single[best] < self.thresholds.partial or is_no_claim(claim):
                return AnswerSentence(text=text, citations=(), verdict="unsupported",
                                      support=single[best] if best >= 0 else 0.0, invalid_citations=invalid,
                                      alternatives=self._alternatives(single, (), citations))
            rows, attributed = [best], True
        probability, features = self._probability(claim, question, vector, [texts[r] for r in rows],
                                                  citation_vectors[rows], question_vector, new_vector,
                                                  [source_terms[r] for r in rows])
        verdict = head_verdict(probability, self.thresholds.supported, self.thresholds.partial, features)
        if attributed and verdict == "supported":
            # only a source that supports the sentence reads as "attributed"; a weaker one stays
            # attached under the sentence's own verdict, so it never looks checked when it is not
            verdict = "attributed"
        chosen = tuple(citations[r].n for r in rows)
        alternatives = () if verdict in ("supported", "attributed") else self._alternatives(single, rows, citations)
        return AnswerSentence(text=text, citations=chosen if cited or attributed else (),
                              verdict=verdict,  # type: ignore[arg-type]
                              support=probability, invalid_citations=invalid, alternatives=alternatives)

    def _probability(self, claim: str, question: str | None, vector: np.ndarray, sources: list[str],
                     source_vectors: np.ndarray, question_vector: np.ndarray | None, new_vector: np.ndarray | None,
                     source_terms: list[Terms]) -> tuple[float, Features]:
        features = self.features(claim, question, vector, sources, source_vectors, question_vector, new_vector,
                                 source_terms)
        if self.judge_model is not None and sources:
            features = replace(features, judge=self.judge_model.log_odds(claim, sources, question))
        return self.head.probability(features), features

    def _alternatives(self, single: list[float], rows: Sequence[int], citations: Sequence[Citation],
                      k: int = 2) -> tuple[int, ...]:
        """Up to ``k`` other sources, closest first, that clear ``partial`` on their own and come
        closer to the sentence than every source it cites (offering a weaker one says nothing)."""
        cited = max((single[r] for r in rows), default=-1.0)
        order = sorted((r for r in range(len(single)) if r not in rows), key=lambda r: -single[r])
        return tuple(citations[r].n for r in order[:k] if single[r] >= self.thresholds.partial and single[r] > cited)

    def encode_claims(self, claims: Sequence[str]) -> np.ndarray:
        """Vectors of answer sentences (markers already stripped)."""
        return self._encode(claims)

    def encode_sources(self, citations: Sequence[Citation]) -> np.ndarray:
        """Vectors of the numbered source sentences."""
        return self._encode([c.text for c in citations])


def checker_for(embedder: SentenceEncoder, *llms: Any) -> SupportChecker:
    """The checker for an engine: the first of ``llms`` (``LocalLLM``s, or None) for which
    ``verifier.json`` holds a head is its judge; with none, the lexical head alone."""
    heads = load_heads()
    llm = next((m for m in llms if m is not None and m.name in heads), None)
    if llm is None:
        return SupportChecker(embedder, heads=heads)
    from .judge import LLMJudge

    return SupportChecker(embedder, judge=LLMJudge(llm.llama, llm.lock), judge_name=llm.name, heads=heads)
