"""The features the verifier's head reads for one claim and the sentences it cites.

Every feature is computed here and only here, so ``bench/fit_verifier.py`` fits
the head on exactly what the checker computes at run time.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import astuple, dataclass, fields

import numpy as np

from ..retrieval.terms import STOPWORDS, stem
from .claims import claim_evidence, same_family
from .lexical import Terms, lexical_evidence, number_key, terms


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
    new_found: float
    """log(1 + how many distinct new terms the cited sentences state): the mass of the evidence, not its share
    (one matched word can be a swapped name that also occurs in the source; five matched words rarely are)."""
    copy_coverage: float
    """Share of the words of the claim's new stretch (first to last new word, stop words included) covered by
    three-word runs one cited sentence holds in the same order ("for the revolt" is not "against the revolt")."""
    ordered_pairs: float
    """Share of consecutive new terms that stand within three content words of each other in one cited
    sentence ("King of Russia" is not held by "Emperor of Russia ... King of Poland")."""
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
        return Features(0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, judge)
    src_terms = list(source_terms) if source_terms is not None else [terms(s) for s in source_texts]
    cosines = source_vectors @ claim_vector
    best = int(np.argmax(cosines))
    cosine = float(cosines[best])
    gain = 0.0
    if question_vector is not None:
        gain = cosine - float(source_vectors[best] @ question_vector)
    lex = lexical_evidence(terms(claim), src_terms)
    ev = claim_evidence(claim, question, source_texts, src_terms)
    order = word_order_evidence(claim, question, source_texts)
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
        new_found=order.found,
        copy_coverage=order.copy_coverage,
        ordered_pairs=order.ordered_pairs,
        judge=judge,
    )


_WORD = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:['’][^\W\d_]+)?")
_PAIR_WINDOW = 3
_RUN = 3


def _key(word: str) -> str:
    number = number_key(word)
    return number if number is not None else stem(word)


@dataclass(frozen=True)
class WordOrder:
    found: float
    copy_coverage: float
    ordered_pairs: float


def word_order_evidence(claim: str, question: str | None, sources: Sequence[str]) -> WordOrder:
    """Whether the cited sentences hold the claim's new words together and in order, not just somewhere."""
    asked_words = {w.lower() for w in _WORD.findall(question)} if question else set()
    asked = asked_words | {_key(w) for w in asked_words}
    words = [w.lower() for w in _WORD.findall(claim)]
    keys = [_key(w) for w in words]
    new = [i for i, w in enumerate(words) if w not in STOPWORDS and w not in asked and keys[i] not in asked
           and (len(keys[i]) >= 2 or keys[i].isdigit())]
    if not new:
        return WordOrder(0.0, 1.0, 1.0)
    source_keys = [[_key(w.lower()) for w in _WORD.findall(s)] for s in sources]
    known = {k for ks in source_keys for k in ks}
    found = math.log1p(sum(1 for k in {keys[i] for i in new} if same_family(k, known)))
    # copy coverage: the new stretch, stop words included, covered by runs of _RUN words of one sentence
    stretch = keys[new[0]:new[-1] + 1]
    if len(stretch) < _RUN:
        copy = float(any(all(same_family(k, set(ks)) for k in stretch) for ks in source_keys))
    else:
        runs = [{tuple(ks[j:j + _RUN]) for j in range(len(ks) - _RUN + 1)} for ks in source_keys]
        covered = [False] * len(stretch)
        for j in range(len(stretch) - _RUN + 1):
            gram = tuple(stretch[j:j + _RUN])
            if any(gram in r for r in runs):
                covered[j:j + _RUN] = [True] * _RUN
        copy = sum(covered) / len(stretch)
    # ordered pairs: consecutive new terms near each other in one sentence (content words only)
    content = [[k for w, k in zip(_WORD.findall(s), ks, strict=True) if w.lower() not in STOPWORDS]
               for s, ks in zip(sources, source_keys, strict=True)]
    new_keys = [keys[i] for i in new]
    pairs = list(zip(new_keys, new_keys[1:], strict=False))
    if not pairs:
        ordered = float(same_family(new_keys[0], known))
    else:
        def near(a: str, b: str, sentence: list[str]) -> bool:
            at_a = [j for j, k in enumerate(sentence) if same_family(a, {k})]
            at_b = [j for j, k in enumerate(sentence) if same_family(b, {k})]
            return any(0 < abs(j - i) <= _PAIR_WINDOW for i in at_a for j in at_b)
        ordered = sum(any(near(a, b, c) for c in content) for a, b in pairs) / len(pairs)
    return WordOrder(found, copy, ordered)
