"""Passages are windows of whole sentences that cover every sentence."""

from __future__ import annotations

from pathlib import Path

import pytest
from ingest_helpers import assert_passages_cover

from qa_assistant.config import load_settings
from qa_assistant.ingest import make_passages, parse_document


@pytest.mark.parametrize("n, size, overlap, expected", [
    (0, 4, 1, []),
    (1, 4, 1, [(0, 1)]),
    (4, 4, 1, [(0, 4)]),
    (5, 4, 1, [(0, 4), (3, 5)]),
    (7, 4, 1, [(0, 4), (3, 7)]),
    (8, 4, 1, [(0, 4), (3, 7), (6, 8)]),
    (5, 2, 0, [(0, 2), (2, 4), (4, 5)]),
    (3, 1, 0, [(0, 1), (1, 2), (2, 3)]),
    (6, 3, 2, [(0, 3), (1, 4), (2, 5), (3, 6)]),
])
def test_windows(n: int, size: int, overlap: int, expected: list[tuple[int, int]]) -> None:
    assert make_passages(n, size, overlap) == expected


@pytest.mark.parametrize("size, overlap", [(0, 0), (3, 3), (3, -1)])
def test_impossible_windows_are_refused(size: int, overlap: int) -> None:
    with pytest.raises(ValueError):
        make_passages(10, size, overlap)


@pytest.mark.parametrize("size, overlap", [(4, 1), (3, 0), (6, 2), (1, 0)])
def test_document_passages_follow_the_settings(samples_dir: Path, size: int, overlap: int) -> None:
    settings = load_settings({"passage_sentences": size, "passage_overlap": overlap})
    path = samples_dir / "riverton-tram-line.txt"
    doc = parse_document(path.name, path.read_bytes(), 0.0, settings)
    assert_passages_cover(doc, size, overlap)
    assert doc.passages[0] == (0, min(size, len(doc.sentences)))
