"""Cheaper passage vectors: derived from the sentence vectors, or embedded from a compact text.

Embedding the passages' text costs more than embedding the sentences (a
passage of four sentences overlapping its neighbour by one holds 1.33× the
sentence tokens, and MiniLM's cost grows with them).  Deriving a passage's
vector from its sentences' vectors costs nothing.

The derivation is a weighted mean of the unit sentence vectors, each weighted
by the square root of its length in words, then L2-normalised: a long sentence
carries more of the passage's content than a short one, but not in proportion
(weighting by length itself let one long sentence drown the rest).  Measured
through the real engine (extractive eval, fused recall@5; squad / multirc /
hotpotqa):

| passage vectors | squad | multirc | hotpotqa | all 926 questions |
|---|---:|---:|---:|---:|
| embedded text | 0.965 | 0.973 | 0.981 | 0.971 |
| plain mean | 0.951 | 0.974 | 1.000 | 0.969 |
| √words-weighted mean | 0.958 | 0.973 | 1.000 | 0.970 |
| words-weighted mean | 0.951 | 0.971 | 1.000 | 0.968 |
| first sentence ×2 | 0.951 | – | – | – |

No mean of sentence vectors makes up for what embedding the passage's text adds:
where the embedded passage ranked the gold passage first to third by cosine, the
mean ranked it 5th to 39th, and neither the best sentence cosines, more candidates,
other fusion weights, the article's mean or title vector mixed in, nor a linear map
fitted from means to embedded vectors on the BBC corpus (cosine to the embedded
vector 0.911 -> 0.922 on SQuAD) won back more than one SQuAD question.

:func:`compact_passage_text` keeps the embedding but shortens what is embedded: the
passage's words that are not stopwords, cut to :data:`COMPACT_TOKENS` tokens.  The
article's title (the passage's subject, which its own sentences often only refer to) is
embedded once per article and added to each of its passages' vectors at
:data:`TITLE_WEIGHT` (:func:`with_title`), rather than written before every passage's
words, where its tokens were embedded again for each passage and took the place of the
passage's own.  On BBC that embeds 0.62 of the passage tokens (0.82 M against 1.33 M).
It is the default: fused recall@5 through the engine (README, next to the build times)
is within 0.005 of embedding each passage's whole text on squad, squad2, multirc and
hotpotqa.  Tried before it: the title written before the words, cut to 64 tokens (lost
two squad questions and three multirc ones) or to 80 (0.92 M tokens).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from ..retrieval.terms import STOPWORDS

COMPACT_TOKENS = 80
"""Tokens (special tokens included) a compact passage text is cut to (MiniLM was trained on 128)."""
TITLE_WEIGHT = 0.5
"""Weight of the article's title vector added to a compact passage vector (set a priori, not fitted)."""
_WORD = re.compile(r"\S+")
_EDGE_PUNCTUATION = ".,;:!?\"'()“”‘’"


def compact_passage_text(text: str) -> str:
    """The words of ``text`` that are not stopwords, in order, as they are written.

    A word is compared lower-cased without its surrounding punctuation.
    """
    return " ".join(w for w in _WORD.findall(text) if w.lower().strip(_EDGE_PUNCTUATION) not in STOPWORDS)


def with_title(compact_vectors: np.ndarray, title_vectors: np.ndarray, article_of: np.ndarray) -> np.ndarray:
    """Unit vectors: each compact passage vector plus :data:`TITLE_WEIGHT` × its article's title vector.

    ``article_of[i]`` is the row of ``title_vectors`` for passage ``i``; all inputs are unit vectors.
    """
    mixed = compact_vectors + TITLE_WEIGHT * title_vectors[article_of]
    norms = np.linalg.norm(mixed, axis=1, keepdims=True)
    return (mixed / np.where(norms > 1e-12, norms, 1.0)).astype(np.float32)


def sentence_weights(sentence_texts: Sequence[str]) -> np.ndarray:
    """Each sentence's weight in the passages holding it: √(words), at least 1."""
    return np.sqrt(np.fromiter((max(1, len(t.split())) for t in sentence_texts), dtype=np.float32,
                               count=len(sentence_texts)))


def derive_passage_vectors(sentence_vectors: np.ndarray, windows: Sequence[tuple[int, int]],
                           weights: np.ndarray | None = None) -> np.ndarray:
    """float32 ``(len(windows), dimension)`` unit vectors, one per ``[first, last)`` window of sentences.

    ``weights`` (one per sentence, e.g. :func:`sentence_weights`) default to equal
    weights, the plain mean.  A window whose weighted sum is zero gives a zero vector.
    """
    dimension = sentence_vectors.shape[1]
    out = np.zeros((len(windows), dimension), dtype=np.float32)
    if not len(windows):
        return out
    weighted = sentence_vectors if weights is None else sentence_vectors * weights[:, None]
    # prefix sums make each window one subtraction, whatever its length
    prefix = np.zeros((len(sentence_vectors) + 1, dimension), dtype=np.float64)
    np.cumsum(weighted, axis=0, out=prefix[1:])
    bounds = np.asarray(windows, dtype=np.int64)
    out[:] = prefix[bounds[:, 1]] - prefix[bounds[:, 0]]
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.divide(out, norms, out=out, where=norms > 1e-12)
    out[norms[:, 0] <= 1e-12] = 0.0
    return out
