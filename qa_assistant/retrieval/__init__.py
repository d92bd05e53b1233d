"""Hybrid retrieval and sentence selection: question -> passages -> numbered source sentences."""

from .context import Context, build_context, leans_back, led_by
from .hybrid import HybridRetriever, PassageHits, SentenceHit
from .lexical import tokenize
from .scoring import ScoredSentence, Weights, covers, score_sentences

__all__ = [
    "Context", "HybridRetriever", "PassageHits", "ScoredSentence", "SentenceHit", "Weights",
    "build_context", "covers", "leans_back", "led_by", "score_sentences", "tokenize",
]
