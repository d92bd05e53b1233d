"""Scoring the sentences of the retrieved passages against the question.

A sentence's score mixes: its vector's cosine to the question, the IDF-weighted
share of question terms it contains (alone, and with the sentence before it, since
the subject is often named there), its passage's fused rank, and whether it holds
the kind of thing the question asks for (a number for "how many", a date for "when"),
and for "how many X", a number of X ("19 stops").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..ingest.instructions import addresses_model
from .hybrid import PassageHits, SentenceHit
from .lexical import TermStats, overlap_share
from .terms import STOPWORDS, stem

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


_COUNTED = re.compile(r"\bhow (?:many|much)\s+(?:of\s+(?:the|these|those|its|their)\s+)?([A-Za-z][\w-]*)", re.I)
_WORDS = re.compile(r"[\w$%.,'’-]*\w")


def counted_thing(question: str) -> str | None:
    """The stem of what a "how many" question counts ("How many stops will ..." -> "stop"), if it names it."""
    found = _COUNTED.search(question)
    if found is None or found.group(1).lower() in STOPWORDS:
        return None
    return stem(found.group(1))


def counts_it(text: str, thing: str | None, reach: int = 3) -> bool:
    """Whether the sentence gives a number of that thing: a number with the thing's word at most
    ``reach`` words after it ("19 stops", "4,812 volunteers", "six new stations")."""
    if thing is None:
        return False
    words = _WORDS.findall(text)
    for i, word in enumerate(words):
        if _NUMBER.match(word) and any(stem(w) == thing for w in words[i + 1:i + 1 + reach]):
            return True
    return False


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


_SENTENCE_END = re.compile(r"[.!?…:;)\]\"'”’]$")


def is_heading(text: str, title: str) -> bool:
    """A title or heading line: it names a topic but states nothing, so it answers nothing."""
    stripped = text.strip()
    return stripped == title.strip() or (not _SENTENCE_END.search(stripped) and len(stripped.split()) <= 12)


def _bigrams(tokens: tuple[str, ...]) -> set[tuple[str, str]]:
    return set(zip(tokens, tokens[1:], strict=False))


@dataclass(frozen=True)
class Weights:
    """How much each signal counts in a sentence's score.

    Fitted (listwise, then coordinate search on top-1 accuracy) over the three
    sets in ../shared/eval together, so no single set decides them.
    """

    cosine: float = 2.5
    lexical: float = 2.7
    with_previous: float = 4.0
    passage_rank: float = 1.0
    kind: float = 0.8
    bigrams: float = 1.5
    previous_cosine: float = 0.4
    next_cosine: float = 0.35
    next_lexical: float = 0.3
    heading: float = -1.4
    counted: float = 1.2
    """A "how many X" question's number of X stated in the sentence (``counts_it``; set with
    ``bench/rank_sentences.py`` on the dev halves, the other weights kept as fitted)."""


@dataclass(frozen=True)
class ScoredSentence:
    hit: SentenceHit
    score: float
    kind_match: bool


def score_sentences(hits: PassageHits, stats: TermStats, weights: Weights | None = None) -> list[ScoredSentence]:
    """The sentences of the retrieved passages, best first; sentences that address a model are left out."""
    w = weights or Weights()
    kind = question_kind(hits.question)
    titles = {p.passage.article_id: p.article_title for p in hits.passages}
    at: dict[tuple[int, int], SentenceHit] = {(h.sentence.article_id, h.sentence.position): h for h in hits.sentences}
    question_bigrams = _bigrams(hits.question_tokens)
    thing = counted_thing(hits.question) if kind == "number" else None
    scored: list[ScoredSentence] = []
    for h in hits.sentences:
        if addresses_model(h.sentence.text):
            continue  # instructions inside an article stay data: never a candidate answer or support
        before = at.get((h.sentence.article_id, h.sentence.position - 1))
        after = at.get((h.sentence.article_id, h.sentence.position + 1))
        joint = h.lexical
        if before is not None:
            joint = overlap_share(hits.question_tokens, h.tokens + before.tokens, stats)
        shared = len(question_bigrams & _bigrams(h.tokens)) / len(question_bigrams) if question_bigrams else 0.0
        match = has_kind(h.sentence.text, kind, hits.question)
        score = (w.cosine * h.cosine + w.lexical * h.lexical + w.with_previous * joint
                 + w.passage_rank / (1 + h.passage_rank) + (w.kind if match else 0.0) + w.bigrams * shared
                 + w.previous_cosine * (before.cosine if before else 0.0)
                 + w.next_cosine * (after.cosine if after else 0.0)
                 + w.next_lexical * (after.lexical if after else 0.0)
                 + (w.heading if is_heading(h.sentence.text, titles.get(h.sentence.article_id, "")) else 0.0)
                 + (w.counted if thing is not None and counts_it(h.sentence.text, thing) else 0.0))
        scored.append(ScoredSentence(h, score, match))
    scored.sort(key=lambda s: -s.score)
    return scored


SURE_COSINE = 0.4
"""A best sentence cosine at or above this means the articles speak of the question."""
COSINE_FLOOR = 0.3
LEXICAL_FLOOR = 0.3
"""Between COSINE_FLOOR and SURE_COSINE, the best sentence must also hold this IDF-weighted share
of the question's terms.  Calibrated on ../shared/eval: 99.4% of the sets' own questions pass,
about 60% of the other sets' questions (and of off-topic ones) do not."""


def covers(hits: PassageHits) -> bool:
    """Whether anything retrieved is about the question at all."""
    if not hits.sentences:
        return False
    best_cos = max(h.cosine for h in hits.sentences)
    best_lex = max(h.lexical for h in hits.sentences)
    return best_cos >= SURE_COSINE or (best_cos >= COSINE_FLOOR and best_lex >= LEXICAL_FLOOR)
