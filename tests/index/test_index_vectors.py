"""The FAISS side: exact below exact_index_max, IVF above it, changes in place, files round trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from index_helpers import HashEmbedder, write_tree

from qa_assistant.config import Settings
from qa_assistant.index import open_index, update_index, vectors, verify_index


def clustered(n: int, dim: int = 32, clusters: int = 40, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim))
    points = centres[rng.integers(0, clusters, n)] + 0.3 * rng.standard_normal((n, dim))
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    return points.astype(np.float32)


def test_flat_is_exact_and_changes_in_place(tmp_path: Path) -> None:
    data = clustered(500)
    ids = np.arange(1000, 1500, dtype=np.int64)
    index, spec = vectors.build(ids, data, 32, exact_index_max=500)
    assert spec.kind == vectors.FLAT
    exact = int(np.argmax(data @ data[7]))
    assert vectors.search(index, data[7], 1)[0][0] == 1000 + exact
    vectors.apply_changes(index, [1007], [5000], data[7:8])
    assert vectors.search(index, data[7], 1)[0][0] == 5000
    vectors.write(index, tmp_path / "x.faiss")
    again = vectors.load(tmp_path / "x.faiss", spec)
    held_ids, held = vectors.contents(again)
    assert sorted(held_ids.tolist()) == sorted([i for i in ids.tolist() if i != 1007] + [5000])
    assert np.allclose(held[held_ids.tolist().index(5000)], data[7])


def test_ivf_above_the_limit_keeps_recall_high(tmp_path: Path) -> None:
    data = clustered(3000)
    ids = np.arange(3000, dtype=np.int64) * 3 + 1
    index, spec = vectors.build(ids, data, 32, exact_index_max=1000)
    assert spec.kind == vectors.IVF
    assert spec.nlist == round(4 * np.sqrt(3000)) and 1 <= spec.nprobe <= spec.nlist // 4
    assert spec.recall >= vectors.TARGET_RECALL
    queries = clustered(50, seed=1)
    hits = 0
    for query in queries:
        truth = set((ids[np.argsort(-(data @ query))[:10]]).tolist())
        hits += len(truth & {i for i, _ in vectors.search(index, query, 10)})
    assert hits / 500 >= 0.9
    vectors.apply_changes(index, [1, 4], [99999], data[:1])
    vectors.write(index, tmp_path / "ivf.faiss")
    again = vectors.load(tmp_path / "ivf.faiss", spec)
    held_ids, held = vectors.contents(again)
    assert len(held_ids) == 2999 and 1 not in set(held_ids.tolist()) and 99999 in set(held_ids.tolist())
    assert np.allclose(held[held_ids.tolist().index(7)], data[2])
    assert not vectors.needs_rebuild(spec, 3500, 1000)
    assert vectors.needs_rebuild(spec, 7000, 1000) and vectors.needs_rebuild(spec, 900, 1000)


def test_index_switches_kind_by_size(tmp_path: Path) -> None:
    articles = {f"a{i}.txt": f"Title {i}\n\nSentence one of {i}. Sentence two of {i}.\n" for i in range(40)}
    root = write_tree(tmp_path / "articles", articles)
    settings = Settings(articles_dir=root, index_dir=tmp_path / "index", exact_index_max=30)
    update_index(settings, HashEmbedder())
    with open_index(settings.index_dir) as reader:
        assert reader.meta.faiss_kind == vectors.IVF and reader.counts()[2] == 40
        assert int(reader.meta_values["faiss_nprobe"]) >= 1
    assert verify_index(settings) == []
    (root / "extra.txt").write_text("Extra\n\nOne more article here.\n", encoding="utf-8")
    update_index(settings, HashEmbedder())  # incremental add into the trained IVF
    assert verify_index(settings) == []
    for path in list(root.glob("a1*.txt")) + list(root.glob("a2*.txt")):
        path.unlink()
    update_index(settings, HashEmbedder())  # 19 passages: back to exact search
    with open_index(settings.index_dir) as reader:
        assert reader.meta.faiss_kind == vectors.FLAT and reader.counts()[2] == 19
    assert verify_index(settings) == []
