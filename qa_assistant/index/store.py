"""The SQLite store of one generation: articles, sentences, passages (with vectors) and meta.

Vectors are little-endian float32 BLOBs, so FAISS can always be rebuilt from the
store and an update never re-embeds text it already has.  Ids come from
AUTOINCREMENT and are never reused; passage ids are the FAISS ids.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import numpy as np

from ..models import Document

FORMAT_VERSION = 1

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE articles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    path TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    mtime REAL NOT NULL,
    size INTEGER NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX articles_by_hash ON articles(content_hash);
CREATE TABLE sentences (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id INTEGER NOT NULL REFERENCES articles(id),
    position INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    text TEXT NOT NULL,
    vector BLOB NOT NULL,
    UNIQUE (article_id, position)
);
CREATE TABLE passages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id INTEGER NOT NULL REFERENCES articles(id),
    position INTEGER NOT NULL,
    first_sentence INTEGER NOT NULL,
    last_sentence INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    text TEXT NOT NULL,
    vector BLOB NOT NULL,
    UNIQUE (article_id, position)
);
"""


@dataclass(frozen=True)
class StoredArticle:
    """What the diff needs to know about an indexed article."""

    id: int
    path: str
    content_hash: str
    mtime: float
    size: int


def to_blob(vector: np.ndarray) -> bytes:
    return np.ascontiguousarray(vector, dtype="<f4").tobytes()


def from_blobs(blobs: Sequence[bytes], dimension: int) -> np.ndarray:
    if not blobs:
        return np.zeros((0, dimension), dtype=np.float32)
    matrix = np.frombuffer(b"".join(blobs), dtype="<f4").reshape(len(blobs), dimension)
    return matrix.astype(np.float32, copy=True)


def connect_readonly(path: Path) -> sqlite3.Connection:
    """Open a published store: read-only and immutable (no locks, no journal files)."""
    uri = f"file:{quote(str(path))}?mode=ro&immutable=1"
    return sqlite3.connect(uri, uri=True, check_same_thread=False)


def connect_writable(path: Path) -> sqlite3.Connection:
    """Open a store being built in a temp generation (durability comes from our own fsync)."""
    conn = sqlite3.connect(str(path))
    conn.execute("PRAGMA journal_mode=MEMORY")
    conn.execute("PRAGMA synchronous=OFF")
    return conn


def create_store(path: Path) -> sqlite3.Connection:
    conn = connect_writable(path)
    conn.executescript(SCHEMA)
    conn.commit()
    return conn


def copy_store(source: Path, target: Path) -> sqlite3.Connection:
    """Copy a published store with the SQLite backup API; returns the writable copy."""
    src = connect_readonly(source)
    try:
        dst = sqlite3.connect(str(target))
        src.backup(dst)
        dst.close()
    finally:
        src.close()
    return connect_writable(target)


def read_meta(conn: sqlite3.Connection) -> dict[str, str]:
    return dict(conn.execute("SELECT key, value FROM meta").fetchall())


def write_meta(conn: sqlite3.Connection, values: dict[str, str]) -> None:
    conn.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                     [(k, str(v)) for k, v in values.items()])


