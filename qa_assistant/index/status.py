"""What an index holds, what an update would do, and whether its parts agree."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..config import Settings
from ..errors import IndexCorruptError, IngestError
from ..models import IndexStatus, IngestFailure, StorageState
from . import vectors
from .plan import make_plan
from .reader import IndexReader, open_index
from .space import disk_usage
from .store import KnownFailure, StoredArticle

VECTOR_SAMPLE = 256
"""Passages whose vector is compared with FAISS's by :func:`verify_index`."""


def index_status(settings: Settings, articles_dir: Path | None = None) -> IndexStatus:
    """Counts of the live generation and ``pending``: files an update would add, change,
    move or remove in ``articles_dir`` (default: the folder the index was built from;
    -1 when that folder is missing).  Reads only files whose size or mtime changed;
    files that failed before and did not change are listed in ``failed``, not pending."""
    with open_index(settings.index_dir) as reader:
        n_articles, n_sentences, n_passages = reader.counts()
        folder = Path(articles_dir) if articles_dir is not None else Path(reader.meta.articles_dir)
        stored = {a.path: StoredArticle(a.id, a.path, a.content_hash, a.mtime, a.size) for a in reader.articles()}
        known = {row[0]: KnownFailure(*row) for row in reader.query("SELECT path, size, mtime, error FROM failures")}
        failed: tuple[IngestFailure, ...] = ()
        try:
            plan = make_plan(folder, stored, settings, known=known)
            pending = plan.pending
            failed = tuple(plan.known_failed)
        except IngestError:
            pending = -1
        storage = StorageState(
            faiss_kind=reader.meta.faiss_kind, base_passages=int(reader.meta_values.get("base_passages", "0")),
            delta_passages=reader.delta_passages, tombstones=reader.tombstones,
            bytes_on_disk=disk_usage(settings.index_dir),
        )
        return IndexStatus(
            articles=n_articles, sentences=n_sentences, passages=n_passages,
            embedder=reader.meta.embedder, pending=pending, generation=reader.generation,
            articles_dir=str(folder), passage_vectors=reader.meta_values.get("passage_vectors", "embed"),
            failed=failed, storage=storage,
        )


def verify_index(settings: Settings) -> list[str]:
    """Problems found in the live generation ([] when all parts agree).

    Opening checks the schema (nothing the program did not create), the format, and
    the base files' checksums.  Then: the passages the dense index and the BM25
    postings hold are exactly the stored ones; every passage has a vector and a
    sample matches FAISS; every sentence and passage satisfies the offsets contract
    ``article_text[start:end] == text``.  Raises IndexMissingError when there is no index.
    """
    try:
        reader = open_index(settings.index_dir)
    except IndexCorruptError as exc:
        return [str(exc)]
    with reader:
        try:
            return _passage_problems(reader) + _row_problems(reader)
        except IndexCorruptError as exc:
            return [str(exc)]


def _passage_problems(reader: IndexReader) -> list[str]:
    problems: list[str] = []
    store_ids = np.array([r[0] for r in reader.query("SELECT id FROM passages ORDER BY id")], dtype=np.int64)
    dense = reader.vectors
    held = [dense.delta.ids()] + ([dense.base.ids()] if dense.base is not None else [])
    dense_ids = np.concatenate(held)
    if len(np.unique(dense_ids)) != len(dense_ids):
        problems.append("FAISS holds some passage ids more than once")
    for what, ids in (("FAISS", dense_ids), ("BM25", _bm25_ids(reader))):
        only_there = np.setdiff1d(ids, store_ids)
        only_store = np.setdiff1d(store_ids, ids)
        if len(only_there):
            problems.append(f"{len(only_there)} {what} passages are not in the store (first: {only_there[0]})")
        if len(only_store):
            problems.append(f"{len(only_store)} stored passages are missing from {what} (first: {only_store[0]})")
    width = 2 + reader.meta.dimension
    n_bad = reader.query("SELECT count(*) FROM passage_vectors WHERE length(vector) != ?", (width,))[0][0]
    n_bad += reader.query("SELECT count(*) FROM sentences WHERE length(vector) != ?",
                          (2 + (reader.meta.dimension + 1) // 2,))[0][0]
    if n_bad:
        problems.append(f"{n_bad} vectors have the wrong size for dimension {reader.meta.dimension}")
    rng = np.random.default_rng(0)
    common = np.intersect1d(dense_ids, store_ids)
    sample = common if len(common) <= VECTOR_SAMPLE else rng.choice(common, VECTOR_SAMPLE, replace=False)
    if len(sample):
        found = reader.passage_vectors([int(i) for i in sample])
        norms = np.linalg.norm(found, axis=1)
        if not np.all(np.abs(norms - 1.0) < 0.05):
            problems.append("some passage vectors are not unit length")
    if reader.meta.faiss_kind == vectors.IVF and dense.base is None:
        problems.append("the meta says IVF but the base has no FAISS file")
    try:
        json.loads(reader.meta_values.get("base_files", "{}"))
    except ValueError:
        problems.append("meta base_files is not JSON")
    return problems


def _bm25_ids(reader: IndexReader) -> np.ndarray:
    bm25 = reader.bm25
    dead = np.array([r[0] for r in reader.query("SELECT passage_id FROM tombstones")], dtype=np.int64)
    base = np.setdiff1d(np.asarray(bm25.base.ids), dead)
    rows = np.asarray(bm25.base.rows)
    if len(rows) and (rows.min() < 0 or rows.max() >= bm25.base.n_rows):
        raise IndexCorruptError(f"index {reader.index_dir}: BM25 postings name rows that do not exist")
    return np.concatenate([base, np.asarray(bm25.delta.ids)])


def _row_problems(reader: IndexReader) -> list[str]:
    problems: list[str] = []
    for article in reader.articles():
        text = reader.article_text(article.id)
        sentences = reader.sentences(article.id)
        for expected, sentence in enumerate(sentences):
            if sentence.position != expected:
                problems.append(f"{article.path}: sentence positions skip {expected}")
                break
        for sentence in sentences:
            if not (0 <= sentence.start < sentence.end <= len(text)) or not sentence.text.strip():
                problems.append(f"{article.path}: sentence {sentence.position} has offsets "
                                f"[{sentence.start}, {sentence.end}) outside its text")
        rows = reader.query('SELECT position, first_sentence, last_sentence, start, "end" FROM passages '
                            "WHERE article_id = ? ORDER BY position", (article.id,))
        for position, first, last, start, end in rows:
            if not (0 <= first < last <= len(sentences)) or (
                    sentences[first].start != start or sentences[last - 1].end != end):
                problems.append(f"{article.path}: passage {position} does not span sentences [{first}, {last})")
    return problems
