"""Read-only access to the live generation of an index (no lock needed)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import EmbedderMismatchError, IndexCorruptError
from ..models import Article, IndexMeta, Passage, Sentence
from . import vectors
from .layout import (
    FAISS_NAME,
    STORE_NAME,
    corrupt,
    generation_dir,
    read_current,
    rebuild_hint,
    require_current,
)
from .store import FORMAT_VERSION, connect_readonly, from_blobs, read_meta

_REQUIRED_META = ("format_version", "embedder", "dimension", "articles_dir", "faiss_kind")
_PASSAGE_COLS = 'id, article_id, position, first_sentence, last_sentence, start, "end", text'
_SENTENCE_COLS = 'id, article_id, position, start, "end", text'
_CHUNK = 900


def open_generation(index_dir: Path, generation: int) -> tuple[sqlite3.Connection, dict[str, str], Any]:
    """Open a generation's store and FAISS file, checking that they are whole and agree."""
    folder = generation_dir(index_dir, generation)
    store_path = folder / STORE_NAME
    if not store_path.is_file():
        raise corrupt(index_dir, f"gen-{generation}/{STORE_NAME} is missing")
    conn = connect_readonly(store_path)
    try:
        meta = read_meta(conn)
        n_passages = conn.execute("SELECT count(*) FROM passages").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise corrupt(index_dir, f"gen-{generation}/{STORE_NAME}: {exc}") from None
    try:
        missing = [key for key in _REQUIRED_META if key not in meta]
        if missing:
            raise corrupt(index_dir, f"meta lacks {', '.join(missing)}")
        version = int(meta["format_version"])
        if version > FORMAT_VERSION:
            raise corrupt(index_dir, f"format version {version} is newer than this program reads ({FORMAT_VERSION})")
        spec = vectors.FaissSpec.from_meta(meta)
        faiss_path = folder / FAISS_NAME
        if not faiss_path.is_file():
            raise corrupt(index_dir, f"gen-{generation}/{FAISS_NAME} is missing")
        try:
            index = vectors.load(faiss_path, spec)
        except (RuntimeError, OSError, MemoryError) as exc:
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise corrupt(index_dir, f"gen-{generation}/{FAISS_NAME} cannot be read: {first_line}") from None
        if index.ntotal != n_passages or index.d != int(meta["dimension"]):
            raise corrupt(index_dir, f"FAISS holds {index.ntotal} vectors of dimension {index.d}, "
                          f"the store {n_passages} of dimension {meta['dimension']}")
    except BaseException:
        conn.close()
        raise
    return conn, meta, index


def check_embedder(index_dir: Path, meta: dict[str, str], embedder_name: str | None) -> None:
    if embedder_name is not None and meta["embedder"] != embedder_name:
        raise EmbedderMismatchError(
            f"index {index_dir} was built with embedder {meta['embedder']!r}, not {embedder_name!r}; "
            f"{rebuild_hint(index_dir)} (or set 'embedder_path' back)"
        )


def open_index(index_dir: Path, embedder_name: str | None = None) -> IndexReader:
    """Open the live generation for reading.

    Raises IndexMissingError, IndexCorruptError (naming ``qa-assistant index rebuild``)
    or EmbedderMismatchError when ``embedder_name`` differs from the index's.
    """
    index_dir = Path(index_dir)
    generation = require_current(index_dir)
    for _attempt in range(3):
        try:
            conn, meta, index = open_generation(index_dir, generation)
            break
        except IndexCorruptError:
            # Two updates may have finished between reading CURRENT and opening its files,
            # deleting them; if CURRENT moved on, open the new generation instead.
            newer = require_current(index_dir)
            if newer == generation:
                raise
            generation = newer
    else:
        conn, meta, index = open_generation(index_dir, generation)
    try:
        check_embedder(index_dir, meta, embedder_name)
    except BaseException:
        conn.close()
        raise
    return IndexReader(index_dir, generation, conn, meta, index)


