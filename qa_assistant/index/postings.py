"""BM25 postings kept with the index instead of rebuilt at every start.

A term is keyed by the first 8 bytes of its BLAKE2b digest (no vocabulary table).
The base postings are immutable ``.npy`` arrays (memory-mapped, checksummed)
covering the passages merged at the last compaction; newer passages keep their
postings in the store (``delta_terms``) and are scored together with the base,
with the same global statistics, as Lucene scores its segments: N, document
frequencies and the mean length count every row of the base, tombstoned ones
included, until the next merge drops them.  The scores are bm25s's default
(Lucene IDF, k1 = 1.5, b = 0.75), so a fresh index ranks as bm25s did.
"""

from __future__ import annotations

import hashlib
import math
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..retrieval.lexical import TermStats

K1 = 1.5
B = 0.75
ARRAYS = ("keys", "indptr", "rows", "tf", "ids", "doclen")
_KEY = np.dtype("<i8")
_TF = np.dtype("<u2")


def term_key(term: str) -> int:
    return int.from_bytes(hashlib.blake2b(term.encode("utf-8", "surrogatepass"), digest_size=8).digest(),
                          "little", signed=True)


def pack_terms(tokens: Sequence[str], keys: dict[str, int]) -> bytes:
    """A passage's postings as one BLOB: sorted int64 term keys, then uint16 counts, then its length."""
    counts = Counter(tokens)
    for term in counts:
        if term not in keys:
            keys[term] = term_key(term)
    pairs = sorted((keys[t], min(n, 65535)) for t, n in counts.items())
    k = np.array([p[0] for p in pairs], dtype=_KEY)
    tf = np.array([p[1] for p in pairs], dtype=_TF)
    return k.tobytes() + tf.tobytes() + np.array([len(tokens)], dtype="<u4").tobytes()


def unpack_terms(blob: bytes) -> tuple[np.ndarray, np.ndarray, int]:
    n = (len(blob) - 4) // 10
    if n * 10 + 4 != len(blob):
        raise ValueError("postings BLOB has a wrong size")
    keys = np.frombuffer(blob, dtype=_KEY, count=n)
    tf = np.frombuffer(blob, dtype=_TF, count=n, offset=8 * n)
    length = int(np.frombuffer(blob, dtype="<u4", count=1, offset=10 * n)[0])
    return keys, tf, length


@dataclass
class Postings:
    """Postings of some passages by term: ``rows[indptr[i]:indptr[i+1]]`` hold ``keys[i]``."""

    keys: np.ndarray
    indptr: np.ndarray
    rows: np.ndarray
    tf: np.ndarray
    ids: np.ndarray
    """Passage id of each row, ascending."""
    doclen: np.ndarray

    @property
    def n_rows(self) -> int:
        return len(self.ids)

    @classmethod
    def empty(cls) -> Postings:
        return cls(np.zeros(0, _KEY), np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, _TF),
                   np.zeros(0, np.int64), np.zeros(0, np.int32))

    @classmethod
    def from_blobs(cls, items: Iterable[tuple[int, bytes]]) -> Postings:
        """Postings of ``(passage id, pack_terms BLOB)`` pairs."""
        builder = PostingsBuilder()
        for passage_id, blob in items:
            builder.add(passage_id, blob)
        return builder.finish()

    def column(self, key: int) -> tuple[np.ndarray, np.ndarray]:
        at = int(np.searchsorted(self.keys, key))
        if at >= len(self.keys) or int(self.keys[at]) != key:
            return self.rows[:0], self.tf[:0]
        lo, hi = int(self.indptr[at]), int(self.indptr[at + 1])
        return self.rows[lo:hi], self.tf[lo:hi]

    def df(self, key: int) -> int:
        return len(self.column(key)[0])

    def blobs(self, keep: np.ndarray) -> Iterable[tuple[int, bytes]]:
        """Not used at query time: (id, BLOB) of the rows where ``keep`` is true (merging)."""
        order = np.argsort(self.rows, kind="stable")
        key_of = np.repeat(self.keys, np.diff(self.indptr))[order]
        rows, tf = self.rows[order], self.tf[order]
        bounds = np.searchsorted(rows, np.arange(self.n_rows + 1))
        for row in np.flatnonzero(keep):
            lo, hi = bounds[row], bounds[row + 1]
            yield int(self.ids[row]), (key_of[lo:hi].astype(_KEY).tobytes() + tf[lo:hi].astype(_TF).tobytes()
                                       + np.array([self.doclen[row]], dtype="<u4").tobytes())

    def save(self, folder: Path) -> dict[str, list[int]]:
        """Write the arrays (no pickle) and return {file name: [size, crc32]}."""
        folder.mkdir(parents=True, exist_ok=True)
        files: dict[str, list[int]] = {}
        for name in ARRAYS:
            path = folder / f"{name}.npy"
            np.save(path, np.ascontiguousarray(getattr(self, name)), allow_pickle=False)
            files[path.name] = [path.stat().st_size, file_crc(path)]
        return files

    @classmethod
    def load(cls, folder: Path) -> Postings:
        """Memory-map the arrays (raises OSError/ValueError when a file is missing or damaged)."""
        arrays = {name: np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False) for name in ARRAYS}
        postings = cls(**arrays)
        if (len(postings.indptr) != len(postings.keys) + 1 or len(postings.rows) != len(postings.tf)
                or int(postings.indptr[-1]) != len(postings.rows) or len(postings.ids) != len(postings.doclen)):
            raise ValueError("postings arrays disagree in length")
        return postings


