"""Dense passage search behind a small interface (add, delete, search, count, vectors).

Vectors are L2-normalised, so inner product is cosine similarity.
- Up to ``exact_index_max`` passages: exact search, ``IndexIDMap2(IndexFlatIP)``
  built in memory at open from the passages' 8-bit codes in the store (nothing
  FAISS on disk, so an update writes no FAISS file).
- Above it: the base passages live in ``passages.faiss``, an
  ``IndexIVFScalarQuantizer`` (8-bit, inner product, nlist ≈ 2·√n, trained on
  32·nlist sampled vectors, so training stays seconds at 100k articles) written when
  the base is merged; its lists are trained again only when the base has halved
  or doubled since training.  Newer passages are searched exactly beside it and
  deleted base passages are removed from the loaded copy.  ``nprobe`` is
  calibrated at build time: the smallest power of two whose recall@10 against
  exact search on sampled queries reaches ``TARGET_RECALL`` (capped at nlist/4).

A distributed backend would implement :class:`VectorSearch` over its own engine.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

FLAT = "flat"
IVF = "ivf"
FAISS_NAME = "passages.faiss"
TARGET_RECALL = 0.95
_CALIBRATION_QUERIES = 64
_CALIBRATION_K = 10
_TRAIN_PER_LIST = 32
"""Training points per list: k-means on 32·nlist sampled vectors (at 670k passages, 52k points)."""


class VectorSearch(Protocol):
    """What the index needs from a vector engine; ids are passage ids."""

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...
    def delete(self, ids: Sequence[int]) -> None: ...
    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]: ...
    def count(self) -> int: ...
    def vectors(self, ids: Sequence[int]) -> dict[int, np.ndarray]: ...


@dataclass(frozen=True)
class FaissSpec:
    """How the base FAISS index was built; stored in the meta table."""

    kind: str
    nlist: int = 0
    nprobe: int = 0
    trained_on: int = 0
    recall: float = 1.0

    def to_meta(self) -> dict[str, str]:
        return {"faiss_kind": self.kind, "faiss_nlist": str(self.nlist), "faiss_nprobe": str(self.nprobe),
                "faiss_trained_on": str(self.trained_on), "faiss_recall": f"{self.recall:.4f}"}

    @classmethod
    def from_meta(cls, meta: dict[str, str]) -> FaissSpec:
        return cls(kind=meta.get("faiss_kind", FLAT), nlist=int(meta.get("faiss_nlist", 0)),
                   nprobe=int(meta.get("faiss_nprobe", 0)), trained_on=int(meta.get("faiss_trained_on", 0)),
                   recall=float(meta.get("faiss_recall", 1.0)))


def choose_kind(n_passages: int, exact_index_max: int) -> str:
    return FLAT if n_passages <= exact_index_max else IVF


def needs_training(spec: FaissSpec, n_passages: int) -> bool:
    """True when an IVF's lists no longer fit its size (halved or doubled since training)."""
    return spec.kind != IVF or not spec.trained_on / 2 <= n_passages <= spec.trained_on * 2


class FaissVectors:
    """:class:`VectorSearch` over one FAISS index (flat with an id map, or IVF)."""

    def __init__(self, index: Any) -> None:
        self.index = index

    @classmethod
    def flat(cls, dimension: int, ids: np.ndarray | None = None, vectors: np.ndarray | None = None) -> FaissVectors:
        import faiss

        found = cls(faiss.IndexIDMap2(faiss.IndexFlatIP(dimension)))
        if ids is not None and vectors is not None and len(ids):
            found.add(ids, vectors)
        return found

    @classmethod
    def load(cls, path: Path, spec: FaissSpec) -> FaissVectors:
        """Read an IVF base (raises RuntimeError/OSError when it is damaged)."""
        import faiss

        index = faiss.read_index(str(path))
        ivf = faiss.extract_index_ivf(index)
        ivf.nprobe = max(1, spec.nprobe)
        ivf.set_direct_map_type(faiss.DirectMap.Hashtable)  # type: ignore[attr-defined]
        return cls(index)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32),
                                np.ascontiguousarray(ids, dtype=np.int64))

    def delete(self, ids: Sequence[int]) -> None:
        import faiss

        if not len(ids):
            return
        wanted = np.ascontiguousarray(ids, dtype=np.int64)
        if isinstance(self.index, faiss.IndexIDMap2):
            self.index.remove_ids(faiss.IDSelectorBatch(wanted))
        else:  # an IVF with a hashtable direct map removes an array of ids one lookup each
            self.index.remove_ids(faiss.IDSelectorArray(len(wanted), faiss.swig_ptr(wanted)))

    def count(self) -> int:
        return int(self.index.ntotal)

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        import faiss

        if self.index.ntotal == 0 or k <= 0:
            return []
        query = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, -1)
        # One query gains nothing from OpenMP threads, and on a busy machine their barrier
        # costs tens of milliseconds; the setting is per calling thread, so restore it.
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            scores, ids = self.index.search(query, min(k, self.index.ntotal))
        finally:
            faiss.omp_set_num_threads(threads)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i != -1]

    def vectors(self, ids: Sequence[int]) -> dict[int, np.ndarray]:
        found: dict[int, np.ndarray] = {}
        for i in ids:
            try:
                found[int(i)] = self.index.reconstruct(int(i))
            except RuntimeError:  # not held here
                continue
        return found

    def ids(self) -> np.ndarray:
        """Every id held (for verification)."""
        import faiss

        if isinstance(self.index, faiss.IndexIDMap2):
            return faiss.vector_to_array(self.index.id_map).astype(np.int64)
        ivf = faiss.extract_index_ivf(self.index)
        lists: Any = ivf.invlists
        parts = [faiss.rev_swig_ptr(lists.get_ids(n), lists.list_size(n)).copy()
                 for n in range(ivf.nlist) if lists.list_size(n)]
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)


