"""Dense search: exact below exact_index_max, IVF above it; codes; the base/delta/tombstone layers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
from index_helpers import HashEmbedder, write_tree

from qa_assistant.config import Settings
from qa_assistant.index import codec, compact, index_status, open_index, update_index, vectors, verify_index


def clustered(n: int, dim: int = 32, clusters: int = 40, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim))
    points = centres[rng.integers(0, clusters, n)] + 0.3 * rng.standard_normal((n, dim))
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    return points.astype(np.float32)


def test_codes_keep_cosines() -> None:
    data = clustered(300, dim=384)
    for bits, tolerance in ((codec.PASSAGE_BITS, 0.002), (codec.SENTENCE_BITS, 0.03)):
        codes = codec.encode(data, bits)
        assert len(codes[0]) == codec.code_size(384, bits)
        back = codec.decode(codes, 384, bits)
        back /= np.linalg.norm(back, axis=1, keepdims=True)
        assert np.mean(1 - np.sum(back * data, axis=1)) < tolerance


def test_flat_is_exact_and_changes_in_place() -> None:
    data = clustered(500)
    ids = np.arange(1000, 1500, dtype=np.int64)
    flat = vectors.FaissVectors.flat(32, ids, data)
    exact = int(np.argmax(data @ data[7]))
    assert flat.search(data[7], 1)[0][0] == 1000 + exact
    flat.delete([1007])
    flat.add(np.array([5000]), data[7:8])
    assert flat.search(data[7], 1)[0][0] == 5000 and flat.count() == 500
    assert np.allclose(flat.vectors([5000])[5000], data[7])


def test_ivf_keeps_recall_high(tmp_path: Path) -> None:
    data = clustered(3000)
    ids = np.arange(3000, dtype=np.int64) * 3 + 1

    def chunks() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for start in range(0, 3000, 700):
            yield ids[start:start + 700], data[start:start + 700]

    index, spec = vectors.build_ivf(chunks, 3000, 32)
    assert spec.kind == vectors.IVF and spec.nlist == round(2 * np.sqrt(3000))
    assert 1 <= spec.nprobe <= spec.nlist // 4 and spec.recall >= vectors.TARGET_RECALL
    vectors.write(index, tmp_path / "ivf.faiss")
    ivf = vectors.FaissVectors.load(tmp_path / "ivf.faiss", spec)
    layered = vectors.LayeredVectors(ivf, vectors.FaissVectors.flat(32))
    layered.delete([1, 4])
    layered.add(np.array([99999]), data[:1])
    hits = 0
    for query in clustered(50, seed=1):
        truth = set((ids[np.argsort(-(data @ query))[:10]]).tolist()) - {1, 4}
        found = {i for i, _ in layered.search(query, 10)}
        hits += len(truth & found) / len(truth)
    assert hits / 50 >= 0.85  # 8-bit codes; nprobe was calibrated to 0.95 on queries near stored vectors
    assert layered.count() == 2999
    assert layered.search(data[0], 1)[0][0] == 99999
    assert np.dot(layered.vectors([7])[7], data[2]) > 0.99
    assert not vectors.needs_training(spec, 3500)
    assert vectors.needs_training(spec, 7000) and vectors.needs_training(spec, 1400)


def test_index_switches_kind_by_size(tmp_path: Path, monkeypatch: object) -> None:
    articles = {f"a{i}.txt": f"Title {i}\n\nSentence one of {i}. Sentence two of {i}.\n" for i in range(40)}
    root = write_tree(tmp_path / "articles", articles)
    settings = Settings(articles_dir=root, index_dir=tmp_path / "index", exact_index_max=30)
    update_index(settings, HashEmbedder())
    with open_index(settings.index_dir) as reader:
        assert reader.meta.faiss_kind == vectors.IVF and reader.counts()[2] == 40
        assert int(reader.meta_values["faiss_nprobe"]) >= 1
        held = reader.query("SELECT count(*) FROM passage_vectors")[0][0]
        assert held == 0  # the IVF file is the only copy of the base vectors
    assert verify_index(settings) == []
    (root / "extra.txt").write_text("Extra\n\nOne more article here.\n", encoding="utf-8")
    update_index(settings, HashEmbedder())  # into the delta beside the trained IVF
    state = index_status(settings).storage
    assert state is not None and (state.base_passages, state.delta_passages) == (40, 1)
    assert verify_index(settings) == []
    with open_index(settings.index_dir) as reader:
        extra = reader.article_by_path("extra.txt")
        assert extra is not None
        sentence = reader.sentences(extra.id)[0]
        hits = reader.search(HashEmbedder().encode(["Extra One more article here."])[0], 3)
        assert hits and sentence.text
    for path in list(root.glob("a1*.txt")) + list(root.glob("a2*.txt")):
        path.unlink()
    update_index(settings, HashEmbedder())  # 19 passages: back to exact search
    with open_index(settings.index_dir) as reader:
        assert reader.meta.faiss_kind == vectors.FLAT and reader.counts()[2] == 19
        assert reader.query("SELECT count(*) FROM passage_vectors")[0][0] == 19
    assert verify_index(settings) == []


def test_delta_merges_into_a_new_base(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "articles", {f"a{i}.txt": f"Title {i}\n\nFact {i} here. More {i}.\n"
                                              for i in range(5)})
    settings = Settings(articles_dir=root, index_dir=tmp_path / "index")
    update_index(settings, HashEmbedder())
    for i in range(5, 5 + compact.DELTA_MIN + 1):
        (root / f"a{i}.txt").write_text(f"Title {i}\n\nFact {i} here.\n", encoding="utf-8")
    (root / "a0.txt").unlink()
    update_index(settings, HashEmbedder())
    state = index_status(settings).storage
    assert state is not None and state.delta_passages == 0 and state.tombstones == 0
    assert state.base_passages == 4 + compact.DELTA_MIN + 1
    assert verify_index(settings) == []
    epoch = next(settings.index_dir.glob("epoch-*"))
    assert sorted(p.name for p in epoch.glob("base-*")) == ["base-1", "base-2"]  # the previous kept one round
    (root / "a1.txt").unlink()
    update_index(settings, HashEmbedder())
    assert sorted(p.name for p in epoch.glob("base-*")) == ["base-2"]


def test_damaged_faiss_file_is_noticed_when_opening(tmp_path: Path) -> None:
    import pytest

    from qa_assistant.errors import IndexCorruptError

    articles = {f"a{i}.txt": f"Title {i}\n\nSentence one of {i}. Sentence two of {i}.\n" for i in range(40)}
    settings = Settings(articles_dir=write_tree(tmp_path / "articles", articles), index_dir=tmp_path / "index",
                        exact_index_max=30)
    update_index(settings, HashEmbedder())
    (path,) = settings.index_dir.glob("epoch-*/base-*/passages.faiss")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x55  # one byte in the middle: FAISS itself would read it happily
    path.write_bytes(bytes(data))
    with pytest.raises(IndexCorruptError, match="passages.faiss does not match its checksum"):
        open_index(settings.index_dir)
    assert "checksum" in verify_index(settings)[0]
