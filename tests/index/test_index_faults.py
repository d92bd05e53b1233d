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
from qa_assistant.errors import IndexCorruptError, IndexLockedError, IndexMissingError, IngestError
from qa_assistant.index import index_status, open_index, update_index, verify_index
from qa_assistant.index.layout import STORE_NAME
from qa_assistant.models import UpdateProgress


@pytest.fixture()
def built(settings: Settings) -> Settings:
    """A small index built with the fault-injection embedder (fast; no model)."""
    update_index(settings, HashEmbedder())
    return settings


def live_dir(settings: Settings) -> Path:
    epoch = json.loads((settings.index_dir / "CURRENT").read_text())["epoch"]
    return settings.index_dir / f"epoch-{epoch}"


def base_dir(settings: Settings) -> Path:
    (base,) = live_dir(settings).glob("base-*")
    return base


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


def _flip_postings(s: Settings) -> None:
    path = base_dir(s) / "rows.npy"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _truncate_postings(s: Settings) -> None:
    path = base_dir(s) / "keys.npy"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _lose_base(s: Settings) -> None:
    import shutil

    shutil.rmtree(base_dir(s))


def _garble_sqlite(s: Settings) -> None:
    path = live_dir(s) / STORE_NAME
    data = bytearray(path.read_bytes())
    data[:100] = os.urandom(100)
    path.write_bytes(bytes(data))


def _lose_store(s: Settings) -> None:
    (live_dir(s) / STORE_NAME).unlink()


def _current_names_missing_epoch(s: Settings) -> None:
    (s.index_dir / "CURRENT").write_text('{"format": 2, "epoch": 99}')


def _current_garbled(s: Settings) -> None:
    (s.index_dir / "CURRENT").write_text("gen-1 \x00\x01")


def _current_random_bytes(s: Settings) -> None:
    (s.index_dir / "CURRENT").write_bytes(bytes(range(256)) + os.urandom(200))


def _current_is_a_folder(s: Settings) -> None:
    (s.index_dir / "CURRENT").unlink()
    (s.index_dir / "CURRENT").mkdir()


def _future_format(s: Settings) -> None:
    conn = sqlite3.connect(live_dir(s) / STORE_NAME)
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'format_version'")
    conn.commit()
    conn.close()


def _planted_trigger(s: Settings) -> None:
    conn = sqlite3.connect(live_dir(s) / STORE_NAME)
    conn.execute("CREATE TRIGGER t AFTER UPDATE ON articles BEGIN UPDATE articles SET title = 'owned'; END")
    conn.commit()
    conn.close()


def _planted_view(s: Settings) -> None:
    conn = sqlite3.connect(live_dir(s) / STORE_NAME)
    conn.execute("CREATE VIEW v AS SELECT * FROM articles")
    conn.commit()
    conn.close()


DAMAGES: dict[str, Callable[[Settings], None]] = {
    "flipped-postings": _flip_postings,
    "truncated-postings": _truncate_postings,
    "lost-base": _lose_base,
    "garbled-sqlite": _garble_sqlite,
    "lost-store": _lose_store,
    "current-missing-epoch": _current_names_missing_epoch,
    "current-garbled": _current_garbled,
    "current-random-bytes": _current_random_bytes,
    "current-is-a-folder": _current_is_a_folder,
    "future-format": _future_format,
    "planted-trigger": _planted_trigger,
    "planted-view": _planted_view,
}


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_damaged_index_names_the_rebuild_command(built: Settings, damage: str) -> None:
    DAMAGES[damage](built)
    hint = f"qa-assistant index rebuild --index {built.index_dir}"
    with pytest.raises(IndexCorruptError) as caught:
        open_index(built.index_dir)
    message = str(caught.value)
    assert hint in message and "\n" not in message
    if damage != "flipped-postings":  # an update checks base checksums only when it merges (reads) the base
        with pytest.raises(IndexCorruptError, match="index rebuild"):
            update_index(built, HashEmbedder())
    with pytest.raises(IndexCorruptError, match="index rebuild"):
        index_status(built)
    problems = verify_index(built)
    assert len(problems) == 1 and hint in problems[0]

    # the printed command restores the user's folder, not the packaged samples
    from qa_assistant.index import follow_index_folder

    report = update_index(follow_index_folder(Settings(index_dir=built.index_dir)), HashEmbedder(), rebuild=True)
    assert report.added == 3
    with open_index(built.index_dir) as reader:
        assert reader.counts()[0] == 3
        assert {a.title for a in reader.articles()} != {"owned"}
    assert verify_index(built) == []
    assert sorted(p.name for p in built.index_dir.iterdir() if p.name.startswith("epoch-")) == [live_dir(built).name]


