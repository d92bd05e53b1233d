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
    from ..embedding.embedder import Embedder

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


def _texts(doc: Document, embed_passages: bool) -> list[str]:
    sentences = [doc.text[s.start:s.end] for s in doc.sentences]
    if not embed_passages:
        return sentences
    passages = [doc.text[doc.sentences[first].start:doc.sentences[last - 1].end] for first, last in doc.passages]
    return sentences + passages


def mean_passage_vectors(doc: Document, sentence_vectors: np.ndarray) -> np.ndarray:
    """Each passage's vector as the L2-normalised mean of its sentences' vectors.

    A plain mean: on SQuAD, weighting sentences by their length in words retrieved less
    (fused recall@5 0.948 against 0.951).
    """
    out = np.zeros((len(doc.passages), sentence_vectors.shape[1]), np.float32)
    for row, (first, last) in enumerate(doc.passages):
        out[row] = sentence_vectors[first:last].sum(axis=0)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms > 0, norms, 1.0)


def embed_and_store(docs: list[tuple[Document, int | None]], embedder: Embedder, writer: StoreWriter,
                    progress: Callable[[UpdateProgress], None] | None, passage_vectors: str = "embed") -> Applied:
    """Embed sentences and passages in groups and write them (replacing ``article_id`` when given).

    ``passage_vectors="mean"`` embeds sentences only and derives passage vectors with
    :func:`mean_passage_vectors`.
    """
    embed_passages = passage_vectors == "embed"
    applied = Applied()
    total = sum(len(d.sentences) + (len(d.passages) if embed_passages else 0) for d, _ in docs)
    done = 0
    group: list[tuple[Document, int | None]] = []
    group_size = 0

    def flush() -> None:
        nonlocal done, group, group_size
        texts = [t for d, _ in group for t in _texts(d, embed_passages)]
        base = done

        def report(n_done: int) -> None:
            if progress is not None:
                progress(UpdateProgress("embed", base + n_done, total, group[-1][0].path))

        matrix = embedder.encode(texts, progress=report) if texts else np.zeros((0, embedder.dimension), np.float32)
        offset = 0
        for doc, article_id in group:
            n_s = len(doc.sentences)
            n_p = len(doc.passages) if embed_passages else 0
            sentence_vectors = matrix[offset:offset + n_s]
            if embed_passages:
                passage_matrix = matrix[offset + n_s:offset + n_s + n_p]
            else:
                passage_matrix = mean_passage_vectors(doc, sentence_vectors)
            offset += n_s + n_p
            if article_id is None:
                _, new_ids = writer.add_article(doc, sentence_vectors, passage_matrix)
                applied.added += 1
            else:
                old_ids, new_ids = writer.replace_article(article_id, doc, sentence_vectors, passage_matrix)
                applied.old_passage_ids.extend(old_ids)
                applied.changed += 1
            applied.new_passage_ids.extend(new_ids)
        done += len(texts)
        group, group_size = [], 0

    for doc, article_id in docs:
        group.append((doc, article_id))
        group_size += len(doc.sentences) + (len(doc.passages) if embed_passages else 0)
        if group_size >= _GROUP_TEXTS:
            flush()
    if group:
        flush()
    return applied
