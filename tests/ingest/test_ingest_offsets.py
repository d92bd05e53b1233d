"""The offsets contract over real articles: the samples, the shared eval sets and a scraped news article."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from ingest_helpers import assert_offsets_contract, assert_passages_cover, sentence_texts

from qa_assistant.config import Settings
from qa_assistant.ingest import ARTICLE_SUFFIXES, MAX_SENTENCE_CHARS, list_article_files, load_document
from qa_assistant.models import Document

Parse = Callable[..., Document]


def test_every_sample_article_keeps_the_contract(samples_dir: Path, settings: Settings) -> None:
    files, failures = list_article_files(samples_dir)
    assert failures == []
    suffixes = {f.relpath.rsplit(".", 1)[-1] for f in files}
    assert {"txt", "md", "html"} <= suffixes
    for file in files:
        doc = load_document(file, settings)
        assert_offsets_contract(doc)
        assert_passages_cover(doc, settings.passage_sentences, settings.passage_overlap)
        assert doc.title and len(doc.title) < 120, doc.title
        assert doc.title in doc.text


@pytest.mark.parametrize("eval_set", ["squad", "multirc", "hotpotqa"])
def test_every_eval_article_keeps_the_contract(shared_dir: Path, settings: Settings, eval_set: str) -> None:
    root = shared_dir / "eval" / eval_set / "articles"
    if not root.is_dir():
        pytest.skip(f"{root} is absent")
    files, failures = list_article_files(root)
    assert failures == [] and files
    for file in files:
        doc = load_document(file, settings)
        assert_offsets_contract(doc)
        assert max(s.end - s.start for s in doc.sentences) <= MAX_SENTENCE_CHARS
        # A .txt article's text is the file itself: gold offsets of the eval sets stay valid.
        assert doc.text == file.path.read_text(encoding="utf-8").replace("\r\n", "\n")


@pytest.fixture
def damascus(shared_dir: Path, parse: Parse) -> Document:
    path = shared_dir / "samples" / "putin-assad-damascus.txt"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return parse(path)


def test_scraped_article_keeps_the_contract(damascus: Document, settings: Settings) -> None:
    assert_offsets_contract(damascus)
    assert_passages_cover(damascus, settings.passage_sentences, settings.passage_overlap)


def test_headline_with_abbreviation_is_title_and_one_sentence(damascus: Document) -> None:
    headline = "Russia and Syria's Presidents Meet After U.S. Kills Iranian General That Fought Their War"
    assert damascus.title == headline
    assert sentence_texts(damascus)[0] == headline


def test_tag_lines_are_sentences_of_their_own(damascus: Document) -> None:
    texts = sentence_texts(damascus)
    assert "russia, putin, syria, assad, military, meeting" in texts
    assert "syria, protest, assad, khamenei, nasrallah, soileimani" in texts


def test_caption_is_not_glued_to_tag_line_or_prose(damascus: Document) -> None:
    texts = sentence_texts(damascus)
    caption = next(t for t in texts if t.startswith("Russian President Vladimir Putin and Syrian President"))
    assert caption.endswith("in Damascus, January 7.")
    assert "Presidency of the Syrian Arab Republic" in texts
    assert "AFP/Getty Images" in texts
    for text in texts:
        assert not ("meeting" in text and "Russian President" in text and "\n" in text)
        if "Presidency of the Syrian Arab Republic" in text or "AFP/Getty Images" in text:
            assert len(text) < 60, text  # the credit stands alone, not glued to the next paragraph


def test_abbreviations_do_not_end_sentences(damascus: Document) -> None:
    texts = sentence_texts(damascus)
    assert any("Major General Qassem Soleimani." in t and t.startswith("Even before") for t in texts)
    assert any(t.startswith("Iran officially entered") and "U.S.-led coalition soon following suit." in t
               for t in texts)
    assert not any(t in {"U.S.", "Gen.", "Jan."} for t in texts)


def test_every_article_suffix_is_known() -> None:
    assert ARTICLE_SUFFIXES == (".txt", ".md", ".markdown", ".html", ".htm")
