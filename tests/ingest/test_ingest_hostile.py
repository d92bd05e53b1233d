"""Hostile folders and files: each is reported in one line naming it, never a crash, and the rest is indexed."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest
from ingest_helpers import assert_offsets_contract, sentence_texts

from qa_assistant.config import Settings
from qa_assistant.errors import IngestError
from qa_assistant.ingest import (
    ArticleFile,
    list_article_files,
    load_document,
    parse_document,
    read_article_bytes,
    shown_path,
)

ARTICLE = "Tram line approved\n\nThe council voted 9-4 on Tuesday to build the Eastside tram line.\n"
NON_UTF8_NAME = os.fsdecode(b"bad\xff\xfe.txt")


def write(path: Path, text: str = ARTICLE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_symlink_loop_is_one_line_and_the_rest_is_listed(tmp_path: Path) -> None:
    write(tmp_path / "ok.txt")
    (tmp_path / "a.txt").symlink_to("b.txt")
    (tmp_path / "b.txt").symlink_to("a.txt")
    (tmp_path / "self").symlink_to("self")  # a looping link that may have been meant as a folder
    files, failures = list_article_files(tmp_path)
    assert [f.relpath for f in files] == ["ok.txt"]
    assert [f.path for f in failures] == ["a.txt", "b.txt", "self"]
    for failure in failures:
        assert failure.error.startswith(failure.path) and "loops back on itself" in failure.error


def test_a_name_that_is_not_utf8_is_reported_escaped(tmp_path: Path) -> None:
    write(tmp_path / "ok.txt")
    write(tmp_path / NON_UTF8_NAME)
    write(tmp_path / os.fsdecode(b"folder\xe9") / "inside.txt")
    files, failures = list_article_files(tmp_path)
    assert [f.relpath for f in files] == ["ok.txt"]
    assert [f.path for f in failures] == [r"bad\xff\xfe.txt", r"folder\xe9"]
    for failure in failures:
        failure.path.encode("utf-8")  # safe to store, print and put in JSON
        assert failure.error.startswith(failure.path) and "not valid UTF-8" in failure.error
        assert "rename" in failure.error


def test_an_articles_folder_with_a_bad_name_or_a_looping_link_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / os.fsdecode(b"caf\xe9")
    write(bad / "ok.txt")
    with pytest.raises(IngestError, match=r"^articles folder .*caf\\xe9 has a name that is not valid UTF-8"):
        list_article_files(bad)
    (tmp_path / "loop").symlink_to("loop")
    with pytest.raises(IngestError, match=r"loop is a broken link or one that loops back on itself; pass --articles"):
        list_article_files(tmp_path / "loop")


def test_a_fifo_named_like_an_article_is_reported_and_never_blocks(tmp_path: Path) -> None:
    write(tmp_path / "ok.txt")
    os.mkfifo(tmp_path / "pipe.txt")
    os.mkfifo(tmp_path / "pipe.dat")  # not an article name: ignored like any other file
    (tmp_path / "to-pipe.txt").symlink_to("pipe.txt")
    result: dict[str, Any] = {}
    lister = threading.Thread(target=lambda: result.update(found=list_article_files(tmp_path)), daemon=True)
    lister.start()
    lister.join(timeout=30)
    assert not lister.is_alive(), "listing blocked on a named pipe"
    files, failures = result["found"]
    assert [f.relpath for f in files] == ["ok.txt"]
    assert [f.path for f in failures] == ["pipe.txt", "to-pipe.txt"]
    assert all("named pipe" in f.error for f in failures)


def test_a_file_replaced_by_a_fifo_after_listing_is_refused_without_blocking(tmp_path: Path) -> None:
    path = write(tmp_path / "news.txt")
    file = ArticleFile(path=path, relpath="news.txt", size=path.stat().st_size, mtime=0.0)
    path.unlink()
    os.mkfifo(path)
    with pytest.raises(IngestError, match=r"^news\.txt is a named pipe"):
        read_article_bytes(file)


def test_a_newline_in_a_failing_file_name_stays_on_one_line(tmp_path: Path, settings: Settings) -> None:
    name = "two\nlines.txt"
    (tmp_path / name).write_bytes(b"")
    with pytest.raises(IngestError) as exc:
        parse_document(name, b"", 0.0, settings)
    assert str(exc.value).startswith(r"two\nlines.txt is empty") and "\n" not in str(exc.value)
    assert shown_path("tab\there.txt") == r"tab\there.txt"
    assert shown_path("Café ü.txt") == "Café ü.txt"  # printable names are shown as they are


def test_a_stray_nul_byte_does_not_refuse_a_text_article(settings: Settings) -> None:
    data = ARTICLE.replace("9-4 on", "9-4\x00 on").encode()
    doc = parse_document("nul.txt", data, 0.0, settings)
    assert_offsets_contract(doc)
    assert sentence_texts(doc)[-1] == "The council voted 9-4  on Tuesday to build the Eastside tram line."
    many = (ARTICLE + "\x00" * 200).encode()  # a NUL in every few characters is binary
    with pytest.raises(IngestError, match=r"^nul\.txt looks like a binary file"):
        parse_document("nul.txt", many, 0.0, settings)


def test_a_long_run_without_spaces_is_left_out_not_cut_into_sentences(settings: Settings) -> None:
    blob = "QUJD" * 1_250_000  # 5 MB of base64, one line
    text = f"Tram line approved\n\nThe council voted on Tuesday. ![photo](data:image/png;base64,{blob}) " \
           "Work starts in May.\n"
    doc = parse_document("tram.md", text.encode(), 0.0, settings)
    assert_offsets_contract(doc)
    assert sentence_texts(doc) == ["Tram line approved", "The council voted on Tuesday.", "Work starts in May."]

    only_blob = ("x" * 5_000_000 + "\n").encode()
    with pytest.raises(IngestError, match=r"^blob\.txt holds no prose") as exc:
        parse_document("blob.txt", only_blob, 0.0, settings)
    assert "\n" not in str(exc.value) and "500 characters" in str(exc.value)


def test_a_title_line_ending_in_a_long_run_keeps_its_words(settings: Settings) -> None:
    doc = parse_document("t.txt", ("Intro sentence here. " + "x" * 10_000 + "\n\nMore text follows.\n").encode(),
                         0.0, settings)
    assert doc.title == "Intro sentence here."


def test_a_very_deeply_nested_page_is_reported_as_too_deep(settings: Settings) -> None:
    depth = 100_000
    page = ("<html><body>" + "<div>" * depth + "<p>The council voted 9-4 on Tuesday to build the tram.</p>"
            + "</div>" * depth + "</body></html>")
    with pytest.raises(IngestError) as exc:
        parse_document("deep.html", page.encode(), 0.0, settings)
    message = str(exc.value)
    assert message.startswith("deep.html") and "too deeply" in message and "navigation" not in message
    shallow = "<html><body>" + "<div>" * 50 + "<p>The council voted 9-4 on Tuesday to build the tram.</p>" \
              + "</div>" * 50 + "</body></html>"
    assert "voted 9-4" in parse_document("ok.html", shallow.encode(), 0.0, settings).text


def test_a_file_that_grew_past_the_limit_after_listing_is_refused(tmp_path: Path, settings: Settings) -> None:
    path = write(tmp_path / "growing.txt")
    file = ArticleFile(path=path, relpath="growing.txt", size=path.stat().st_size, mtime=0.0)
    with path.open("ab") as handle:
        handle.truncate(50_000_000)  # grown to 50 MB since it was listed (sparse)
    with pytest.raises(IngestError, match=r"^growing\.txt is 50\.0 MB, larger than max_file_bytes"):
        load_document(file, settings)
    assert len(read_article_bytes(file)) == 50_000_000  # without a limit it is read whole