class StoreWriter:
    """Applies one update's changes to a temp store (callers commit once at the end)."""

    def __init__(self, conn: sqlite3.Connection, dimension: int) -> None:
        self.conn = conn
        self.dimension = dimension

    def stored_articles(self) -> dict[str, StoredArticle]:
        rows = self.conn.execute("SELECT id, path, content_hash, mtime, size FROM articles")
        return {row[1]: StoredArticle(*row) for row in rows}

    def add_article(self, doc: Document, sentence_vectors: np.ndarray,
                    passage_vectors: np.ndarray) -> tuple[int, list[int]]:
        """Insert a new article with its rows; returns (article id, new passage ids)."""
        cur = self.conn.execute(
            "INSERT INTO articles (path, title, content_hash, mtime, size, text) VALUES (?, ?, ?, ?, ?, ?)",
            (doc.path, doc.title, doc.content_hash, doc.mtime, doc.size, doc.text),
        )
        article_id = int(cur.lastrowid or 0)
        return article_id, self._insert_rows(article_id, doc, sentence_vectors, passage_vectors)

    def replace_article(self, article_id: int, doc: Document, sentence_vectors: np.ndarray,
                        passage_vectors: np.ndarray) -> tuple[list[int], list[int]]:
        """New content for an existing article (same id); returns (old, new) passage ids."""
        old = self._delete_rows(article_id)
        self.conn.execute(
            "UPDATE articles SET path = ?, title = ?, content_hash = ?, mtime = ?, size = ?, text = ? "
            "WHERE id = ?",
            (doc.path, doc.title, doc.content_hash, doc.mtime, doc.size, doc.text, article_id),
        )
        return old, self._insert_rows(article_id, doc, sentence_vectors, passage_vectors)

    def delete_article(self, article_id: int) -> list[int]:
        """Remove an article and its rows; returns the passage ids that left."""
        old = self._delete_rows(article_id)
        self.conn.execute("DELETE FROM articles WHERE id = ?", (article_id,))
        return old

    def move_article(self, article_id: int, path: str, mtime: float, size: int) -> None:
        """Same content under a new path (a rename or move), or just a new mtime.

        A title that was only the old file name (no title in the text) follows the new name.
        """
        (old_path,) = self.conn.execute("SELECT path FROM articles WHERE id = ?", (article_id,)).fetchone()
        self.conn.execute(
            "UPDATE articles SET path = ?, mtime = ?, size = ?, title = CASE WHEN title = ? THEN ? ELSE title END "
            "WHERE id = ?",
            (path, mtime, size, old_path.rsplit("/", 1)[-1], path.rsplit("/", 1)[-1], article_id),
        )

    def clear(self) -> None:
        for table in ("passages", "sentences", "articles"):
            self.conn.execute(f"DELETE FROM {table}")

    def passage_matrix(self) -> tuple[np.ndarray, np.ndarray]:
        """All passage ids (ascending) and their vectors."""
        rows = self.conn.execute("SELECT id, vector FROM passages ORDER BY id").fetchall()
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        return ids, from_blobs([r[1] for r in rows], self.dimension)

    def vectors_for(self, passage_ids: Iterable[int]) -> np.ndarray:
        ids = list(passage_ids)
        blobs: list[bytes] = []
        for chunk_start in range(0, len(ids), 500):
            chunk = ids[chunk_start:chunk_start + 500]
            marks = ",".join("?" * len(chunk))
            found = dict(self.conn.execute(f"SELECT id, vector FROM passages WHERE id IN ({marks})", chunk))
            blobs.extend(found[i] for i in chunk)
        return from_blobs(blobs, self.dimension)

    def _delete_rows(self, article_id: int) -> list[int]:
        old = [r[0] for r in self.conn.execute("SELECT id FROM passages WHERE article_id = ?", (article_id,))]
        self.conn.execute("DELETE FROM passages WHERE article_id = ?", (article_id,))
        self.conn.execute("DELETE FROM sentences WHERE article_id = ?", (article_id,))
        return old

    def _insert_rows(self, article_id: int, doc: Document, sentence_vectors: np.ndarray,
                     passage_vectors: np.ndarray) -> list[int]:
        self.conn.executemany(
            'INSERT INTO sentences (article_id, position, start, "end", text, vector) VALUES (?, ?, ?, ?, ?, ?)',
            [(article_id, i, s.start, s.end, doc.text[s.start:s.end], to_blob(sentence_vectors[i]))
             for i, s in enumerate(doc.sentences)],
        )
        new_ids: list[int] = []
        for position, (first, last) in enumerate(doc.passages):
            start, end = doc.sentences[first].start, doc.sentences[last - 1].end
            cur = self.conn.execute(
                "INSERT INTO passages (article_id, position, first_sentence, last_sentence, start, \"end\", "
                "text, vector) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (article_id, position, first, last, start, end, doc.text[start:end],
                 to_blob(passage_vectors[position])),
            )
            new_ids.append(int(cur.lastrowid or 0))
        return new_ids
