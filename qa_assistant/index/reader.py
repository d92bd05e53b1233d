"""Read-only access to one generation of an index (no lock needed).

A reader holds a SQLite read transaction for its lifetime, so every query sees
the generation it opened even while an update commits the next one in place (WAL).
At open it checks the store's schema, the base files' checksums, and loads:
the base postings (memory-mapped) and the delta's, the tombstones, and the dense
index (flat: every passage's code decoded into an exact in-memory index; IVF: the
base file plus the delta searched exactly).  BM25 is never rebuilt from text.
"""

from __future__ import annotations

import sqlite3
import threading
import zlib
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import IndexCorruptError
from ..models import Article, IndexMeta, Passage, Sentence
from . import codec, vectors
from .checks import base_files_ok, check_embedder, check_store
from .layout import Live, corrupt, read_current, require_current
from .postings import Bm25, LexicalScores, Postings
from .schema import connect_reader, unpack_text
from .space import disk_nearly_full

_ARTICLE_COLS = "id, path, title, content_hash, mtime, size"
_SENTENCE_SQL = 'SELECT s.id, s.article_id, s.position, s.start, s."end" FROM sentences s'
_PASSAGE_SQL = ('SELECT p.id, p.article_id, p.position, p.first_sentence, p.last_sentence, p.start, p."end" '
                'FROM passages p')
_TEXTS_KEPT = 512
"""Decompressed article texts a reader keeps (the articles of recent questions)."""
_CHUNK = 900
_OPEN_ATTEMPTS = 3


def open_index(index_dir: Path, embedder_name: str | None = None, previous: IndexReader | None = None) -> IndexReader:
    """Open the live generation for reading.

    ``previous``: a reader of the same index whose loaded base can be reused if unchanged.
    Raises IndexMissingError, IndexCorruptError (naming ``qa-assistant index rebuild``)
    or EmbedderMismatchError when ``embedder_name`` differs from the index's.
    """
    index_dir = Path(index_dir)
    live = require_current(index_dir)
    for attempt in range(_OPEN_ATTEMPTS):
        before = _generation(live)
        try:
            reader = IndexReader(index_dir, live, previous)
            break
        except IndexCorruptError:
            # Updates may have replaced the files (a rebuild, or two merges) while they were opened.
            newer = require_current(index_dir)
            if (newer == live and _generation(newer) == before) or attempt == _OPEN_ATTEMPTS - 1:
                raise
            live = newer
    try:
        check_embedder(index_dir, reader.meta_values, embedder_name)
    except BaseException:
        reader.close()
        raise
    return reader


def _generation(live: Live) -> str | None:
    try:
        probe = connect_reader(live.store)
        try:
            row = probe.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        finally:
            probe.close()
    except sqlite3.DatabaseError:
        return None
    return str(row[0]) if row else None


