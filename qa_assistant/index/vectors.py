"""The FAISS side of an index: choosing, building, changing, saving and searching it.

Vectors are L2-normalised, so inner product is cosine similarity.
- Up to ``exact_index_max`` passages: ``IndexIDMap2(IndexFlatIP)``, exact search.
- Above it: ``IndexIVFFlat`` (inner product) with nlist ≈ 4·sqrt(n) lists, trained
  on the stored vectors; ids are kept by the IVF lists themselves.  ``nprobe`` is
  calibrated at build time: the smallest power of two whose recall@10 against
  exact search on sampled queries reaches ``TARGET_RECALL`` (capped at nlist/4).
Files are written with ``faiss.write_index`` and read with ``faiss.read_index``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

FLAT = "flat"
IVF = "ivf"
TARGET_RECALL = 0.95
_CALIBRATION_QUERIES = 64
_CALIBRATION_K = 10


@dataclass(frozen=True)
class FaissSpec:
    """How a generation's FAISS index is built; stored in the meta table."""

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


def needs_rebuild(spec: FaissSpec, n_passages: int, exact_index_max: int) -> bool:
    """True when the kind should change or an IVF's lists no longer fit its size."""
    if choose_kind(n_passages, exact_index_max) != spec.kind:
        return True
    return spec.kind == IVF and not spec.trained_on / 2 <= n_passages <= spec.trained_on * 2


def build(ids: np.ndarray, vectors: np.ndarray, dimension: int, exact_index_max: int) -> tuple[Any, FaissSpec]:
    """A new FAISS index over ``vectors`` (rows) with FAISS ids ``ids``."""
    import faiss

    n = len(ids)
    vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(n, dimension)
    ids = np.ascontiguousarray(ids, dtype=np.int64)
    if choose_kind(n, exact_index_max) == FLAT:
        flat = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
        if n:
            flat.add_with_ids(vectors, ids)
        return flat, FaissSpec(FLAT)
    nlist = max(1, int(round(4 * math.sqrt(n))))
    quantizer = faiss.IndexFlatIP(dimension)
    index: Any = faiss.IndexIVFFlat(quantizer, dimension, nlist, faiss.METRIC_INNER_PRODUCT)
    index.cp.niter = 10
    rng = np.random.default_rng(0)
    sample = vectors if n <= 64 * nlist else vectors[rng.choice(n, 64 * nlist, replace=False)]
    index.train(sample)
    index.add_with_ids(vectors, ids)
    nprobe, recall = _calibrate(index, ids, vectors, nlist, rng)
    index.nprobe = nprobe
    return index, FaissSpec(IVF, nlist=nlist, nprobe=nprobe, trained_on=n, recall=recall)


def _calibrate(index: Any, ids: np.ndarray, vectors: np.ndarray, nlist: int,
               rng: np.random.Generator) -> tuple[int, float]:
    """Smallest power-of-two nprobe reaching TARGET_RECALL@10 on queries between stored vectors."""
    n = len(vectors)
    pairs = rng.integers(0, n, size=(_CALIBRATION_QUERIES, 2))
    queries = vectors[pairs[:, 0]] + vectors[pairs[:, 1]]
    queries /= np.linalg.norm(queries, axis=1, keepdims=True) + 1e-12
    k = min(_CALIBRATION_K, n)
    scores = queries @ vectors.T
    exact = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    exact_ids = [set(ids[row].tolist()) for row in exact]
    cap = max(1, nlist // 4)
    nprobe, recall = 1, 0.0
    while True:
        index.nprobe = nprobe
        _, found = index.search(queries, k)
        recall = float(np.mean([len(exact_ids[i] & set(found[i].tolist())) / k for i in range(len(queries))]))
        if recall >= TARGET_RECALL or nprobe >= cap:
            return nprobe, recall
        nprobe = min(nprobe * 2, cap)


def apply_changes(index: Any, remove_ids: list[int], add_ids: list[int], add_vectors: np.ndarray) -> None:
    """Remove and add passages in place."""
    import faiss

    if remove_ids:
        index.remove_ids(faiss.IDSelectorBatch(np.asarray(remove_ids, dtype=np.int64)))
    if add_ids:
        index.add_with_ids(np.ascontiguousarray(add_vectors, dtype=np.float32),
                           np.asarray(add_ids, dtype=np.int64))


def write(index: Any, path: Path) -> None:
    import faiss

    faiss.write_index(index, str(path))


def load(path: Path, spec: FaissSpec) -> Any:
    """Read a FAISS file (raises RuntimeError/OSError when it is damaged)."""
    import faiss

    index = faiss.read_index(str(path))
    if spec.kind == IVF:
        faiss.extract_index_ivf(index).nprobe = max(1, spec.nprobe)
    return index


def search(index: Any, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
    """(id, cosine) of the ``k`` nearest passages, best first."""
    import faiss

    if index.ntotal == 0 or k <= 0:
        return []
    query = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, -1)
    # One query gains nothing from OpenMP threads, and on a busy machine their barrier
    # costs tens of milliseconds; the setting is per calling thread, so restore it.
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        scores, ids = index.search(query, min(k, index.ntotal))
    finally:
        faiss.omp_set_num_threads(threads)
    return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i != -1]


def contents(index: Any) -> tuple[np.ndarray, np.ndarray]:
    """Every (id, vector) the index holds, in its internal order (for verification)."""
    import faiss

    if isinstance(index, faiss.IndexIDMap2) or isinstance(index, faiss.IndexIDMap):
        ids = faiss.vector_to_array(index.id_map).astype(np.int64)
        if index.ntotal == 0:
            return ids, np.zeros((0, index.d), dtype=np.float32)
        return ids, index.index.reconstruct_n(0, index.ntotal)
    ivf = faiss.extract_index_ivf(index)
    lists: Any = ivf.invlists
    all_ids: list[np.ndarray] = []
    all_vectors: list[np.ndarray] = []
    for number in range(ivf.nlist):
        size = lists.list_size(number)
        if size == 0:
            continue
        all_ids.append(faiss.rev_swig_ptr(lists.get_ids(number), size).copy())
        codes = faiss.rev_swig_ptr(lists.get_codes(number), size * lists.code_size).copy()
        all_vectors.append(codes.view(np.float32).reshape(size, ivf.d))
    if not all_ids:
        return np.zeros(0, dtype=np.int64), np.zeros((0, ivf.d), dtype=np.float32)
    return np.concatenate(all_ids).astype(np.int64), np.concatenate(all_vectors)
