"""Scoring the sentences of the retrieved passages against the question.

A sentence's score mixes: its vector's cosine to the question, the IDF-weighted
share of question terms it contains (alone, and with the sentence before it, since
the subject is often named there), its passage's fused rank, and whether it holds
the kind of thing the question asks for (a number for "how many", a date for "when").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .hybrid import PassageHits, SentenceHit
from .lexical import TermStats, overlap_share

_NUMBER_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fifteen twenty thirty forty "
    "fifty sixty hundred hundreds thousand thousands million millions billion billions dozen dozens half "
    "percent per cent"
)
_MONTHS = "january february march april may june july august september october november december"
_NUMBER = re.compile(r"\d|\b(?:" + "|".join(_NUMBER_WORDS.split()) + r")\b", re.I)
_DATE = re.compile(
    r"\b(?:1\d{3}|20\d{2})s?\b|\b(?:" + "|".join(_MONTHS.split()) + r")\b|\bcentur(?:y|ies)\b|\b\d+(?:st|nd|rd|th)\b"
    r"|\b(?:today|yesterday|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
    re.I,
)
_CAPITALISED = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][a-zA-Z'’-]+")

_QUESTION_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("number", re.compile(r"\bhow (?:many|much|long|old|far|big|large|tall|high|often|fast)\b|\bwhat (?:percentage|"
                          r"percent|proportion|fraction|amount|number)\b|\bnumber of\b", re.I)),
    ("date", re.compile(r"\bwhen\b|\b(?:what|which|in what) (?:year|date|month|day|century|decade|time|period|era)\b",
                        re.I)),
    ("name", re.compile(r"\bwho(?:m|se)?\b|\bwhere\b|\bwhich (?:person|company|country|city|team|group|organi[sz]ation)\b"
                        r"|\bwhat (?:is the name|was the name|country|city|company|team|organi[sz]ation)\b", re.I)),
)


def question_kind(question: str) -> str | None:
    """'number', 'date', 'name' or None: what kind of thing the question asks for."""
    for kind, pattern in _QUESTION_KINDS:
        if pattern.search(question):
            return kind
    return None


def has_kind(text: str, kind: str | None, question: str = "") -> bool:
    """Whether a sentence holds something of that kind (a name not already in the question)."""
    if kind == "number":
        return bool(_NUMBER.search(text))
    if kind == "date":
        return bool(_DATE.search(text))
    if kind == "name":
        asked = {w.lower() for w in re.findall(r"\w+", question)}
        return any(m.group(0).lower() not in asked for m in _CAPITALISED.finditer(text))
    return False


@dataclass(frozen=True)
class Weights:
    """How much each signal counts in a sentence's score (tuned on ../shared/eval)."""

    cosine: float = 1.0
    lexical: float = 1.0
    with_previous: float = 0.3
    passage_rank: float = 0.15
    kind: float = 0.1


@dataclass(frozen=True)
class ScoredSentence:
    hit: SentenceHit
    score: float
    kind_match: bool


def score_sentences(hits: PassageHits, stats: TermStats, weights: Weights | None = None) -> list[ScoredSentence]:
    """The sentences of the retrieved passages, best first."""
    w = weights or Weights()
    kind = question_kind(hits.question)
    previous: dict[tuple[int, int], SentenceHit] = {
        (h.sentence.article_id, h.sentence.position): h for h in hits.sentences
    }
    scored: list[ScoredSentence] = []
    for h in hits.sentences:
        before = previous.get((h.sentence.article_id, h.sentence.position - 1))
        joint = h.lexical
        if before is not None:
            joint = overlap_share(hits.question_tokens, h.tokens + before.tokens, stats)
        match = has_kind(h.sentence.text, kind, hits.question)
        score = (w.cosine * h.cosine + w.lexical * h.lexical + w.with_previous * joint
                 + w.passage_rank / (1 + h.passage_rank) + (w.kind if match else 0.0))
        scored.append(ScoredSentence(h, score, match))
    scored.sort(key=lambda s: -s.score)
    return scored


COSINE_FLOOR = 0.25
"""Below this best sentence cosine, and ..."""
LEXICAL_FLOOR = 0.5
"""... below this best IDF-weighted share of question terms, the articles do not cover the question."""


def covers(hits: PassageHits, cosine_floor: float = COSINE_FLOOR, lexical_floor: float = LEXICAL_FLOOR) -> bool:
    """Whether anything retrieved is about the question at all."""
    if not hits.sentences:
        return False
    best_cos = max(h.cosine for h in hits.sentences)
    best_lex = max(h.lexical for h in hits.sentences)
    return best_cos >= cosine_floor or best_lex >= lexical_floor