class PostingsBuilder:
    """Collects passage BLOBs in bounded numpy chunks, then sorts them into :class:`Postings`."""

    def __init__(self) -> None:
        self._ids: list[int] = []
        self._lengths: list[int] = []
        self._keys: list[np.ndarray] = []
        self._tf: list[np.ndarray] = []
        self._rows: list[np.ndarray] = []

    def add(self, passage_id: int, blob: bytes) -> None:
        keys, tf, length = unpack_terms(blob)
        row = len(self._ids)
        self._ids.append(passage_id)
        self._lengths.append(length)
        self._keys.append(keys)
        self._tf.append(tf)
        self._rows.append(np.full(len(keys), row, dtype=np.int32))

    def finish(self) -> Postings:
        if not self._ids:
            return Postings.empty()
        ids = np.asarray(self._ids, dtype=np.int64)
        by_id = np.argsort(ids, kind="stable")
        new_row = np.empty(len(ids), dtype=np.int32)
        new_row[by_id] = np.arange(len(ids), dtype=np.int32)
        keys = np.concatenate(self._keys)
        rows = new_row[np.concatenate(self._rows)]
        tf = np.concatenate(self._tf)
        order = np.lexsort((rows, keys))
        keys, rows, tf = keys[order], rows[order], tf[order]
        unique, starts = np.unique(keys, return_index=True)
        indptr = np.append(starts, len(keys)).astype(np.int64)
        return Postings(unique.astype(_KEY), indptr, rows, tf, ids[by_id],
                        np.asarray(self._lengths, dtype=np.int32)[by_id])


def file_crc(path: Path) -> int:
    crc = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 22):
            crc = zlib.crc32(chunk, crc)
    return crc


class Bm25(TermStats):
    """BM25 over base + delta postings with shared statistics; also the IDF of single terms."""

    def __init__(self, base: Postings, delta: Postings, tombstones: np.ndarray) -> None:
        super().__init__()
        self.base, self.delta = base, delta
        self.n_docs = base.n_rows + delta.n_rows
        total = float(np.sum(base.doclen, dtype=np.int64) + np.sum(delta.doclen, dtype=np.int64))
        avgdl = total / self.n_docs if self.n_docs else 1.0
        self._norms = [K1 * ((1 - B) + B * np.asarray(p.doclen, dtype=np.float32) / avgdl) for p in (base, delta)]
        self._dead = np.flatnonzero(np.isin(base.ids, tombstones)) if len(tombstones) else np.zeros(0, np.int64)
        self._keys: dict[str, int] = {}
        self._idf: dict[str, float] = {}

    def idf(self, term: str) -> float:
        cached = self._idf.get(term)
        if cached is None:
            key = self._key(term)
            df = self.base.df(key) + self.delta.df(key)
            cached = math.log(1.0 + (self.n_docs - df + 0.5) / (df + 0.5))
            self._idf[term] = cached
        return cached

    def _key(self, term: str) -> int:
        key = self._keys.get(term)
        if key is None:
            key = self._keys[term] = term_key(term)
        return key

    def scores(self, tokens: Sequence[str]) -> LexicalScores:
        """BM25 score of every live passage for the question's distinct terms."""
        parts = [np.zeros(p.n_rows, dtype=np.float32) for p in (self.base, self.delta)]
        for term in dict.fromkeys(tokens):
            key = self._key(term)
            columns = [p.column(key) for p in (self.base, self.delta)]
            if not any(len(rows) for rows, _ in columns):
                continue
            weight = self.idf(term)
            for scores, norm, (rows, tf) in zip(parts, self._norms, columns, strict=True):
                if len(rows):
                    tf32 = np.asarray(tf, dtype=np.float32)
                    scores[rows] += weight * tf32 / (norm[rows] + tf32)
        parts[0][self._dead] = 0.0
        return LexicalScores(self.base.ids, self.delta.ids, parts[0], parts[1])


@dataclass(frozen=True)
class LexicalScores:
    base_ids: np.ndarray
    delta_ids: np.ndarray
    base: np.ndarray
    delta: np.ndarray

    def top(self, k: int) -> list[tuple[int, float]]:
        """(passage id, score) of the k best scores above 0, best first."""
        found: list[tuple[int, float]] = []
        for ids, scores in ((self.base_ids, self.base), (self.delta_ids, self.delta)):
            n = min(k, len(scores))
            if n <= 0:
                continue
            best = np.argpartition(-scores, n - 1)[:n]
            found += [(int(ids[i]), float(scores[i])) for i in best if scores[i] > 0]
        found.sort(key=lambda pair: (-pair[1], pair[0]))
        return found[:k]

    def of(self, passage_ids: Sequence[int]) -> np.ndarray:
        """Scores of the given passages (0 for one not found)."""
        wanted = np.asarray(passage_ids, dtype=np.int64)
        out = np.zeros(len(wanted), dtype=np.float32)
        for ids, scores in ((self.base_ids, self.base), (self.delta_ids, self.delta)):
            if not len(ids):
                continue
            at = np.clip(np.searchsorted(ids, wanted), 0, len(ids) - 1)
            hit = ids[at] == wanted
            out[hit] = scores[at[hit]]
        return out
