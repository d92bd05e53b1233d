"""The SQLite store of an index: its schema, connections, and the check that a copied
store holds nothing but what the program creates (no triggers, views or other SQL).

Articles keep their text once (UTF-8, zlib-compressed: BBC news 2× smaller);
sentences and passages are offsets into it with a compact vector code (:mod:`.codec`).  Passage vector codes live in
``passage_vectors`` except for the passages an IVF base file holds.  Passage postings not yet merged into the
immutable base files wait in ``delta_terms``; base passages that were deleted are
``tombstones`` until the next merge.  Files that failed to index are remembered
by size and mtime in ``failures``.
"""

from __future__ import annotations

import sqlite3
import zlib
from functools import cache
from pathlib import Path
from urllib.parse import quote

FORMAT_VERSION = 2

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE articles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    path TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    mtime REAL NOT NULL,
    size INTEGER NOT NULL,
    text BLOB NOT NULL
);
CREATE INDEX articles_by_hash ON articles(content_hash);
CREATE TABLE sentences (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    vector BLOB NOT NULL,
    UNIQUE (article_id, position)
);
CREATE TABLE passages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    first_sentence INTEGER NOT NULL,
    last_sentence INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    UNIQUE (article_id, position)
);
CREATE TABLE passage_vectors (passage_id INTEGER PRIMARY KEY, vector BLOB NOT NULL);
CREATE TABLE delta_terms (passage_id INTEGER PRIMARY KEY, terms BLOB NOT NULL);
CREATE TABLE tombstones (passage_id INTEGER PRIMARY KEY);
CREATE TABLE failures (path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime REAL NOT NULL, error TEXT NOT NULL);
"""


@cache
def expected_objects() -> frozenset[tuple[str, str, str | None]]:
    """(type, name, sql) of every object :data:`SCHEMA` creates."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.executescript(SCHEMA)
        return frozenset(conn.execute("SELECT type, name, sql FROM sqlite_master").fetchall())
    finally:
        conn.close()


def foreign_objects(conn: sqlite3.Connection) -> list[str]:
    """Objects in the store the program did not create (a trigger, a view, a changed table)."""
    found = set(conn.execute("SELECT type, name, sql FROM sqlite_master").fetchall())
    return sorted(f"{kind} {name}" for kind, name, _ in found - expected_objects())


def _harden(conn: sqlite3.Connection) -> sqlite3.Connection:
    conn.execute("PRAGMA trusted_schema = OFF")
    return conn


def connect_reader(path: Path, *, immutable: bool = False) -> sqlite3.Connection:
    """A read-only connection in autocommit mode (the caller opens its snapshot with BEGIN).

    ``immutable`` reads the main file without the WAL's shared memory: only for a disk
    too full to create it, where no update can commit either."""
    uri = f"file:{quote(str(path))}?mode=ro" + ("&immutable=1" if immutable else "")
    conn = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
    return _harden(conn)


def connect_writer(path: Path, *, bulk: bool = False) -> sqlite3.Connection:
    """A connection for the one writer.  ``bulk`` (a new store being built beside the
    live one) skips the journal; otherwise WAL with a full fsync at each commit."""
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    _harden(conn)
    if bulk:
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
    else:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
    return conn


PAGE_SIZE = 8192
"""Articles of a few KB pack better in 8 KB pages than in SQLite's default 4 KB (5% smaller)."""


def create_schema(conn: sqlite3.Connection) -> None:
    conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
    conn.executescript(SCHEMA)


def compact_file(conn: sqlite3.Connection) -> None:
    """VACUUM when a build left free pages (vectors moved into the IVF file)."""
    free = conn.execute("PRAGMA freelist_count").fetchone()[0]
    total = conn.execute("PRAGMA page_count").fetchone()[0]
    if free > total // 20:
        conn.execute("VACUUM")


def pack_text(text: str) -> bytes:
    return zlib.compress(text.encode("utf-8", "surrogatepass"), 6)


def unpack_text(blob: bytes) -> str:
    return zlib.decompress(blob).decode("utf-8", "surrogatepass")


def read_meta(conn: sqlite3.Connection) -> dict[str, str]:
    return dict(conn.execute("SELECT key, value FROM meta").fetchall())


def write_meta(conn: sqlite3.Connection, values: dict[str, str]) -> None:
    conn.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                     [(k, str(v)) for k, v in values.items()])
