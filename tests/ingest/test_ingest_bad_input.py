"""Bad input is reported per file (one line naming it) and the rest of the folder is still indexed."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from ingest_helpers import assert_offsets_contract, sentence_texts, unprivileged

from qa_assistant.config import Settings
from qa_assistant.errors import IngestError
from qa_assistant.ingest import check_size, list_article_files, load_document, parse_document
from qa_assistant.models import Document, IngestFailure

NEWS = ("Café owners on St. Mark’s Place said “we’re closing” after 30 years.\n\n"
        "The rent rose to €5,000 a month, Mr. Müller said. Customers wrote farewell notes.\n")
BOILERPLATE_ONLY = """<html><head><title>Home | The Northern Courier</title></head><body>
<div class="cookie-banner"><p>We use cookies to personalise content and ads. By clicking "Accept all cookies"
you agree to the storing of cookies on your device.</p><button>Accept all cookies</button></div>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li>
</ul></nav></header>
<footer><a href="/about">About us</a> | <a href="/privacy">Privacy policy</a>
<p>&copy; 2025 The Northern Courier Media Group. All rights reserved.</p></footer>
</body></html>"""


def parse(relpath: str, data: bytes, settings: Settings) -> Document:
    return parse_document(relpath, data, 0.0, settings)


def assert_one_line_naming(exc: pytest.ExceptionInfo[IngestError], relpath: str) -> None:
    message = str(exc.value)
    assert message.startswith(relpath) and "\n" not in message and ";" in message


@pytest.mark.parametrize("data", [b"", b"   \n\n\t \n", codecs.BOM_UTF8, codecs.BOM_UTF8 + b"\n \n"])
def test_empty_file(settings: Settings, data: bytes) -> None:
    with pytest.raises(IngestError) as exc:
        parse("empty.txt", data, settings)
    assert_one_line_naming(exc, "empty.txt")
    assert "empty" in str(exc.value) or "no text" in str(exc.value)


def test_markup_only_markdown_has_no_text(settings: Settings) -> None:
    with pytest.raises(IngestError, match=r"^rules\.md has no article text"):
        parse("rules.md", b"---\n\n***\n\n```\n```\n", settings)


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 8,
    b"PK\x03\x04\x14\x00\x06\x00" + bytes(200) + b"word/document.xml",
    bytes(i % 32 for i in range(4000)),
    bytes(1 + i % 26 for i in range(4000)),  # control characters, no NUL: valid UTF-8 all the same
])
def test_binary_file(settings: Settings, data: bytes) -> None:
    with pytest.raises(IngestError, match="binary") as exc:
        parse("photo.txt", data, settings)
    assert_one_line_naming(exc, "photo.txt")


LATIN_1_NEWS = "Der Bürgermeister Müller sagte, der naïve Plan koste 412 Millionen. Die Straßenbahn fährt ab März.\n"


@pytest.mark.parametrize("text, encoding", [
    (NEWS, "cp1252"), (NEWS, "utf-16"), (NEWS, "utf-8-sig"), (LATIN_1_NEWS, "latin-1"),
])
def test_legacy_encodings_are_detected(settings: Settings, text: str, encoding: str) -> None:
    doc = parse("cafe.txt", text.encode(encoding), settings)
    assert doc.text == text
    assert_offsets_contract(doc)
    assert sentence_texts(doc)[-1] in {"Customers wrote farewell notes.", "Die Straßenbahn fährt ab März."}


def test_sample_article_saved_as_windows_1252_decodes_exactly(samples_dir: Path, settings: Settings) -> None:
    text = (samples_dir / "harbour-city-coach.txt").read_text(encoding="utf-8")
    doc = parse("coach.txt", text.encode("cp1252"), settings)
    assert doc.text == text and "£31 million" in doc.text


def test_windows_line_ends_become_newlines(settings: Settings) -> None:
    doc = parse("crlf.txt", NEWS.replace("\n", "\r\n").encode(), settings)
    assert doc.text == NEWS
    assert sentence_texts(doc)[0].endswith("after 30 years.")


def test_html_with_only_page_furniture(settings: Settings) -> None:
    with pytest.raises(IngestError, match="no article text found") as exc:
        parse("home.html", BOILERPLATE_ONLY.encode(), settings)
    assert_one_line_naming(exc, "home.html")


def test_a_folder_of_bad_files_reports_each_and_indexes_the_rest(world_readable_dir: Path,
                                                                settings: Settings) -> None:
    root = world_readable_dir / "articles"
    root.mkdir()
    root.chmod(0o755)
    (root / "good.txt").write_text(NEWS, encoding="utf-8")
    (root / "legacy.txt").write_bytes(NEWS.encode("cp1252"))
    (root / "empty.md").write_bytes(b"")
    (root / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (root / "home.html").write_text(BOILERPLATE_ONLY, encoding="utf-8")
    with (root / "huge.txt").open("wb") as handle:
        handle.truncate(100_000_000)
    (root / "locked.txt").write_text(NEWS, encoding="utf-8")
    (root / "locked.txt").chmod(0o000)
    outside = world_readable_dir / "outside.txt"
    outside.write_text(NEWS, encoding="utf-8")
    (root / "link.txt").symlink_to(outside)
    for path in root.iterdir():
        if path.name != "locked.txt" and not path.is_symlink():
            path.chmod(0o644)

    with unprivileged():
        files, failures = list_article_files(root)
    docs: list[Document] = []
    for file in files:
        too_big = check_size(file, settings)
        if too_big is not None:
            failures.append(too_big)
            continue
        try:
            docs.append(load_document(file, settings))
        except IngestError as exc:
            failures.append(IngestFailure(file.relpath, str(exc)))

    assert sorted(d.path for d in docs) == ["good.txt", "legacy.txt"]
    assert docs[0].text == docs[1].text == NEWS
    reasons = {f.path: f.error for f in failures}
    assert sorted(reasons) == ["binary.txt", "empty.md", "home.html", "huge.txt", "link.txt", "locked.txt"]
    assert "binary" in reasons["binary.txt"]
    assert "empty" in reasons["empty.md"]
    assert "no article text found" in reasons["home.html"]
    assert "max_file_bytes" in reasons["huge.txt"]
    assert "points outside the articles folder" in reasons["link.txt"]
    assert "permission denied" in reasons["locked.txt"]
    for path, error in reasons.items():
        assert error.startswith(path) and "\n" not in error
