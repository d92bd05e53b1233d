"""Hybrid passage retrieval: FAISS (dense) and BM25 (lexical) candidates, reranked.

Both retrievers propose candidates; every candidate is then scored on four
rankings (passage cosine, passage BM25, best sentence cosine, best sentence
term overlap) fused by reciprocal rank.  The sentence-level rankings rescue a
passage whose one relevant sentence is diluted in the passage's vector.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..models import Passage, RetrievedPassage, Sentence
from .fusion import reciprocal_rank_fusion
from .lexical import LexicalIndex, TermStats, overlap_share, tokenize


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


class HybridRetriever:
    """Dense + BM25 retrieval over one open index.  Builds BM25 in memory once."""

    def __init__(self, reader: object, encode: Callable[[list[str]], np.ndarray],
                 candidates: int = 40) -> None:
        self.reader = reader
        self._encode = encode
        self._candidates = candidates
        ids: list[int] = []
        corpus: list[list[str]] = []
        self.stats = TermStats()
        for passage in reader.iter_passages():  # type: ignore[attr-defined]
            tokens = tokenize(passage.text)
            ids.append(passage.id)
            corpus.append(tokens)
            self.stats.add(tokens)
        self._passage_ids = np.asarray(ids, dtype=np.int64)
        self._position = {pid: i for i, pid in enumerate(ids)}
        self._bm25 = LexicalIndex(corpus)
        self._titles: dict[int, tuple[str, str]] = {
            a.id: (a.path, a.title) for a in reader.articles()  # type: ignore[attr-defined]
        }

    @property
    def size(self) -> int:
        return len(self._passage_ids)

    def article(self, article_id: int) -> tuple[str, str]:
        """(path relative to the articles folder, title)."""
        return self._titles[article_id]

    def retrieve(self, question: str, top_k: int) -> PassageHits:
        qtokens = tuple(tokenize(question))
        qvec = np.asarray(self._encode([question]), dtype=np.float32)[0]
        if not self.size:
            return PassageHits(question, qtokens, qvec, (), ())
        reader = self.reader
        n = max(self._candidates, 4 * top_k)
        dense = reader.search(qvec, n)  # type: ignore[attr-defined]
        all_bm25 = self._bm25.scores(qtokens)
        lexical = [(int(self._passage_ids[i]), s) for i, s in LexicalIndex.top(all_bm25, n)]
        pool = list(dict.fromkeys([pid for pid, _ in dense] + [pid for pid, _ in lexical]))
        passages: list[Passage] = reader.get_passages(pool)  # type: ignore[attr-defined]

        pcos = reader.passage_vectors(pool) @ qvec  # type: ignore[attr-defined]
        pbm25 = all_bm25[[self._position[pid] for pid in pool]]
        per_passage: list[list[Sentence]] = [
            reader.sentences(p.article_id, p.first_sentence, p.last_sentence)  # type: ignore[attr-defined]
            for p in passages
        ]
        flat = [s for group in per_passage for s in group]
        svecs = reader.sentence_vectors([s.id for s in flat]) if flat else np.zeros((0, len(qvec)))  # type: ignore[attr-defined]
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
        for rank, (i, score) in enumerate(fused):
            passage = passages[i]
            path, title = self._titles[passage.article_id]
            top.append(RetrievedPassage(passage=passage, article_path=path, article_title=title, score=score))
            for j in range(flat_at[i], flat_at[i + 1]):
                s = flat[j]
                if s.id not in hits:
                    hits[s.id] = SentenceHit(s, stoks[j], float(scos[j]), slex[j], rank)
        return PassageHits(question, qtokens, qvec, tuple(top), tuple(hits.values()))