class IndexReader:
    """A read-only view of ONE generation; safe to share between threads."""

    def __init__(self, index_dir: Path, generation: int, conn: sqlite3.Connection,
                 meta: dict[str, str], faiss_index: Any) -> None:
        self.index_dir = index_dir
        self.generation = generation
        self.meta_values = dict(meta)
        self.meta = IndexMeta(
            format_version=int(meta["format_version"]), embedder=meta["embedder"],
            dimension=int(meta["dimension"]), generation=generation,
            articles_dir=meta["articles_dir"], faiss_kind=meta["faiss_kind"],
        )
        self._conn = conn
        self._faiss = faiss_index
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._conn.close()
            self._faiss = None

    def __enter__(self) -> IndexReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def is_stale(self) -> bool:
        """True when CURRENT names a newer generation than this reader's."""
        try:
            current = read_current(self.index_dir)
        except IndexCorruptError:  # reported by the next open_index, which is what a caller does next
            return True
        return current is not None and current != self.generation

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read-only SQL statement on this generation's store (for checks and tools)."""
        with self._lock:
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.DatabaseError as exc:
                raise corrupt(self.index_dir, f"gen-{self.generation}/{STORE_NAME}: {exc}") from None

    def counts(self) -> tuple[int, int, int]:
        row = self.query("SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM sentences), "
                         "(SELECT count(*) FROM passages)")[0]
        return int(row[0]), int(row[1]), int(row[2])

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """(passage id, cosine) of the ``k`` closest passages, best first."""
        with self._lock:
            return vectors.search(self._faiss, vector, k)

    def iter_passages(self, batch: int = 2000) -> Iterator[Passage]:
        last = -1
        while True:
            rows = self.query(f"SELECT {_PASSAGE_COLS} FROM passages WHERE id > ? ORDER BY id LIMIT ?", (last, batch))
            if not rows:
                return
            for row in rows:
                yield Passage(*row)
            last = rows[-1][0]

    def _by_ids(self, table: str, cols: str, ids: Sequence[int]) -> dict[int, tuple[Any, ...]]:
        found: dict[int, tuple[Any, ...]] = {}
        unique = list(dict.fromkeys(int(i) for i in ids))
        for start in range(0, len(unique), _CHUNK):
            chunk = unique[start:start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            for row in self.query(f"SELECT {cols} FROM {table} WHERE id IN ({marks})", chunk):
                found[row[0]] = row
        missing = [i for i in unique if i not in found]
        if missing:
            raise KeyError(f"no {table[:-1]} with id {missing[0]} in {self.index_dir} gen-{self.generation}")
        return found

    def get_passages(self, ids: Sequence[int]) -> list[Passage]:
        rows = self._by_ids("passages", _PASSAGE_COLS, ids)
        return [Passage(*rows[int(i)]) for i in ids]

    def get_sentences(self, ids: Sequence[int]) -> list[Sentence]:
        rows = self._by_ids("sentences", _SENTENCE_COLS, ids)
        return [Sentence(*rows[int(i)]) for i in ids]

    def sentence_vectors(self, ids: Sequence[int]) -> np.ndarray:
        rows = self._by_ids("sentences", "id, vector", ids)
        return from_blobs([rows[int(i)][1] for i in ids], self.meta.dimension)

    def passage_vectors(self, ids: Sequence[int]) -> np.ndarray:
        rows = self._by_ids("passages", "id, vector", ids)
        return from_blobs([rows[int(i)][1] for i in ids], self.meta.dimension)

    def get_article(self, article_id: int) -> Article:
        rows = self.query("SELECT id, path, title, content_hash, mtime, size FROM articles WHERE id = ?",
                          (article_id,))
        if not rows:
            raise KeyError(f"no article with id {article_id} in {self.index_dir} gen-{self.generation}")
        return Article(*rows[0])

    def article_by_path(self, path: str) -> Article | None:
        rows = self.query("SELECT id, path, title, content_hash, mtime, size FROM articles WHERE path = ?", (path,))
        return Article(*rows[0]) if rows else None

    def articles(self) -> list[Article]:
        rows = self.query("SELECT id, path, title, content_hash, mtime, size FROM articles ORDER BY path")
        return [Article(*row) for row in rows]

    def article_text(self, article_id: int) -> str:
        rows = self.query("SELECT text FROM articles WHERE id = ?", (article_id,))
        if not rows:
            raise KeyError(f"no article with id {article_id} in {self.index_dir} gen-{self.generation}")
        return str(rows[0][0])

    def sentences(self, article_id: int, first: int = 0, last: int | None = None) -> list[Sentence]:
        """Sentences of an article with positions in [first, last)."""
        upper = last if last is not None else 2**62
        rows = self.query(f"SELECT {_SENTENCE_COLS} FROM sentences WHERE article_id = ? AND position >= ? "
                          "AND position < ? ORDER BY position", (article_id, first, upper))
        return [Sentence(*row) for row in rows]

    def faiss_contents(self) -> tuple[np.ndarray, np.ndarray]:
        """Every (id, vector) held by FAISS (used by verification)."""
        with self._lock:
            return vectors.contents(self._faiss)


def live_articles_dir(index_dir: Path) -> str | None:
    """The articles folder the live generation was built from, or None (no index, or unreadable)."""
    try:
        generation = read_current(index_dir)
    except IndexCorruptError:
        return None
    if generation is None:
        return None
    store_path = generation_dir(index_dir, generation) / STORE_NAME
    if not store_path.is_file():
        return None
    conn = connect_readonly(store_path)
    try:
        return read_meta(conn).get("articles_dir")
    except sqlite3.DatabaseError:
        return None
    finally:
        conn.close()
