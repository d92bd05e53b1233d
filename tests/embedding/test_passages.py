"""Cheaper passage vectors: plain and √words-weighted means of windows, compact passage texts."""

from __future__ import annotations

import numpy as np

from qa_assistant.embedding.passages import (
    TITLE_WEIGHT,
    compact_passage_text,
    derive_passage_vectors,
    sentence_weights,
    with_title,
)


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_plain_mean_of_each_window_normalised() -> None:
    vectors = _unit(np.random.default_rng(0).normal(size=(7, 16)))
    windows = [(0, 4), (3, 7), (6, 7)]
    derived = derive_passage_vectors(vectors, windows)
    for row, (first, last) in zip(derived, windows, strict=True):
        mean = vectors[first:last].mean(axis=0)
        np.testing.assert_allclose(row, mean / np.linalg.norm(mean), atol=1e-5)
    assert derived.dtype == np.float32 and derived.shape == (3, 16)
    np.testing.assert_allclose(derived[2], vectors[6], atol=1e-6)  # a one-sentence window is its sentence


def test_longer_sentences_weigh_more_but_not_in_proportion() -> None:
    texts = ["Short one.", " ".join(["word"] * 36)]
    weights = sentence_weights(texts)
    np.testing.assert_allclose(weights, [np.sqrt(2), 6.0], rtol=1e-6)
    vectors = np.eye(2, dtype=np.float32)
    derived = derive_passage_vectors(vectors, [(0, 2)], weights)[0]
    assert derived[1] > derived[0] > 0
    assert derived[1] / derived[0] < 36 / 2  # √ weighting, not word counts
    assert sentence_weights([""])[0] == 1.0


def test_opposite_sentences_give_a_zero_vector_not_nan() -> None:
    vectors = np.asarray([[1.0, 0.0], [-1.0, 0.0]], dtype=np.float32)
    derived = derive_passage_vectors(vectors, [(0, 2), (0, 1)])
    assert not np.isnan(derived).any()
    np.testing.assert_array_equal(derived[0], [0.0, 0.0])
    np.testing.assert_allclose(derived[1], [1.0, 0.0])
    assert derive_passage_vectors(vectors, []).shape == (0, 2)


def test_compact_text_is_the_words_that_are_not_stopwords() -> None:
    text = "There, he explored the mountains in hunter's garb.\nTesla said that it made him stronger."
    assert compact_passage_text(text) == "explored mountains hunter's garb. Tesla made stronger."
    assert compact_passage_text("The (new) mayor of Riverton") == "(new) mayor Riverton"
    assert compact_passage_text("It was the one.") == ""


def test_the_title_is_added_to_each_passage_of_its_article_at_half_weight() -> None:
    compact = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], np.float32)
    titles = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0]], np.float32)
    mixed = with_title(compact, titles, np.array([0, 0, 1]))
    assert np.allclose(np.linalg.norm(mixed, axis=1), 1.0)
    assert np.allclose(mixed[0], np.array([1.0, 0.0, TITLE_WEIGHT]) / np.hypot(1.0, TITLE_WEIGHT))
    assert np.allclose(mixed[1], np.array([0.0, 1.0, TITLE_WEIGHT]) / np.hypot(1.0, TITLE_WEIGHT))
    assert np.allclose(mixed[2], np.array([1.0, TITLE_WEIGHT, 0.0]) / np.hypot(1.0, TITLE_WEIGHT))
