"""Passages: overlapping windows of whole sentences, the unit that is embedded and retrieved."""

from __future__ import annotations


def make_passages(n_sentences: int, size: int, overlap: int) -> list[tuple[int, int]]:
    """``[first, last)`` sentence windows of ``size`` sentences, consecutive ones sharing ``overlap``.

    Every sentence is in at least one window; the last window may be shorter, and a
    window that would only repeat the tail of the previous one is not made.
    """
    if size < 1 or not 0 <= overlap < size:
        raise ValueError(f"passage size {size} and overlap {overlap}: need size >= 1 and 0 <= overlap < size")
    if n_sentences <= 0:
        return []
    step = size - overlap
    windows = []
    first = 0
    while True:
        last = min(first + size, n_sentences)
        windows.append((first, last))
        if last >= n_sentences:
            return windows
        first += step
