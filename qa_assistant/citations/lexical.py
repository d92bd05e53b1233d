"""Lexical evidence that a source sentence states what an answer sentence says.

Content words are lower-cased, lightly stemmed and stripped of stop words;
names (capitalised words inside a sentence) and numbers count double, and
numbers are also checked on their own: a number in the answer that appears in
none of the cited sentences is a strong sign of an unsupported claim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have having
he her here hers herself him himself his how i if in into is it its itself just me more most my myself no
nor not now of off on once only or other our ours ourselves out over own same she should so some such than
that the their theirs them themselves then there these they this those through to too under until up very
was we were what when where which while who whom why will with would you your yours yourself yourselves
according said says say told per via among within without upon yet still however although though whose
many much one ones s t
""".split())

NUMBER_WORDS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13",
    "fourteen": "14", "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18",
    "nineteen": "19", "twenty": "20", "thirty": "30", "forty": "40", "fifty": "50", "sixty": "60",
    "seventy": "70", "eighty": "80", "ninety": "90", "hundred": "100", "thousand": "1000",
    "million": "1000000", "billion": "1000000000", "first": "1", "second": "2", "third": "3",
}
_IRREGULAR = {
    "rose": "rise", "risen": "rise", "began": "begin", "begun": "begin", "fell": "fall", "fallen": "fall",
    "won": "win", "went": "go", "gone": "go", "took": "take", "taken": "take", "made": "make", "led": "lead",
    "held": "hold", "grew": "grow", "grown": "grow", "paid": "pay", "sold": "sell", "built": "build",
    "bought": "buy", "died": "die", "dies": "die", "dying": "die", "lost": "lose", "left": "leave",
    "brought": "bring", "thought": "think", "found": "find", "gave": "give", "given": "give", "came": "come",
    "became": "become", "spent": "spend", "sent": "send", "kept": "keep", "met": "meet", "ran": "run",
    "wrote": "write", "written": "write", "chose": "choose", "chosen": "choose", "fought": "fight",
    "struck": "strike", "caught": "catch", "taught": "teach", "shot": "shoot", "hit": "hit", "cut": "cut",
    "men": "man", "women": "woman", "children": "child", "people": "person",
}
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_][\w'’-]*")


def stem(word: str) -> str:
    """A crude, consistent suffix stripper (the same on both sides is all that matters)."""
    word = word.lower().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    word = word.strip("'-")
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    for suffix, keep in (("ies", "y"), ("ied", "y"), ("ing", ""), ("edly", ""), ("ed", ""), ("ly", ""),
                         ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + keep
    return word


def _number(token: str) -> str | None:
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
    for i, match in enumerate(_TOKEN.finditer(text)):
        token = match.group(0)
        number = _number(token)
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
