"""What an index holds, what an update would do, and whether its parts agree."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..config import Settings
from ..errors import IndexCorruptError, IngestError
from ..models import IndexStatus
from .plan import make_plan
from .reader import IndexReader, open_index
from .store import StoredArticle

VECTOR_SAMPLE = 256
"""Passages whose FAISS vector is compared with the stored one by :func:`verify_index`."""


def index_status(settings: Settings, articles_dir: Path | None = None) -> IndexStatus:
    """Counts of the live generation and ``pending``: files an update would add, change,
    move or remove in ``articles_dir`` (default: the folder the index was built from;
    -1 when that folder is missing).  Reads only files whose size or mtime changed."""
    with open_index(settings.index_dir) as reader:
        n_articles, n_sentences, n_passages = reader.counts()
        folder = Path(articles_dir) if articles_dir is not None else Path(reader.meta.articles_dir)
        stored = {a.path: StoredArticle(a.id, a.path, a.content_hash, a.mtime, a.size) for a in reader.articles()}
        try:
            pending = make_plan(folder, stored, settings).pending
        except IngestError:
            pending = -1
        return IndexStatus(
            articles=n_articles, sentences=n_sentences, passages=n_passages,
            embedder=reader.meta.embedder, pending=pending, generation=reader.generation,
            articles_dir=str(folder), passage_vectors=reader.meta_values.get("passage_vectors", "embed"),
        )


def verify_index(settings: Settings) -> list[str]:
    """Problems found in the live generation ([] when the store and FAISS agree).

    Checks: FAISS and the store hold the same passage ids; a sample of FAISS vectors
    equals the stored ones; every sentence and passage satisfies the offsets contract
    ``article_text[start:end] == text``; vectors have the index's dimension.
    Raises IndexMissingError when there is no index.
    """
    try:
        reader = open_index(settings.index_dir)
    except IndexCorruptError as exc:
        return [str(exc)]
    with reader:
        try:
            return _faiss_problems(reader) + _row_problems(reader)
        except IndexCorruptError as exc:
            return [str(exc)]


def _faiss_problems(reader: IndexReader) -> list[str]:
    problems: list[str] = []
    faiss_ids, faiss_vectors = reader.faiss_contents()
    store_ids = np.array([row[0] for row in reader.query("SELECT id FROM passages ORDER BY id")], dtype=np.int64)
    if len(np.unique(faiss_ids)) != len(faiss_ids):
        problems.append("FAISS holds some passage ids more than once")
    only_faiss = np.setdiff1d(faiss_ids, store_ids)
    only_store = np.setdiff1d(store_ids, faiss_ids)
    if len(only_faiss):
        problems.append(f"{len(only_faiss)} FAISS ids have no passage in the store (first: {only_faiss[0]})")
    if len(only_store):
        problems.append(f"{len(only_store)} stored passages are missing from FAISS (first: {only_store[0]})")
    if len(faiss_ids) != len(store_ids):
        problems.append(f"FAISS holds {len(faiss_ids)} vectors, the store {len(store_ids)} passages")
    position = {int(i): n for n, i in enumerate(faiss_ids)}
    common = np.intersect1d(faiss_ids, store_ids)
    rng = np.random.default_rng(0)
    sample = common if len(common) <= VECTOR_SAMPLE else rng.choice(common, VECTOR_SAMPLE, replace=False)
    if len(sample):
        stored = reader.passage_vectors([int(i) for i in sample])
        held = faiss_vectors[[position[int(i)] for i in sample]]
        bad = np.flatnonzero(~np.all(np.isclose(stored, held, atol=1e-5), axis=1))
        if len(bad):
            problems.append(f"{len(bad)} of {len(sample)} sampled FAISS vectors differ from the stored ones "
                            f"(first: passage {int(sample[bad[0]])})")
    return problems


def _row_problems(reader: IndexReader) -> list[str]:
    problems: list[str] = []
    width = reader.meta.dimension * 4
    for table in ("sentences", "passages"):
        n_bad = reader.query(f"SELECT count(*) FROM {table} WHERE length(vector) != ?", (width,))[0][0]
        if n_bad:
            problems.append(f"{n_bad} {table} have vectors of the wrong size (expected {reader.meta.dimension} floats)")
    for article in reader.articles():
        text = reader.article_text(article.id)
        sentences = reader.sentences(article.id)
        for expected, sentence in enumerate(sentences):
            if sentence.position != expected:
                problems.append(f"{article.path}: sentence positions skip {expected}")
                break
        for sentence in sentences:
            if text[sentence.start:sentence.end] != sentence.text:
                problems.append(f"{article.path}: sentence {sentence.position} text differs from "
                                f"text[{sentence.start}:{sentence.end}]")
        rows = reader.query('SELECT position, first_sentence, last_sentence, start, "end", text FROM passages '
                            "WHERE article_id = ? ORDER BY position", (article.id,))
        for position, first, last, start, end, passage_text in rows:
            if text[start:end] != passage_text:
                problems.append(f"{article.path}: passage {position} text differs from text[{start}:{end}]")
            elif not (0 <= first < last <= len(sentences)) or (
                    sentences[first].start != start or sentences[last - 1].end != end):
                problems.append(f"{article.path}: passage {position} does not span sentences [{first}, {last})")
    return problems
