"""Vectors reused across one update: a text embedded earlier in the build is not embedded again,
and every copy of it gets the very same stored vector."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest
from index_helpers import write_tree

from qa_assistant.config import Settings
from qa_assistant.index import apply, open_index, update_index, verify_index
from qa_assistant.index.reuse import VectorMemo

SHARED_SENTENCES = ("The council approved the budget for the new harbour wall on Thursday.",
                    "Work on the wall is due to start in the spring and last two years.")
SHARED = " ".join(SHARED_SENTENCES)
ARTICLES = {
    "local/harbour.txt": (
        "Harbour wall gets its money\n\n"
        "Fishermen in Porthmellon have waited a decade for better protection from storms. "
        f"{SHARED} The fishing fleet welcomed the decision. Critics said the cost had doubled since 2019.\n"
    ),
    "local/storms.txt": (
        "Winter storms batter the coast\n\n"
        f"Three storms hit the south coast in January, flooding the old town twice. {SHARED} "
        "Residents of the old town have been asked to keep sandbags ready. The next storm is expected on Friday.\n"
    ),
}


class SpyEmbedder:
    """The real embedder, remembering every text it is asked to encode."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.name = inner.name  # type: ignore[attr-defined]
        self.dimension = inner.dimension  # type: ignore[attr-defined]
        self.backend = inner.backend  # type: ignore[attr-defined]
        self.seen: list[str] = []
        self.calls = 0

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None,
               max_tokens: int | None = None) -> np.ndarray:
        self.calls += 1
        self.seen.extend(texts)
        return self.inner.encode(texts, progress=progress, max_tokens=max_tokens)  # type: ignore[attr-defined]


@pytest.fixture()
def one_article_per_call(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each article embedded in a call of its own, so only reuse across calls can skip repeats
    (``Embedder.encode`` already skips them within a call)."""
    monkeypatch.setattr(apply, "_GROUP_TEXTS", 1)


@pytest.mark.slow
@pytest.mark.usefixtures("one_article_per_call")
def test_a_build_embeds_each_distinct_text_once(tmp_path: Path, real_embedder: object) -> None:
    files = dict(ARTICLES, **{"copies/harbour.txt": ARTICLES["local/harbour.txt"]})  # a duplicated article
    settings = Settings(articles_dir=write_tree(tmp_path / "articles", files), index_dir=tmp_path / "index")
    spy = SpyEmbedder(real_embedder)
    update_index(settings, spy)  # type: ignore[arg-type]

    repeats = {text: n for text, n in Counter(spy.seen).items() if n > 1}
    assert repeats == {}  # the copy embedded nothing at all, the shared sentences once
    with open_index(settings.index_dir, spy.name) as reader:
        n_articles, n_sentences, n_passages = reader.counts()
        assert n_articles == 3
        assert len(spy.seen) < n_sentences + n_passages
        shared = [s for a in reader.articles() for s in reader.sentences(a.id) if s.text in SHARED_SENTENCES]
        assert len(shared) == 6  # two sentences, in three articles
        for text in {s.text for s in shared}:
            ids = [s.id for s in shared if s.text == text]
            vectors = reader.sentence_vectors(ids)
            assert all(np.array_equal(vectors[0], v) for v in vectors[1:])
        passages = list(reader.iter_passages())
        by_text: dict[str, list[int]] = {}
        for p in passages:
            by_text.setdefault(p.text, []).append(p.id)
        copied = [ids for ids in by_text.values() if len(ids) > 1]
        assert copied  # the duplicated article's passages
        for ids in copied:
            vectors = reader.passage_vectors(ids)
            assert all(np.array_equal(vectors[0], v) for v in vectors[1:])
    assert verify_index(settings) == []


@pytest.mark.slow
@pytest.mark.usefixtures("one_article_per_call")
def test_reuse_can_be_turned_off(tmp_path: Path, real_embedder: object) -> None:
    settings = Settings(articles_dir=write_tree(tmp_path / "articles", ARTICLES), index_dir=tmp_path / "index",
                        embed_reuse_mib=0)
    spy = SpyEmbedder(real_embedder)
    update_index(settings, spy)  # type: ignore[arg-type]
    counts = Counter(spy.seen)
    assert [counts[s] for s in SHARED_SENTENCES] == [2, 2]  # once in each article's call


class FakeEncoder:
    """Vectors from the text's length; counts what it is asked for."""

    dimension = 4

    def __init__(self) -> None:
        self.asked: list[str] = []

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None,
               max_tokens: int | None = None) -> np.ndarray:
        self.asked.extend(texts)
        if progress is not None:
            progress(len(texts))
        return np.array([[len(t), 1.0, 0.0, float(max_tokens or 0)] for t in texts], np.float32)


def test_memo_reuses_by_kind_and_text_and_stays_bounded() -> None:
    model, memo = FakeEncoder(), VectorMemo(dimension=4, capacity=2)
    done: list[int] = []
    first = memo.encode(model, ["aa", "bbb"], ["sentence", "sentence"], progress=done.append)
    again = memo.encode(model, ["bbb", "aa", "bbb"], ["sentence", "passage", "sentence"], progress=done.append)
    assert model.asked == ["aa", "bbb", "aa"]  # "aa" as a passage is another kind
    assert np.array_equal(again[0], first[1]) and np.array_equal(again[2], first[1])
    assert done[-1] == 3 and memo.reused == 2
    # capacity 2: ("passage", "aa") pushed out the oldest row, ("sentence", "aa")
    memo.encode(model, ["aa"], ["sentence"])
    assert model.asked[-1] == "aa" and len(memo._row_of) == 2
    assert memo.encode(model, [], []).shape == (0, 4)


def test_memo_budget_in_mib() -> None:
    assert VectorMemo.with_budget(384, 64).capacity == 43_690
    assert VectorMemo.with_budget(384, 0).capacity == 0
