"""What an answer sentence claims beyond its question, and whether the sources hold it.

An answer repeats the question's words ("The U.S. airstrike at Baghdad airport
killed ...") and then adds its claim ("... a senior Syrian government
official").  Support must rest on the added part: these features measure the
claim's *new* terms (those not in the question) against the cited sentences,
with names, numbers and negation checked on their own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .lexical import Terms, terms

NEGATIONS = frozenset("not no never none nothing nobody neither nor without cannot n't".split())
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_SPAN_WORD = re.compile(r"[^\W_][\w'’.-]*")


def negated_stems(text: str, window: int = 3) -> tuple[bool, frozenset[str]]:
    """Whether ``text`` holds a negation, and the stems of the words a negation governs.

    A word is governed when a negation stands at most ``window`` words before it
    ("not vindictive", "never returned", "didn't win").
    """
    from .lexical import stem

    words = [w.lower() for w in _WORD.findall(text.replace("’", "'"))]
    governed: set[str] = set()
    negated = False
    last = -window - 1
    for i, word in enumerate(words):
        if word in NEGATIONS or word.endswith("n't"):
            negated, last = True, i
            continue
        if i - last <= window:
            governed.add(stem(word))
    return negated, frozenset(governed)


@dataclass(frozen=True)
class ClaimEvidence:
    """Question-aware lexical evidence for one claim against the sentences it cites."""

    new_weight: float
    """Weight of the claim's terms that are not in the question (0: it only restates it)."""
    new_recall: float
    """Weighted share of those new terms found in the cited sentences (1.0 when there are none)."""
    best_sentence_recall: float
    """The same share found in one single cited sentence (the best one)."""
    names: int
    """New names (capitalised words, not sentence-initial) the claim states."""
    missing_names: int
    """Of those, how many no cited sentence states."""
    numbers: int
    """New numbers the claim states."""
    missing_numbers: int
    """Of those, how many no cited sentence states."""
    negation_mismatch: bool
    """The claim negates a term the sources state plainly, or the sources negate one the claim states."""


def new_text(claim: str, question: str | None) -> str:
    """The words of ``claim`` that the question does not already hold, in order (its new content)."""
    from .lexical import STOPWORDS, stem

    if not question:
        return claim
    def plain(word: str) -> str:
        return word.lower().rstrip(".")

    asked = set(terms(question).weights) | {plain(w) for w in _SPAN_WORD.findall(question)}
    words = [w for w in _SPAN_WORD.findall(claim)
             if plain(w) not in asked and stem(plain(w)) not in asked and plain(w) not in STOPWORDS]
    return " ".join(words) or claim


def _names(text: str) -> set[str]:
    """Capitalised words after the first, stemmed, tokenised as ``terms`` does ("U.S." is one
    word; "Million" in a headline is a number, as ``terms`` counts it, not a name)."""
    from .lexical import STOPWORDS, TOKEN, number_key, stem

    found: set[str] = set()
    for i, match in enumerate(m for m in TOKEN.finditer(text) if not m.group(0)[0].isdigit()):
        word = match.group(0)
        if i > 0 and word[0].isupper() and word.lower() not in STOPWORDS and number_key(word) is None:
            found.add(stem(word))
    return found


def same_family(key: str, known: set[str]) -> bool:
    """``key`` or a word of the same family (Iranian / Iran, governmental / government) is known."""
    if key in known:
        return True
    if len(key) < 6 or key.isdigit():
        return False
    root = key[: max(4, len(key) - 3)]
    return any(k.startswith(root) and len(k) >= len(root) for k in known)


def claim_evidence(claim: str, question: str | None, sources: Sequence[str],
                   source_terms: Sequence[Terms] | None = None) -> ClaimEvidence:
    """Measure what ``claim`` adds to ``question`` against the cited ``sources``."""
    claim_terms = terms(claim)
    asked = terms(question) if question else Terms({}, frozenset())
    src_terms = list(source_terms) if source_terms is not None else [terms(s) for s in sources]
    new = {k: w for k, w in claim_terms.weights.items() if k not in asked.weights}
    new_numbers = claim_terms.numbers - asked.numbers
    known: set[str] = set()
    known_numbers: set[str] = set()
    for t in src_terms:
        known.update(t.weights)
        known_numbers.update(t.numbers)
    total = sum(new.values())

    def found_in(keys: set[str], numbers: set[str] | frozenset[str]) -> float:
        if total == 0:
            return 1.0
        return sum(w for k, w in new.items() if k in numbers or same_family(k, keys)) / total

    recall = found_in(known, known_numbers)
    best = max((found_in(set(t.weights), t.numbers) for t in src_terms), default=0.0)
    names = _names(claim) - (_names(question) if question else set()) - set(asked.weights)
    missing_names = sum(1 for n in names if not same_family(n, known))
    missing_numbers = sum(1 for n in new_numbers if n not in known_numbers)
    return ClaimEvidence(new_weight=total, new_recall=recall, best_sentence_recall=best,
                         names=len(names), missing_names=missing_names, numbers=len(new_numbers),
                         missing_numbers=missing_numbers,
                         negation_mismatch=_negation_mismatch(claim, question, sources, set(new)))


def _negation_mismatch(claim: str, question: str | None, sources: Sequence[str], new: set[str]) -> bool:
    claim_neg, claim_governed = negated_stems(claim)
    if question:
        q_neg, _ = negated_stems(question)
        claim_neg = claim_neg and not q_neg
    stated: set[str] = set()
    for source in sources:
        stated.update(terms(source).weights)
    negated_in_sources: set[str] = set()
    for source in sources:
        negated_in_sources.update(negated_stems(source)[1])
    claim_stems = set(terms(claim).weights)
    if claim_neg:
        governed = {k for k in claim_governed if k in stated}
        # the claim denies something the sources state without denying it
        return bool(governed) and not governed & negated_in_sources
    # the claim states plainly a new term the sources deny
    plain = claim_stems & new
    return bool(plain & negated_in_sources)