class IndexReader:
    """A read-only view of ONE generation; safe to share between threads."""

    def __init__(self, index_dir: Path, live: Live, previous: IndexReader | None = None) -> None:
        self.index_dir = index_dir
        self.live = live
        self._lock = threading.Lock()
        self._texts: OrderedDict[int, str] = OrderedDict()
        try:
            meta = self._connect(live, immutable=False)
        except IndexCorruptError:
            if not disk_nearly_full(index_dir):
                raise
            meta = self._connect(live, immutable=True)
        try:
            self._load(meta, previous)
        except (sqlite3.DatabaseError, OSError, ValueError, RuntimeError, MemoryError) as exc:
            self._close_quietly()
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise corrupt(index_dir, f"{first}") from None
        except BaseException:
            self._close_quietly()
            raise

    def _connect(self, live: Live, immutable: bool) -> dict[str, str]:
        try:
            self._conn = connect_reader(live.store, immutable=immutable)
            self._conn.execute("BEGIN")
            return check_store(self.index_dir, self._conn)
        except sqlite3.DatabaseError as exc:
            self._close_quietly()
            raise corrupt(self.index_dir, f"store: {exc}") from None
        except BaseException:
            self._close_quietly()
            raise

    def _load(self, meta: dict[str, str], previous: IndexReader | None) -> None:
        self.meta_values = meta
        self.generation = int(meta["generation"])
        self.meta = IndexMeta(format_version=int(meta["format_version"]), embedder=meta["embedder"],
                              dimension=int(meta["dimension"]), generation=self.generation,
                              articles_dir=meta["articles_dir"], faiss_kind=meta["faiss_kind"])
        dimension = self.meta.dimension
        self.spec = vectors.FaissSpec.from_meta(meta)
        self._base_name: str = meta.get("base", "")
        if previous is not None and previous.live == self.live and previous._base_name == self._base_name:
            base_postings, base_ivf = previous._base_postings, previous._base_ivf_file
        else:
            base_files_ok(self.index_dir, self.live.folder, meta)
            folder = self.live.folder / self._base_name
            base_postings = Postings.load(folder) if self._base_name else Postings.empty()
            base_ivf = None
            if self.spec.kind == vectors.IVF and self._base_name:
                base_ivf = folder / vectors.FAISS_NAME
        self._base_postings: Postings = base_postings
        self._base_ivf_file: Path | None = base_ivf
        tombstones = np.array([r[0] for r in self._conn.execute("SELECT passage_id FROM tombstones")], np.int64)
        delta = Postings.from_blobs(self._conn.execute("SELECT passage_id, terms FROM delta_terms"))
        self.bm25 = Bm25(base_postings, delta, tombstones)
        self.tombstones = len(tombstones)
        self.delta_passages = delta.n_rows
        rows = self._conn.execute("SELECT passage_id, vector FROM passage_vectors ORDER BY passage_id").fetchall()
        matrix = codec.decode([r[1] for r in rows], dimension, codec.PASSAGE_BITS)
        matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
        exact = vectors.FaissVectors.flat(dimension, np.array([r[0] for r in rows], np.int64), matrix)
        ivf = None
        if base_ivf is not None:
            ivf = vectors.FaissVectors.load(base_ivf, self.spec)
            ivf.delete(tombstones.tolist())
        self.vectors = vectors.LayeredVectors(ivf, exact)

    def _close_quietly(self) -> None:
        try:
            if hasattr(self, "_conn"):
                self._conn.close()
        except Exception:  # noqa: BLE001  (closing a half-opened connection)
            pass

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> IndexReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def is_stale(self) -> bool:
        """True when the index moved on to another generation than this reader's."""
        try:
            live = read_current(self.index_dir)
        except IndexCorruptError:  # reported by the next open_index, which is what a caller does next
            return True
        return live != self.live or _generation(self.live) != str(self.generation)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read-only SQL statement on this generation's store (for checks and tools)."""
        with self._lock:
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.DatabaseError as exc:
                raise corrupt(self.index_dir, f"store: {exc}") from None

    def counts(self) -> tuple[int, int, int]:
        row = self.query("SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM sentences), "
                         "(SELECT count(*) FROM passages)")[0]
        return int(row[0]), int(row[1]), int(row[2])

    # --- retrieval -------------------------------------------------------------------

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """(passage id, cosine) of the ``k`` closest passages, best first."""
        with self._lock:
            return self.vectors.search(vector, k)

    def lexical(self, tokens: Sequence[str]) -> LexicalScores:
        """BM25 scores of every passage for a tokenised question."""
        return self.bm25.scores(tokens)

    @property
    def term_stats(self) -> Bm25:
        return self.bm25

    def passage_count(self) -> int:
        return self.vectors.count()

    def passage_vectors(self, ids: Sequence[int]) -> np.ndarray:
        with self._lock:
            found = self.vectors.vectors(ids)
        missing = [int(i) for i in ids if int(i) not in found]
        if missing:
            raise KeyError(f"no passage with id {missing[0]} in {self.index_dir} generation {self.generation}")
        if not len(ids):
            return np.zeros((0, self.meta.dimension), np.float32)
        return np.stack([found[int(i)] for i in ids]).astype(np.float32)

    def sentence_vectors(self, ids: Sequence[int]) -> np.ndarray:
        rows = self._by_ids("SELECT id, vector FROM sentences", "id", ids)
        matrix = codec.decode([rows[int(i)][1] for i in ids], self.meta.dimension, codec.SENTENCE_BITS)
        return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)

    # --- rows -------------------------------------------------------------------------

    def _by_ids(self, select: str, column: str, ids: Sequence[int]) -> dict[int, tuple[Any, ...]]:
        found: dict[int, tuple[Any, ...]] = {}
        unique = list(dict.fromkeys(int(i) for i in ids))
        for start in range(0, len(unique), _CHUNK):
            chunk = unique[start:start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            for row in self.query(f"{select} WHERE {column} IN ({marks})", chunk):
                found[row[0]] = row
        missing = [i for i in unique if i not in found]
        if missing:
            raise KeyError(f"no row with id {missing[0]} in {self.index_dir} generation {self.generation}")
        return found

    def _passage(self, row: tuple[Any, ...]) -> Passage:
        pid, article_id, position, first, last, start, end = row
        return Passage(pid, article_id, position, first, last, start, end, self.article_text(article_id)[start:end])

    def _sentence(self, row: tuple[Any, ...]) -> Sentence:
        sid, article_id, position, start, end = row
        return Sentence(sid, article_id, position, start, end, self.article_text(article_id)[start:end])

    def iter_passages(self, batch: int = 2000) -> Iterator[Passage]:
        last = -1
        while True:
            rows = self.query(f"{_PASSAGE_SQL} WHERE p.id > ? ORDER BY p.id LIMIT ?", (last, batch))
            if not rows:
                return
            for row in rows:
                yield self._passage(row)
            last = rows[-1][0]

    def get_passages(self, ids: Sequence[int]) -> list[Passage]:
        rows = self._by_ids(_PASSAGE_SQL, "p.id", ids)
        return [self._passage(rows[int(i)]) for i in ids]

    def get_sentences(self, ids: Sequence[int]) -> list[Sentence]:
        rows = self._by_ids(_SENTENCE_SQL, "s.id", ids)
        return [self._sentence(rows[int(i)]) for i in ids]

    def sentences(self, article_id: int, first: int = 0, last: int | None = None) -> list[Sentence]:
        """Sentences of an article with positions in [first, last)."""
        upper = last if last is not None else 2**62
        rows = self.query(f"{_SENTENCE_SQL} WHERE s.article_id = ? AND s.position >= ? AND s.position < ? "
                          "ORDER BY s.position", (article_id, first, upper))
        return [self._sentence(row) for row in rows]

    def get_article(self, article_id: int) -> Article:
        rows = self.query(f"SELECT {_ARTICLE_COLS} FROM articles WHERE id = ?", (article_id,))
        if not rows:
            raise KeyError(f"no article with id {article_id} in {self.index_dir} generation {self.generation}")
        return Article(*rows[0])

    def article(self, article_id: int) -> tuple[str, str]:
        """(path relative to the articles folder, title)."""
        found = self.get_article(article_id)
        return found.path, found.title

    def article_by_path(self, path: str) -> Article | None:
        rows = self.query(f"SELECT {_ARTICLE_COLS} FROM articles WHERE path = ?", (path,))
        return Article(*rows[0]) if rows else None

    def articles(self) -> list[Article]:
        rows = self.query(f"SELECT {_ARTICLE_COLS} FROM articles ORDER BY path")
        return [Article(*row) for row in rows]

    def article_text(self, article_id: int) -> str:
        with self._lock:
            text = self._texts.get(article_id)
            if text is not None:
                self._texts.move_to_end(article_id)
                return text
        rows = self.query("SELECT text FROM articles WHERE id = ?", (article_id,))
        if not rows:
            raise KeyError(f"no article with id {article_id} in {self.index_dir} generation {self.generation}")
        try:
            text = unpack_text(rows[0][0])
        except (zlib.error, UnicodeDecodeError, TypeError):
            raise corrupt(self.index_dir, f"the text of article {article_id} cannot be read") from None
        with self._lock:
            self._texts[article_id] = text
            while len(self._texts) > _TEXTS_KEPT:
                self._texts.popitem(last=False)
        return text
