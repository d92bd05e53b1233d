"""Writing an index's store: articles, sentences and passages (offsets and vector codes),
their postings, tombstones and remembered failures.  All inside the caller's transaction.

Ids come from AUTOINCREMENT and are never reused; passage ids are the FAISS ids.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..models import Document, IngestFailure
from ..retrieval.lexical import tokenize
from . import codec
from .postings import PostingsBuilder, pack_terms
from .schema import pack_text


class StoredArticle(NamedTuple):
    """What the diff needs to know about an indexed article (a tuple: 100,000 of them load in 0.1 s)."""

    id: int
    path: str
    content_hash: str
    mtime: float
    size: int


@dataclass(frozen=True)
class KnownFailure:
    path: str
    size: int
    mtime: float
    error: str


class StoreWriter:
    """Applies one update's changes to the store (the caller commits once at the end)."""

    def __init__(self, conn: sqlite3.Connection, dimension: int, postings: PostingsBuilder | None = None) -> None:
        self.conn = conn
        self.dimension = dimension
        self.postings = postings
        """A build from scratch collects postings here, for the base, instead of in ``delta_terms``."""
        self._term_keys: dict[str, int] = {}
        self.new_passages = 0

    def stored_articles(self) -> dict[str, StoredArticle]:
        rows = self.conn.execute("SELECT id, path, content_hash, mtime, size FROM articles")
        return {row[1]: StoredArticle._make(row) for row in rows}

    def known_failures(self) -> dict[str, KnownFailure]:
        return {row[0]: KnownFailure(*row) for row in
                self.conn.execute("SELECT path, size, mtime, error FROM failures")}

    def set_failures(self, failures: Iterable[tuple[IngestFailure, int, float]], forget: Iterable[str]) -> None:
        self.conn.executemany("DELETE FROM failures WHERE path = ?", [(p,) for p in forget])
        self.conn.executemany("INSERT OR REPLACE INTO failures (path, size, mtime, error) VALUES (?, ?, ?, ?)",
                              [(f.path, size, mtime, f.error) for f, size, mtime in failures])

    def add_article(self, doc: Document, sentence_vectors: np.ndarray, passage_vectors: np.ndarray) -> int:
        cur = self.conn.execute(
            "INSERT INTO articles (path, title, content_hash, mtime, size, text) VALUES (?, ?, ?, ?, ?, ?)",
            (doc.path, doc.title, doc.content_hash, doc.mtime, doc.size, pack_text(doc.text)),
        )
        article_id = int(cur.lastrowid or 0)
        self._insert_rows(article_id, doc, sentence_vectors, passage_vectors)
        return article_id

    def replace_article(self, article_id: int, doc: Document, sentence_vectors: np.ndarray,
                        passage_vectors: np.ndarray) -> None:
        """New content for an existing article (same id)."""
        self._delete_rows(article_id)
        self.conn.execute(
            "UPDATE articles SET path = ?, title = ?, content_hash = ?, mtime = ?, size = ?, text = ? WHERE id = ?",
            (doc.path, doc.title, doc.content_hash, doc.mtime, doc.size, pack_text(doc.text), article_id),
        )
        self._insert_rows(article_id, doc, sentence_vectors, passage_vectors)

    def delete_article(self, article_id: int) -> None:
        self._delete_rows(article_id)
        self.conn.execute("DELETE FROM articles WHERE id = ?", (article_id,))

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

    def _delete_rows(self, article_id: int) -> None:
        """Drop an article's rows; its passages already merged into the base become tombstones."""
        self.conn.execute(
            "INSERT OR IGNORE INTO tombstones (passage_id) SELECT id FROM passages WHERE article_id = ? "
            "AND id NOT IN (SELECT passage_id FROM delta_terms)", (article_id,))
        for table in ("delta_terms", "passage_vectors"):
            self.conn.execute(f"DELETE FROM {table} WHERE passage_id IN "
                              "(SELECT id FROM passages WHERE article_id = ?)", (article_id,))
        self.conn.execute("DELETE FROM passages WHERE article_id = ?", (article_id,))
        self.conn.execute("DELETE FROM sentences WHERE article_id = ?", (article_id,))

    def _insert_rows(self, article_id: int, doc: Document, sentence_vectors: np.ndarray,
                     passage_vectors: np.ndarray) -> None:
        sentence_codes = codec.encode(sentence_vectors, codec.SENTENCE_BITS) if len(doc.sentences) else []
        self.conn.executemany(
            'INSERT INTO sentences (article_id, position, start, "end", vector) VALUES (?, ?, ?, ?, ?)',
            [(article_id, i, s.start, s.end, sentence_codes[i]) for i, s in enumerate(doc.sentences)],
        )
        passage_codes = codec.encode(passage_vectors, codec.PASSAGE_BITS) if len(doc.passages) else []
        for position, (first, last) in enumerate(doc.passages):
            start, end = doc.sentences[first].start, doc.sentences[last - 1].end
            cur = self.conn.execute(
                'INSERT INTO passages (article_id, position, first_sentence, last_sentence, start, "end") '
                "VALUES (?, ?, ?, ?, ?, ?)",
                (article_id, position, first, last, start, end),
            )
            self.conn.execute("INSERT INTO passage_vectors (passage_id, vector) VALUES (?, ?)",
                              (int(cur.lastrowid or 0), passage_codes[position]))
            terms = pack_terms(tokenize(doc.text[start:end]), self._term_keys)
            if self.postings is not None:
                self.postings.add(int(cur.lastrowid or 0), terms)
            else:
                self.conn.execute("INSERT INTO delta_terms (passage_id, terms) VALUES (?, ?)",
                                  (int(cur.lastrowid or 0), terms))
            self.new_passages += 1
