"""Assertions and helpers shared by the ingestion tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from qa_assistant.models import Document

NOBODY = 65534


def sentence_texts(doc: Document) -> list[str]:
    return [doc.text[s.start:s.end] for s in doc.sentences]


def assert_offsets_contract(doc: Document) -> None:
    """Every sentence is a stripped, non-empty slice of doc.text; in order, never overlapping."""
    assert doc.sentences, f"{doc.path}: no sentences"
    previous_end = 0
    for span in doc.sentences:
        piece = doc.text[span.start:span.end]
        assert piece, f"{doc.path}: empty sentence at {span}"
        assert piece == piece.strip(), f"{doc.path}: sentence at {span} not stripped: {piece!r}"
        assert span.start >= previous_end, f"{doc.path}: sentence at {span} overlaps the one before"
        previous_end = span.end
    assert previous_end <= len(doc.text)


def assert_passages_cover(doc: Document, size: int, overlap: int) -> None:
    """Passages are windows of at most ``size`` sentences, sharing ``overlap``, covering every sentence."""
    n = len(doc.sentences)
    covered: set[int] = set()
    for i, (first, last) in enumerate(doc.passages):
        assert 0 <= first < last <= n
        assert last - first <= size
        covered.update(range(first, last))
        if i:
            assert first == doc.passages[i - 1][1] - overlap
    assert covered == set(range(n))


@contextmanager
def unprivileged() -> Iterator[None]:
    """Run the block without root's power to read any file (effective uid 'nobody' when root)."""
    if os.geteuid() != 0:
        yield
        return
    os.seteuid(NOBODY)
    try:
        yield
    finally:
        os.seteuid(0)
