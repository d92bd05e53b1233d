"""The writer lock, damaged files, interrupted updates, readers of old generations."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from index_helpers import NEW_ARTICLE, HashEmbedder

from qa_assistant.config import Settings
from qa_assistant.errors import IndexCorruptError, IndexLockedError, IndexMissingError
from qa_assistant.index import index_status, open_index, update_index, verify_index
from qa_assistant.index.layout import FAISS_NAME, STORE_NAME
from qa_assistant.models import UpdateProgress


@pytest.fixture()
def built(settings: Settings) -> Settings:
    """A small index built with the fault-injection embedder (fast; no model)."""
    update_index(settings, HashEmbedder())
    return settings


def live_dir(settings: Settings) -> Path:
    generation = json.loads((settings.index_dir / "CURRENT").read_text())["generation"]
    return settings.index_dir / f"gen-{generation}"


def test_second_concurrent_update_is_refused(built: Settings) -> None:
    lock_path = built.index_dir / ".lock"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import fcntl, os, sys, time\n"
         f"fd = os.open({str(lock_path)!r}, os.O_RDWR)\n"
         "fcntl.flock(fd, fcntl.LOCK_EX)\n"
         "os.ftruncate(fd, 0); os.write(fd, str(os.getpid()).encode())\n"
         "print('locked', flush=True); time.sleep(60)\n"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(IndexLockedError, match=f"pid {holder.pid}") as caught:
            update_index(built, HashEmbedder())
        assert str(built.index_dir) in str(caught.value) and "\n" not in str(caught.value)
        with open_index(built.index_dir) as reader:  # readers need no lock
            assert reader.counts()[0] == 3
    finally:
        holder.kill()
        holder.wait()
    assert update_index(built, HashEmbedder()).unchanged == 3  # the lock died with its holder


def _truncate_faiss(s: Settings) -> None:
    path = live_dir(s) / FAISS_NAME
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _garble_faiss(s: Settings) -> None:
    (live_dir(s) / FAISS_NAME).write_bytes(os.urandom(4096))


def _garble_sqlite(s: Settings) -> None:
    path = live_dir(s) / STORE_NAME
    data = bytearray(path.read_bytes())
    data[:100] = os.urandom(100)
    path.write_bytes(bytes(data))


def _current_names_missing_generation(s: Settings) -> None:
    (s.index_dir / "CURRENT").write_text('{"generation": 99}')


def _current_garbled(s: Settings) -> None:
    (s.index_dir / "CURRENT").write_text("gen-1 \x00\x01")


def _future_format(s: Settings) -> None:
    conn = sqlite3.connect(live_dir(s) / STORE_NAME)
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'format_version'")
    conn.commit()
    conn.close()


def _faiss_missing_vectors(s: Settings) -> None:
    import faiss

    path = live_dir(s) / FAISS_NAME
    index = faiss.read_index(str(path))
    index.remove_ids(faiss.IDSelectorBatch([int(faiss.vector_to_array(index.id_map)[0])]))
    faiss.write_index(index, str(path))


DAMAGES: dict[str, Callable[[Settings], None]] = {
    "truncated-faiss": _truncate_faiss,
    "garbled-faiss": _garble_faiss,
    "garbled-sqlite": _garble_sqlite,
    "current-missing-gen": _current_names_missing_generation,
    "current-garbled": _current_garbled,
    "future-format": _future_format,
    "faiss-disagrees": _faiss_missing_vectors,
}


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_damaged_index_names_the_rebuild_command(built: Settings, damage: str) -> None:
    DAMAGES[damage](built)
    hint = f"qa-assistant index rebuild --index {built.index_dir}"
    with pytest.raises(IndexCorruptError) as caught:
        open_index(built.index_dir)
    message = str(caught.value)
    assert hint in message and "\n" not in message
    with pytest.raises(IndexCorruptError, match="index rebuild"):
        update_index(built, HashEmbedder())
    with pytest.raises(IndexCorruptError, match="index rebuild"):
        index_status(built)
    problems = verify_index(built)
    assert len(problems) == 1 and hint in problems[0]

    report = update_index(built, HashEmbedder(), rebuild=True)
    assert report.added == 3
    with open_index(built.index_dir) as reader:
        assert reader.counts()[0] == 3
    assert verify_index(built) == []


def test_no_index_is_reported_as_missing(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="qa-assistant index update"):
        open_index(tmp_path / "none")
    with pytest.raises(IndexMissingError):
        verify_index(Settings(index_dir=tmp_path / "none"))


@pytest.mark.parametrize("stage", ["read", "embed", "write"])
def test_ctrl_c_keeps_the_previous_generation(built: Settings, stage: str) -> None:
    before = (built.index_dir / "CURRENT").read_text()
    (built.articles_dir / "new.txt").write_text(NEW_ARTICLE, encoding="utf-8")

    def progress(event: UpdateProgress) -> None:
        if event.stage == stage:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        update_index(built, HashEmbedder(), progress=progress)
    assert (built.index_dir / "CURRENT").read_text() == before
    assert not list(built.index_dir.glob("*.tmp"))
    with open_index(built.index_dir) as reader:
        assert reader.article_by_path("new.txt") is None
    assert update_index(built, HashEmbedder()).added == 1  # not locked, finishes the job


def test_interrupt_after_publish_before_swap_removes_the_orphan(built: Settings) -> None:
    before = (built.index_dir / "CURRENT").read_text()
    (built.articles_dir / "new.txt").write_text(NEW_ARTICLE, encoding="utf-8")

    def checkpoint(name: str) -> None:
        if name == "before-current-swap":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        update_index(built, HashEmbedder(), checkpoint=checkpoint)
    assert (built.index_dir / "CURRENT").read_text() == before
    assert sorted(p.name for p in built.index_dir.glob("gen-*")) == ["gen-1"]


def test_reader_of_an_old_generation_keeps_working(built: Settings) -> None:
    reader = open_index(built.index_dir)
    try:
        volcano = reader.article_by_path("science/volcano.txt")
        assert volcano is not None and not reader.is_stale()
        (built.articles_dir / "science" / "volcano.txt").unlink()
        update_index(built, HashEmbedder())
        (built.articles_dir / "new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
        update_index(built, HashEmbedder())
        assert reader.is_stale()
        assert "Grindavik" in reader.article_text(volcano.id)  # its generation's files are gone or kept; still reads
        query = reader.sentence_vectors([reader.sentences(volcano.id)[0].id])[0]
        assert reader.search(query, 1)
        with open_index(built.index_dir) as fresh:
            assert fresh.article_by_path("science/volcano.txt") is None
            assert fresh.article_by_path("new.txt") is not None
            assert not fresh.is_stale()
    finally:
        reader.close()


def test_status_counts_pending_changes_cheaply(built: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    status = index_status(built)
    assert (status.articles, status.pending, status.embedder) == (3, 0, HashEmbedder.name)
    assert status.articles_dir == str(built.articles_dir)
    read: list[str] = []
    import qa_assistant.index.plan as plan_module

    real = plan_module.read_article_bytes

    def spy(file: object) -> bytes:
        read.append(file.relpath)
        return real(file)  # type: ignore[arg-type]

    monkeypatch.setattr(plan_module, "read_article_bytes", spy)
    (built.articles_dir / "new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    (built.articles_dir / "sport" / "final.html").unlink()
    os.utime(built.articles_dir / "science" / "volcano.txt", (1, 1))  # touched, same content
    assert index_status(built).pending == 2
    assert sorted(read) == ["new.txt", "science/volcano.txt"]  # unchanged files are not read
    assert index_status(built, built.articles_dir.parent / "missing").pending == -1


def test_articles_under_an_unlistable_folder_are_kept(built: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    import qa_assistant.index.plan as plan_module
    from qa_assistant.models import IngestFailure

    real = plan_module.list_article_files

    def listing(root: Path) -> tuple[list, list[IngestFailure]]:  # type: ignore[type-arg]
        files, failures = real(root)
        return ([f for f in files if not f.relpath.startswith("science/")],
                failures + [IngestFailure("science", "science cannot be read (permission denied)")])

    monkeypatch.setattr(plan_module, "list_article_files", listing)
    report = update_index(built, HashEmbedder())
    assert report.removed == 0 and [f.path for f in report.failed] == ["science"]
    with open_index(built.index_dir) as reader:
        assert reader.article_by_path("science/volcano.txt") is not None
