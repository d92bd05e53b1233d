"""Shared pieces of the index tests: small articles, a counting wrapper for the real embedder,
and fault-injection helpers.

``HashEmbedder`` (fault injection only) turns text into a deterministic unit vector without a model, so a
subprocess that is about to be killed starts in a fraction of a second.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ARTICLES = {
    "science/volcano.txt": (
        "Volcano erupts near Grindavik\n\n"
        "A volcano on the Reykjanes peninsula in Iceland erupted on Monday night, sending lava fountains "
        "into the sky. Authorities evacuated the fishing town of Grindavik as a precaution. "
        "Scientists said the eruption was unlikely to disrupt flights.\n"
    ),
    "politics/mayor.md": (
        "# Riverton elects a new mayor\n\n"
        "Maria Okafor was elected mayor of Riverton on Sunday with 61 percent of the vote. "
        "She previously worked for twenty years as an emergency nurse at the county hospital. "
        "Okafor promised to rebuild the old river bridge within two years.\n"
    ),
    "sport/final.html": (
        "<html><head><title>Harbour FC win the cup</title></head><body>"
        "<nav><a href='/'>Home</a> <a href='/sport'>Sport</a></nav>"
        "<article><h1>Harbour FC win the cup</h1>"
        "<p>Harbour FC beat Northfield 3-1 in the cup final on Saturday in front of 40,000 fans.</p>"
        "<p>The striker Jonas Berg scored twice in the second half. The club last won the cup in 1998.</p>"
        "</article><footer>Copyright 2024 The Daily Example</footer></body></html>"
    ),
}

NEW_ARTICLE = (
    "Library opens in Riverton\n\n"
    "The new public library of Riverton opened its doors on Tuesday. "
    "It holds 80,000 books and a reading garden on the roof.\n"
)


def many_articles(folder: Path, n: int) -> None:
    """``n`` small distinct articles in ``folder``: enough files for an update of several groups."""
    for i in range(n):
        (folder / f"extra-{i:03d}.txt").write_text(
            f"Council report {i}\n\nThe council of district {i} met on Monday. It approved {i + 3} new "
            f"bus routes. The mayor said work starts in spring {2030 + i % 5}.\n", encoding="utf-8")


class CountingEmbedder:
    """The real embedder, counting how often and how much it is asked to encode."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.backend = inner.backend
        self.calls = 0
        self.texts = 0

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None,
               max_tokens: int | None = None) -> np.ndarray:
        self.calls += 1
        self.texts += len(texts)
        return self.inner.encode(texts, progress=progress, max_tokens=max_tokens)



class HashEmbedder:
    name = "test/hash-embedder"
    dimension = 16
    backend = "hash"

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None,
               max_tokens: int | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            digest = hashlib.sha256(text.encode("utf-8")).digest()
            out[i] = np.frombuffer(digest[: self.dimension], dtype=np.uint8).astype(np.float32) + 1.0
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        if progress is not None and len(texts):
            progress(len(texts))
        return out


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Write ``{relpath: text}`` under ``root`` (UTF-8) and return ``root``."""
    for relpath, text in files.items():
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def tree_content(root: Path) -> set[tuple[str, str]]:
    """{(relpath, sha256)} of every article file under ``root``."""
    return {
        (p.relative_to(root).as_posix(), hashlib.sha256(p.read_bytes()).hexdigest())
        for p in root.rglob("*") if p.is_file()
    }