def test_unknown_source_folder_asks_for_articles(built: Settings) -> None:
    (built.index_dir / "SOURCE").unlink()
    _lose_store(built)
    with pytest.raises(IndexCorruptError, match="--articles DIR") as caught:
        open_index(built.index_dir)
    assert "\n" not in str(caught.value)


def test_index_path_that_is_a_file(tmp_path: Path, settings: Settings) -> None:
    target = tmp_path / "not-a-folder"
    target.write_text("x")
    bad = settings.replace(index_dir=target)
    for call in (lambda: update_index(bad, HashEmbedder()), lambda: update_index(bad, HashEmbedder(), rebuild=True),
                 lambda: open_index(target), lambda: index_status(bad)):
        with pytest.raises(IndexMissingError, match="is a file, not an index folder") as caught:
            call()
        assert "\n" not in str(caught.value)
    assert target.read_text() == "x"


def test_failed_first_update_leaves_no_folder(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    with pytest.raises(IngestError):
        update_index(Settings(articles_dir=tmp_path / "missing", index_dir=index_dir), HashEmbedder())
    assert not index_dir.exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "a.txt").write_text("")

    def boom(name: str) -> None:
        if name == "after-rows":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        update_index(Settings(articles_dir=empty, index_dir=index_dir), HashEmbedder(), checkpoint=boom)
    assert not index_dir.exists()


def test_old_format_index_names_rebuild(built: Settings) -> None:
    import shutil

    shutil.rmtree(live_dir(built))
    (built.index_dir / "SOURCE").unlink()
    (built.index_dir / "gen-3").mkdir()
    conn = sqlite3.connect(built.index_dir / "gen-3" / STORE_NAME)
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    conn.execute("INSERT INTO meta VALUES ('articles_dir', ?)", (str(built.articles_dir),))
    conn.commit()
    conn.close()
    (built.index_dir / "CURRENT").write_text('{"generation": 3}')
    message = f"older format (generation folders) that this version does not read; run `qa-assistant index " \
              f"rebuild --index {built.index_dir}`"
    for call in (lambda: open_index(built.index_dir), lambda: update_index(built, HashEmbedder()),
                 lambda: index_status(built)):
        with pytest.raises(IndexCorruptError) as caught:
            call()
        assert message in str(caught.value)
    from qa_assistant.index import follow_index_folder

    settings = follow_index_folder(Settings(index_dir=built.index_dir))
    assert settings.articles_dir == built.articles_dir
    assert update_index(settings, HashEmbedder(), rebuild=True).added == 3
    assert not (built.index_dir / "gen-3").exists() and verify_index(built) == []


def test_no_index_is_reported_as_missing(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="qa-assistant index update"):
        open_index(tmp_path / "none")
    with pytest.raises(IndexMissingError):
        verify_index(Settings(index_dir=tmp_path / "none"))


@pytest.mark.parametrize("stage", ["read", "embed", "write"])
def test_ctrl_c_keeps_the_previous_generation(built: Settings, stage: str) -> None:
    before = index_status(built).generation
    (built.articles_dir / "new.txt").write_text(NEW_ARTICLE, encoding="utf-8")

    def progress(event: UpdateProgress) -> None:
        if event.stage == stage:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        update_index(built, HashEmbedder(), progress=progress)
    assert index_status(built).generation == before
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
        update_index(built, HashEmbedder(), rebuild=True, checkpoint=checkpoint)
    assert (built.index_dir / "CURRENT").read_text() == before
    assert sorted(p.name for p in built.index_dir.glob("epoch-*")) == ["epoch-1"]


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
