"""Finding article files: recursion, order, hidden files, links out of the folder, unreadable and huge files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from ingest_helpers import NOBODY, unprivileged

from qa_assistant.config import Settings
from qa_assistant.errors import IngestError
from qa_assistant.ingest import (
    ArticleFile,
    check_size,
    content_hash,
    list_article_files,
    load_document,
    read_article_bytes,
)

ARTICLE = "Tram line approved\n\nThe council voted 9-4 on Tuesday to build the Eastside tram line.\n"


def write(path: Path, text: str = ARTICLE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_lists_recursively_sorted_and_skips_hidden_and_other_files(tmp_path: Path) -> None:
    for name in ["b.txt", "a.md", "sub/c.html", "sub/deeper/d.HTM", "e.markdown", "notes.pdf", "image.png",
                 ".hidden.txt", ".git/config.txt", "sub/.cache/x.txt"]:
        write(tmp_path / name)
    files, failures = list_article_files(tmp_path)
    assert failures == []
    assert [f.relpath for f in files] == ["a.md", "b.txt", "e.markdown", "sub/c.html", "sub/deeper/d.HTM"]
    first = files[0]
    assert first.path == tmp_path / "a.md" and first.path.is_absolute()
    assert first.size == len(ARTICLE.encode()) and first.mtime == (tmp_path / "a.md").stat().st_mtime


def test_root_that_is_not_a_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="does not exist"):
        list_article_files(tmp_path / "missing")
    with pytest.raises(IngestError, match="is not a folder"):
        list_article_files(write(tmp_path / "file.txt"))


def test_link_pointing_outside_the_folder_is_reported_not_followed(tmp_path: Path) -> None:
    root = tmp_path / "articles"
    write(root / "inside.txt")
    secret = write(tmp_path / "outside" / "secret.txt")
    (root / "leak.txt").symlink_to(secret)
    (root / "leakdir").symlink_to(secret.parent, target_is_directory=True)
    (root / "alias.txt").symlink_to(root / "inside.txt")
    files, failures = list_article_files(root)
    assert [f.relpath for f in files] == ["alias.txt", "inside.txt"]
    assert {f.path for f in failures} == {"leak.txt", "leakdir"}
    for failure in failures:
        assert "points outside the articles folder" in failure.error
        assert failure.error.startswith(failure.path) and "\n" not in failure.error


def test_broken_link_is_reported(tmp_path: Path) -> None:
    write(tmp_path / "ok.txt")
    (tmp_path / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    files, failures = list_article_files(tmp_path)
    assert [f.relpath for f in files] == ["ok.txt"]
    assert [(f.path, "broken link" in f.error) for f in failures] == [("gone.txt", True)]


def test_unreadable_file_is_reported_and_the_rest_listed(world_readable_dir: Path) -> None:
    write(world_readable_dir / "good.txt").chmod(0o644)
    locked = write(world_readable_dir / "locked.txt")
    locked.chmod(0o000)
    with unprivileged():
        files, failures = list_article_files(world_readable_dir)
    assert [f.relpath for f in files] == ["good.txt"]
    assert len(failures) == 1 and failures[0].path == "locked.txt"
    assert "permission denied" in failures[0].error and "chmod" in failures[0].error


def test_own_file_without_the_owner_read_bit_is_reported_even_if_others_may_read(
        world_readable_dir: Path) -> None:
    # The listing trusts the owner's read bit instead of opening every file; the
    # group and other bits do not apply to the owner, so such a file is still checked.
    write(world_readable_dir / "good.txt").chmod(0o644)
    locked = write(world_readable_dir / "owner-locked.txt")
    if os.geteuid() == 0:
        os.chown(locked, NOBODY, -1)
    locked.chmod(0o044)
    with unprivileged():
        files, failures = list_article_files(world_readable_dir)
    assert [f.relpath for f in files] == ["good.txt"]
    assert [f.path for f in failures] == ["owner-locked.txt"] and "permission denied" in failures[0].error


def test_listed_file_is_read_through_its_path(tmp_path: Path) -> None:
    write(tmp_path / "sub" / "a.txt")
    files, _ = list_article_files(tmp_path)
    assert isinstance(files[0].fspath, str) and files[0].path == tmp_path / "sub" / "a.txt"
    assert read_article_bytes(files[0]) == ARTICLE.encode()


def test_reading_an_unreadable_file_raises_one_line(world_readable_dir: Path) -> None:
    locked = write(world_readable_dir / "locked.txt")
    file = ArticleFile(path=locked, relpath="locked.txt", size=locked.stat().st_size, mtime=0.0)
    locked.chmod(0o000)
    with unprivileged(), pytest.raises(IngestError, match=r"^locked\.txt cannot be read \(permission denied\)"):
        read_article_bytes(file)


def test_huge_file_is_refused_by_size_without_reading(tmp_path: Path, settings: Settings) -> None:
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as handle:
        handle.truncate(100_000_000)  # sparse: 100 MB long, nothing written
    write(tmp_path / "small.txt")
    files, failures = list_article_files(tmp_path)
    assert failures == []
    by_name = {f.relpath: f for f in files}
    assert by_name["huge.txt"].size == 100_000_000
    problem = check_size(by_name["huge.txt"], settings)
    assert problem is not None and problem.path == "huge.txt"
    assert "max_file_bytes" in problem.error and "100.0 MB" in problem.error
    assert check_size(by_name["small.txt"], settings) is None
    with pytest.raises(IngestError, match="max_file_bytes"):
        load_document(by_name["huge.txt"], settings)
    assert check_size(by_name["huge.txt"], settings.replace(max_file_bytes=200_000_000)) is None


def test_content_hash_is_sha256_of_the_bytes() -> None:
    assert content_hash(b"abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_load_document_reads_parses_and_hashes(tmp_path: Path, settings: Settings) -> None:
    path = write(tmp_path / "news" / "tram.txt")
    files, _ = list_article_files(tmp_path)
    doc = load_document(files[0], settings)
    assert doc.path == "news/tram.txt" and doc.title == "Tram line approved"
    assert doc.content_hash == content_hash(path.read_bytes()) and doc.size == path.stat().st_size
    assert doc.mtime == os.stat(path).st_mtime
