"""watch_articles with real file events (watchfiles) and the real embedder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from index_helpers import NEW_ARTICLE

from qa_assistant.config import Settings
from qa_assistant.errors import QAError
from qa_assistant.index import open_index
from qa_assistant.index.watch import article_event_filter, watch_articles
from qa_assistant.models import UpdateReport


def wait_for(condition: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
def test_watch_indexes_a_new_file(settings: Settings, real_embedder: Any) -> None:
    settings = settings.replace(watch_debounce_ms=300)
    reports: list[UpdateReport] = []
    errors: list[QAError] = []
    stop = threading.Event()
    thread = threading.Thread(
        target=watch_articles, args=(settings, reports.append, stop),
        kwargs={"embedder": real_embedder, "on_error": errors.append}, daemon=True,
    )
    thread.start()
    try:
        assert wait_for(lambda: len(reports) == 1, 60), "the initial update did not run"
        assert reports[0].added == 3
        time.sleep(0.5)  # let the watcher start
        (settings.articles_dir / "city").mkdir()
        (settings.articles_dir / "city" / "library.txt").write_text(NEW_ARTICLE, encoding="utf-8")
        assert wait_for(lambda: any(r.added == 1 for r in reports), 30), f"no update after the new file: {reports}"
        with open_index(settings.index_dir) as reader:
            assert reader.article_by_path("city/library.txt") is not None
        (settings.articles_dir / "science" / "volcano.txt").unlink()
        assert wait_for(lambda: any(r.removed == 1 for r in reports), 30), f"no update after the removal: {reports}"
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive(), "watch_articles did not stop"
    assert errors == []


def test_event_filter_passes_articles_and_folders_only(tmp_path: Path) -> None:
    accept = article_event_filter(tmp_path)
    assert accept(None, str(tmp_path / "news" / "a.txt"))
    assert accept(None, str(tmp_path / "news"))
    assert accept(None, str(tmp_path / "b.HTML"))
    assert not accept(None, str(tmp_path / ".git" / "a.txt"))
    assert not accept(None, str(tmp_path / "a.txt.swp"))
    assert not accept(None, str(tmp_path / "photo.jpg"))
    assert not accept(None, "/elsewhere/a.txt")


def _sigint_as_from_a_terminal() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow
def test_watch_command_stops_cleanly_on_ctrl_c(settings: Settings) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", "from qa_assistant.cli import main; main()", "watch",
         "--articles", str(settings.articles_dir), "--index", str(settings.index_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"},
        # as from a terminal: a suite started as a background job inherits SIGINT ignored, and
        # Python then never turns Ctrl-C into KeyboardInterrupt
        preexec_fn=_sigint_as_from_a_terminal,
    )
    try:
        assert wait_for(lambda: (settings.index_dir / "CURRENT").exists() or proc.poll() is not None, 180)
        time.sleep(1.0)
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    assert "3 added" in stdout and "Stopped watching." in stderr


def test_watch_refuses_a_missing_folder(tmp_path: Path) -> None:
    settings = Settings(articles_dir=tmp_path / "nope", index_dir=tmp_path / "index")
    with pytest.raises(QAError, match="nope"):
        watch_articles(settings, lambda report: None, threading.Event())
