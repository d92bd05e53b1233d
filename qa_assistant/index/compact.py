"""Merging the delta (passages newer than the base) and the tombstones into a new base.

The base is an immutable folder ``base-<k>/`` beside the store: the BM25 postings
of the passages it covers and, above ``exact_index_max`` passages, their IVF
index (``passages.faiss``, which is then the only copy of their vectors).  Each
update adds its passages to the delta inside the store; once the delta passes
:func:`merge_due`'s size, the update writes a new base folder (fsynced) and the
same transaction that commits the update points the store at it.  The old base
folder is deleted by the next update, so a reader that still holds the previous
generation keeps its files.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ..fsutil import fsync_path
from . import codec, vectors
from .postings import Postings, PostingsBuilder, file_crc

DELTA_MIN = 2_000
"""The delta may always hold this many passages before a merge."""
DELTA_SHARE = 0.10
"""... or this share of the base, whichever is larger,"""
DELTA_MAX = 20_000
"""... but never more than this (it is searched exactly and loaded at every open)."""
_CHUNK = 20_000


def merge_due(n_base: int, n_delta: int, n_tombstones: int) -> bool:
    limit = min(DELTA_MAX, max(DELTA_MIN, int(DELTA_SHARE * n_base)))
    return n_delta > limit or n_tombstones > max(DELTA_MIN, int(DELTA_SHARE * n_base))


def base_name(meta: dict[str, str]) -> str:
    return meta.get("base", "")


def load_base_postings(folder: Path, meta: dict[str, str]) -> Postings:
    name = base_name(meta)
    return Postings.load(folder / name) if name else Postings.empty()


def merge(conn: sqlite3.Connection, epoch_folder: Path, meta: dict[str, str], dimension: int,
          exact_index_max: int, collected: PostingsBuilder | None = None) -> dict[str, str]:
    """Write a new base from the current one, the delta and ``collected`` postings (a build
    from scratch); return the meta values that make it live (the caller commits them with
    the rest of the update)."""
    from .checks import base_files_ok

    base_files_ok(epoch_folder.parent, epoch_folder, meta)  # a merge reads the whole base: check it first
    number = int(meta.get("base_number", "0")) + 1
    folder = epoch_folder / f"base-{number}"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir()
    tombstones = np.array([r[0] for r in conn.execute("SELECT passage_id FROM tombstones")], dtype=np.int64)
    old = load_base_postings(epoch_folder, meta)
    builder = collected if collected is not None else PostingsBuilder()
    for passage_id, blob in old.blobs(~np.isin(old.ids, tombstones)):
        builder.add(passage_id, blob)
    for passage_id, blob in conn.execute("SELECT passage_id, terms FROM delta_terms"):
        builder.add(passage_id, blob)
    postings = builder.finish()
    files = postings.save(folder)
    del builder

    n_passages = conn.execute("SELECT count(*) FROM passages").fetchone()[0]
    old_spec = vectors.FaissSpec.from_meta(meta)
    kind = vectors.choose_kind(n_passages, exact_index_max)
    old_ivf = _old_ivf(epoch_folder, meta, old_spec, tombstones)
    spec = vectors.FaissSpec(vectors.FLAT)
    if kind == vectors.FLAT:
        if old_ivf is not None:  # shrunk below the limit: the base vectors go back into the store
            _restore_codes(conn, old_ivf)
    else:
        spec = _write_ivf(conn, folder, dimension, n_passages, old_spec, old_ivf)
        files[vectors.FAISS_NAME] = [(folder / vectors.FAISS_NAME).stat().st_size,
                                     file_crc(folder / vectors.FAISS_NAME)]
    for entry in folder.iterdir():
        fsync_path(entry)
    fsync_path(folder)
    fsync_path(epoch_folder)
    conn.execute("DELETE FROM delta_terms")
    conn.execute("DELETE FROM tombstones")
    import json

    values = {"base": folder.name, "base_number": str(number), "base_files": json.dumps(files),
              "base_passages": str(postings.n_rows)}
    values.update(spec.to_meta())
    return values


def _old_ivf(epoch_folder: Path, meta: dict[str, str], spec: vectors.FaissSpec,
             tombstones: np.ndarray) -> vectors.FaissVectors | None:
    if spec.kind != vectors.IVF or not base_name(meta):
        return None
    old = vectors.FaissVectors.load(epoch_folder / base_name(meta) / vectors.FAISS_NAME, spec)
    old.delete(tombstones.tolist())
    return old


def _restore_codes(conn: sqlite3.Connection, old_ivf: vectors.FaissVectors) -> None:
    ids = old_ivf.ids().tolist()
    for start in range(0, len(ids), _CHUNK):
        found = old_ivf.vectors(ids[start:start + _CHUNK])
        pairs = list(found.items())
        codes = codec.encode(np.stack([v for _, v in pairs]), codec.PASSAGE_BITS) if pairs else []
        conn.executemany("INSERT OR REPLACE INTO passage_vectors (passage_id, vector) VALUES (?, ?)",
                         [(pid, code) for (pid, _), code in zip(pairs, codes, strict=True)])


def _delta_chunks(conn: sqlite3.Connection, dimension: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    last = -1
    while True:
        rows = conn.execute("SELECT passage_id, vector FROM passage_vectors WHERE passage_id > ? "
                            "ORDER BY passage_id LIMIT ?", (last, _CHUNK)).fetchall()
        if not rows:
            return
        last = rows[-1][0]
        matrix = codec.decode([r[1] for r in rows], dimension, codec.PASSAGE_BITS)
        matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
        yield np.array([r[0] for r in rows], dtype=np.int64), matrix


def _write_ivf(conn: sqlite3.Connection, folder: Path, dimension: int, n_passages: int,
               old_spec: vectors.FaissSpec, old_ivf: vectors.FaissVectors | None) -> vectors.FaissSpec:
    index: Any
    if old_ivf is not None and not vectors.needs_training(old_spec, n_passages):
        index = old_ivf.index  # same trained lists: keep the base codes as they are, add the delta
        for ids, matrix in _delta_chunks(conn, dimension):
            index.add_with_ids(matrix, ids)
        spec = old_spec
    else:
        def chunks() -> Iterator[tuple[np.ndarray, np.ndarray]]:
            if old_ivf is not None:
                ids = old_ivf.ids()
                for start in range(0, len(ids), _CHUNK):
                    part = ids[start:start + _CHUNK]
                    found = old_ivf.vectors(part.tolist())
                    yield part, np.stack([found[int(i)] for i in part])
            yield from _delta_chunks(conn, dimension)

        index, spec = vectors.build_ivf(chunks, n_passages, dimension)
    import faiss

    faiss.extract_index_ivf(index).set_direct_map_type(faiss.DirectMap.NoMap)  # type: ignore[attr-defined]
    vectors.write(index, folder / vectors.FAISS_NAME)
    conn.execute("DELETE FROM passage_vectors")  # the IVF file is now their only copy (freed pages are reused)
    return spec


def remove_unused_bases(epoch_folder: Path, keep: set[str]) -> None:
    """Delete base folders not in ``keep`` (the live base and the previous generation's)."""
    for entry in epoch_folder.glob("base-*"):
        if entry.name not in keep and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
