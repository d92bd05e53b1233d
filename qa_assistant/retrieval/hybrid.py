"""Hybrid passage retrieval: FAISS (dense) and BM25 (lexical) candidates, reranked.

Both retrievers propose candidates; every candidate is then scored on four
rankings (passage cosine, passage BM25, best sentence cosine, best sentence
term overlap) fused by reciprocal rank.  The sentence-level rankings rescue a
passage whose one relevant sentence is diluted in the passage's vector.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..models import Passage, RetrievedPassage, Sentence
from .fusion import reciprocal_rank_fusion
from .lexical import TermStats, overlap_share, tokenize


@dataclass(frozen=True)
class SentenceHit:
    """A sentence of a retrieved passage with the signals sentence selection needs."""

    sentence: Sentence
    tokens: tuple[str, ...]
    cosine: float
    lexical: float
    passage_rank: int
    """0-based rank of the best retrieved passage holding the sentence."""


@dataclass(frozen=True)
class PassageHits:
    """What one question retrieved: passages best first and their sentences."""

    question: str
    question_tokens: tuple[str, ...]
    question_vector: np.ndarray
    passages: tuple[RetrievedPassage, ...]
    sentences: tuple[SentenceHit, ...]
    """Sentences of the top passages, in passage-rank then document order, no repeats."""


FUSION_K = 10
"""RRF constant: lower than the usual 60 so that a passage ranked first by one signal counts
(measured on ../shared/eval: squad recall@5 0.944 at 60, 0.965 at 10)."""


def fuse_passages(cosine: np.ndarray, bm25: np.ndarray, sentence_cosine: np.ndarray,
                  sentence_terms: np.ndarray) -> list[tuple[int, float]]:
    """Candidate positions best first with their fused score: RRF of the four rankings."""
    rankings = [_ranking(v) for v in (cosine, bm25, sentence_cosine, sentence_terms)]
    return reciprocal_rank_fusion(rankings, k=FUSION_K)


def _ranking(values: np.ndarray) -> list[int]:
    """Positions by value, highest first; ties keep position order."""
    return sorted(range(len(values)), key=lambda i: -values[i])


class LexicalHits(Protocol):
    def top(self, k: int) -> list[tuple[int, float]]: ...
    def of(self, passage_ids: Sequence[int]) -> np.ndarray: ...


class IndexView(Protocol):
    """What retrieval reads from an open index (``qa_assistant.index.IndexReader``)."""

    @property
    def term_stats(self) -> TermStats: ...
    def passage_count(self) -> int: ...
    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]: ...
    def lexical(self, tokens: Sequence[str]) -> LexicalHits: ...
    def get_passages(self, ids: Sequence[int]) -> list[Passage]: ...
    def passage_vectors(self, ids: Sequence[int]) -> np.ndarray: ...
    def sentences(self, article_id: int, first: int = 0, last: int | None = None) -> list[Sentence]: ...
    def sentence_vectors(self, ids: Sequence[int]) -> np.ndarray: ...
    def article(self, article_id: int) -> tuple[str, str]: ...


class HybridRetriever:
    """Dense + BM25 retrieval over one open index (BM25 comes persisted with the index)."""

    def __init__(self, reader: IndexView, encode: Callable[[list[str]], np.ndarray],
                 candidates: int = 40) -> None:
        self.reader = reader
        self._encode = encode
        self._candidates = candidates
        self.stats = reader.term_stats

    @property
    def size(self) -> int:
        return self.reader.passage_count()

    def article(self, article_id: int) -> tuple[str, str]:
        """(path relative to the articles folder, title)."""
        return self.reader.article(article_id)

    def retrieve(self, question: str, top_k: int) -> PassageHits:
        qtokens = tuple(tokenize(question))
        qvec = np.asarray(self._encode([question]), dtype=np.float32)[0]
        if not self.size:
            return PassageHits(question, qtokens, qvec, (), ())
        reader = self.reader
        n = max(self._candidates, 4 * top_k)
        dense = reader.search(qvec, n)
        bm25 = reader.lexical(qtokens)
        lexical = bm25.top(n)
        pool = list(dict.fromkeys([pid for pid, _ in dense] + [pid for pid, _ in lexical]))
        passages = reader.get_passages(pool)

        pcos = reader.passage_vectors(pool) @ qvec
        pbm25 = bm25.of(pool)
        per_passage = [reader.sentences(p.article_id, p.first_sentence, p.last_sentence) for p in passages]
        flat = [s for group in per_passage for s in group]
        svecs = reader.sentence_vectors([s.id for s in flat]) if flat else np.zeros((0, len(qvec)))
        scos = svecs @ qvec if len(flat) else np.zeros(0)
        stoks = [tuple(tokenize(s.text)) for s in flat]
        slex = [overlap_share(qtokens, t, self.stats) for t in stoks]

        best_cos, best_lex, at = [], [], 0
        for group in per_passage:
            span = slice(at, at + len(group))
            best_cos.append(float(np.max(scos[span])) if group else -1.0)
            best_lex.append(max(slex[span], default=0.0))
            at += len(group)

        fused = fuse_passages(np.asarray(pcos), np.asarray(pbm25), np.asarray(best_cos), np.asarray(best_lex))[:top_k]

        top: list[RetrievedPassage] = []
        hits: dict[int, SentenceHit] = {}
        flat_at = np.cumsum([0] + [len(g) for g in per_passage])
        titles: dict[int, tuple[str, str]] = {}
        for rank, (i, score) in enumerate(fused):
            passage = passages[i]
            if passage.article_id not in titles:
                titles[passage.article_id] = reader.article(passage.article_id)
            path, title = titles[passage.article_id]
            top.append(RetrievedPassage(passage=passage, article_path=path, article_title=title, score=score))
            for j in range(flat_at[i], flat_at[i + 1]):
                s = flat[j]
                if s.id not in hits:
                    hits[s.id] = SentenceHit(s, stoks[j], float(scos[j]), slex[j], rank)
        return PassageHits(question, qtokens, qvec, tuple(top), tuple(hits.values()))
