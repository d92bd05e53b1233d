"""Lexical evidence that a source sentence states what an answer sentence says.

Content words are lower-cased, lightly stemmed and stripped of stop words;
names (capitalised words inside a sentence) and numbers count double, and
numbers are also checked on their own: a number in the answer that appears in
none of the cited sentences is a strong sign of an unsupported claim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..retrieval.terms import NUMBER_WORDS, STOPWORDS, stem

TOKEN = re.compile(r"(?:[^\W\d_]\.){2,}|\d+(?:[.,]\d+)*|[^\W\d_][\w'’-]*")
"""A dotted abbreviation ("U.S.", one token: its letters alone would be dropped as too short),
a number, or a word."""


def number_key(token: str) -> str | None:
    """The number a token states, as digits without separators ("1,200" and "twelve" alike), else None."""
    if token[0].isdigit():
        value = token.replace(",", "")
        return value[:-2] if value.endswith(".0") else value
    return NUMBER_WORDS.get(token.lower())


@dataclass(frozen=True)
class Terms:
    """The content terms of one text: stems with weights, and the numbers it states."""

    weights: dict[str, float]
    numbers: frozenset[str]


def terms(text: str) -> Terms:
    weights: dict[str, float] = {}
    numbers: set[str] = set()
    for i, match in enumerate(TOKEN.finditer(text)):
        token = match.group(0)
        number = number_key(token)
        if number is not None and token.lower() not in {"one", "first", "second"}:
            numbers.add(number)
        if token.lower() in STOPWORDS:
            continue
        if number is not None:
            key, weight = number, 2.0
        else:
            key = stem(token)
            if len(key) < 2:
                continue
            weight = 2.0 if (i > 0 and token[0].isupper()) else 1.0
        weights[key] = max(weights.get(key, 0.0), weight)
    return Terms(weights=weights, numbers=frozenset(numbers))


@dataclass(frozen=True)
class LexicalEvidence:
    recall: float
    """Weighted share of the answer's content terms found in the sources (1.0 when it has none)."""
    numbers: int
    """Numbers the answer states."""
    missing_numbers: int
    """Of those, how many no source states."""


def lexical_evidence(answer: Terms, sources: list[Terms]) -> LexicalEvidence:
    """How much of the answer sentence's wording the sources hold."""
    known: set[str] = set()
    known_numbers: set[str] = set()
    for source in sources:
        known.update(source.weights)
        known_numbers.update(source.numbers)
    total = sum(answer.weights.values())
    if total == 0:
        recall = 1.0
    else:
        recall = sum(w for key, w in answer.weights.items() if key in known or key in known_numbers) / total
    missing = sum(1 for n in answer.numbers if n not in known_numbers)
    return LexicalEvidence(recall=recall, numbers=len(answer.numbers), missing_numbers=missing)
