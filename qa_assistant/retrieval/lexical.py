"""Lexical matching: one tokeniser for passages, sentences and questions, and BM25.

BM25 (``bm25s``) ranks passages; the same tokens and the passage-level IDF score
single sentences, where a full index would be wasted (a handful of candidates).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .terms import STOPWORDS, stem

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def tokenize(text: str) -> list[str]:
    """Lowercased word tokens without English stopwords, lightly stemmed."""
    return [stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS]


@dataclass
class TermStats:
    """Document frequencies over the passages, for IDF weights of single terms."""

    n_docs: int = 0
    df: Counter[str] = field(default_factory=Counter)

    def add(self, tokens: Iterable[str]) -> None:
        self.n_docs += 1
        self.df.update(set(tokens))

    def idf(self, term: str) -> float:
        df = self.df.get(term, 0)
        return math.log(1.0 + (self.n_docs - df + 0.5) / (df + 0.5))


class LexicalIndex:
    """BM25 over a list of already-tokenised documents; positions are the caller's."""

    def __init__(self, corpus_tokens: Sequence[list[str]]) -> None:
        import bm25s

        self.size = len(corpus_tokens)
        self._bm25 = bm25s.BM25()
        self._vocab: dict[str, int] = {}
        if self.size:
            self._bm25.index(list(corpus_tokens), show_progress=False)
            self._vocab = self._bm25.vocab_dict

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every document (0 where no term is shared)."""
        query = [t for t in dict.fromkeys(tokens) if t in self._vocab]
        if not query or not self.size:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(query), dtype=np.float32)

    @staticmethod
    def top(scores: np.ndarray, k: int) -> list[tuple[int, float]]:
        """(document position, score) of the k best scores above 0, best first."""
        k = min(k, len(scores))
        if k <= 0:
            return []
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(int(i), float(scores[i])) for i in best if scores[i] > 0]

    def search(self, tokens: Sequence[str], k: int) -> list[tuple[int, float]]:
        """(document position, BM25 score) best first, only documents sharing a term."""
        return self.top(self.scores(tokens), k)


def overlap_share(question_terms: Sequence[str], text_terms: Iterable[str], stats: TermStats) -> float:
    """IDF-weighted share of the question's distinct terms present in a text (0..1)."""
    present = set(text_terms)
    terms = set(question_terms)
    total = sum(stats.idf(t) for t in terms)
    if total <= 0:
        return 0.0
    return sum(stats.idf(t) for t in terms if t in present) / total
