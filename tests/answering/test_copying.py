"""The logit bias per numbered source: the best source favoured most when all come from one article."""

from __future__ import annotations

from pathlib import Path

from qa_assistant.answering.copying import source_biases
from qa_assistant.config import Settings
from qa_assistant.models import Citation


def _source(n: int, article: str) -> Citation:
    return Citation(n=n, article=article, title=article, start=0, end=5, text=f"text {n}", sentence_id=n)


def test_one_articles_sources_favour_the_first(tmp_path: Path) -> None:
    settings = Settings(cache_dir=tmp_path, copy_bias=3.0, copy_bias_others=1.5)
    sources = [_source(1, "a.txt"), _source(2, "a.txt"), _source(3, "a.txt")]
    assert source_biases(sources, settings) == [("text 1", 3.0), ("text 2", 1.5), ("text 3", 1.5)]


def test_sources_from_several_articles_are_favoured_alike(tmp_path: Path) -> None:
    settings = Settings(cache_dir=tmp_path, copy_bias=3.0, copy_bias_others=1.5)
    sources = [_source(1, "a.txt"), _source(2, "b.txt"), _source(3, "a.txt")]
    assert [bias for _, bias in source_biases(sources, settings)] == [3.0, 3.0, 3.0]
    assert source_biases([], settings) == []
