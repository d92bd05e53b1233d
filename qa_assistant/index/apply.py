"""Parsing and embedding the files an update must (re)index, and writing their rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..config import Settings
from ..errors import IngestError
from ..ingest import ArticleFile, parse_document, read_article_bytes
from ..models import Document, IngestFailure, UpdateProgress
from .store import StoreWriter

if TYPE_CHECKING:
    from ..embed import Embedder

_GROUP_TEXTS = 1024
"""Texts embedded per call: bounds memory while keeping the embedder's batches full."""


@dataclass
class Applied:
    added: int = 0
    changed: int = 0
    new_passage_ids: list[int] = field(default_factory=list)
    old_passage_ids: list[int] = field(default_factory=list)
    failed: list[IngestFailure] = field(default_factory=list)


def parse_files(jobs: list[tuple[ArticleFile, int | None]], settings: Settings,
                progress: Callable[[UpdateProgress], None] | None) -> tuple[list[tuple[Document, int | None]],
                                                                             list[IngestFailure]]:
    """Read and parse each file; a file that fails is reported and skipped."""
    docs: list[tuple[Document, int | None]] = []
    failed: list[IngestFailure] = []
    for done, (file, article_id) in enumerate(jobs, 1):
        try:
            data = read_article_bytes(file)
            docs.append((parse_document(file.relpath, data, file.mtime, settings), article_id))
        except IngestError as exc:
            failed.append(IngestFailure(file.relpath, str(exc)))
        if progress is not None:
            progress(UpdateProgress("read", done, len(jobs), file.relpath))
    return docs, failed


def _texts(doc: Document) -> list[str]:
    sentences = [doc.text[s.start:s.end] for s in doc.sentences]
    passages = [doc.text[doc.sentences[first].start:doc.sentences[last - 1].end] for first, last in doc.passages]
    return sentences + passages


def embed_and_store(docs: list[tuple[Document, int | None]], embedder: Embedder, writer: StoreWriter,
                    progress: Callable[[UpdateProgress], None] | None) -> Applied:
    """Embed sentences and passages in groups and write them (replacing ``article_id`` when given)."""
    applied = Applied()
    total = sum(len(d.sentences) + len(d.passages) for d, _ in docs)
    done = 0
    group: list[tuple[Document, int | None]] = []
    group_size = 0

    def flush() -> None:
        nonlocal done, group, group_size
        texts = [t for d, _ in group for t in _texts(d)]
        base = done

        def report(n_done: int) -> None:
            if progress is not None:
                progress(UpdateProgress("embed", base + n_done, total, group[-1][0].path))

        matrix = embedder.encode(texts, progress=report) if texts else np.zeros((0, embedder.dimension), np.float32)
        offset = 0
        for doc, article_id in group:
            n_s, n_p = len(doc.sentences), len(doc.passages)
            sentence_vectors = matrix[offset:offset + n_s]
            passage_vectors = matrix[offset + n_s:offset + n_s + n_p]
            offset += n_s + n_p
            if article_id is None:
                _, new_ids = writer.add_article(doc, sentence_vectors, passage_vectors)
                applied.added += 1
            else:
                old_ids, new_ids = writer.replace_article(article_id, doc, sentence_vectors, passage_vectors)
                applied.old_passage_ids.extend(old_ids)
                applied.changed += 1
            applied.new_passage_ids.extend(new_ids)
        done += len(texts)
        group, group_size = [], 0

    for doc, article_id in docs:
        group.append((doc, article_id))
        group_size += len(doc.sentences) + len(doc.passages)
        if group_size >= _GROUP_TEXTS:
            flush()
    if group:
        flush()
    return applied