class LayeredVectors:
    """The base (IVF, possibly none) and the newer passages (exact), searched as one."""

    def __init__(self, base: FaissVectors | None, delta: FaissVectors) -> None:
        self.base, self.delta = base, delta

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        self.delta.add(ids, vectors)

    def delete(self, ids: Sequence[int]) -> None:
        for part in self._parts():
            part.delete(ids)

    def count(self) -> int:
        return sum(part.count() for part in self._parts())

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        hits = [hit for part in self._parts() for hit in part.search(vector, k)]
        hits.sort(key=lambda hit: -hit[1])
        return hits[:k]

    def vectors(self, ids: Sequence[int]) -> dict[int, np.ndarray]:
        found = self.delta.vectors(ids)
        missing = [i for i in ids if int(i) not in found]
        if missing and self.base is not None:
            found.update(self.base.vectors(missing))
        return found

    def _parts(self) -> list[FaissVectors]:
        return [self.delta] if self.base is None else [self.base, self.delta]


Chunks = Callable[[], Iterator[tuple[np.ndarray, np.ndarray]]]
"""Calling it iterates (ids, float32 vectors) over every passage, in bounded chunks."""


def build_ivf(chunks: Chunks, n: int, dimension: int) -> tuple[Any, FaissSpec]:
    """A freshly trained IVF-SQ8 index over ``n`` passages (three passes: sample, add, calibrate)."""
    import faiss

    nlist = max(1, int(round(2 * math.sqrt(n))))
    step = max(1, n // (_TRAIN_PER_LIST * nlist))
    sample = np.concatenate([vectors[::step] for _, vectors in chunks()] or [np.zeros((0, dimension), np.float32)])
    quantizer = faiss.IndexFlatIP(dimension)
    index = faiss.IndexIVFScalarQuantizer(quantizer, dimension, nlist, faiss.ScalarQuantizer.QT_8bit,
                                          faiss.METRIC_INNER_PRODUCT)
    index.cp.niter = 10
    index.train(np.ascontiguousarray(sample, dtype=np.float32))
    for ids, vectors in chunks():
        index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.ascontiguousarray(ids, np.int64))
    nprobe, recall = calibrate(index, chunks, sample, nlist)
    return index, FaissSpec(IVF, nlist=nlist, nprobe=nprobe, trained_on=n, recall=recall)


def calibrate(index: Any, chunks: Chunks, sample: np.ndarray, nlist: int) -> tuple[int, float]:
    """Smallest power-of-two nprobe reaching TARGET_RECALL@10 on queries between stored vectors."""
    rng = np.random.default_rng(0)
    pairs = rng.integers(0, len(sample), size=(_CALIBRATION_QUERIES, 2))
    queries = sample[pairs[:, 0]] + sample[pairs[:, 1]]
    queries /= np.linalg.norm(queries, axis=1, keepdims=True) + 1e-12
    k = min(_CALIBRATION_K, int(index.ntotal))
    best_scores = np.full((len(queries), 0), -np.inf, dtype=np.float32)
    best_ids = np.zeros((len(queries), 0), dtype=np.int64)
    for ids, vectors in chunks():  # exact top-k, one chunk at a time
        scores = np.concatenate([best_scores, queries @ vectors.T], axis=1)
        all_ids = np.concatenate([best_ids, np.broadcast_to(ids, (len(queries), len(ids)))], axis=1)
        keep = np.argsort(-scores, axis=1)[:, :k]
        best_scores, best_ids = np.take_along_axis(scores, keep, 1), np.take_along_axis(all_ids, keep, 1)
    exact_ids = [set(row.tolist()) for row in best_ids]
    cap = max(1, nlist // 4)
    nprobe, recall = 1, 0.0
    while True:
        index.nprobe = nprobe
        _, found = index.search(queries, k)
        recall = float(np.mean([len(exact_ids[i] & set(found[i].tolist())) / k for i in range(len(queries))]))
        if recall >= TARGET_RECALL or nprobe >= cap:
            return nprobe, recall
        nprobe = min(nprobe * 2, cap)


def write(index: Any, path: Path) -> None:
    import faiss

    faiss.write_index(index, str(path))
