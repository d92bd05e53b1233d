"""A full disk during an update: one line naming the folder and the space needed; the index survives.

Runs on a small tmpfs mounted for the test (needs root and mount); skipped with the reason otherwise.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from index_helpers import ARTICLES, HashEmbedder, write_tree

from qa_assistant.config import Settings
from qa_assistant.errors import DiskFullError
from qa_assistant.index import open_index, update_index, verify_index


@pytest.fixture()
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip() or done.returncode}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path, leave: int) -> Path:
    """A file taking all the free space of ``disk`` but ``leave`` bytes."""
    import os

    st = os.statvfs(disk)
    ballast = disk / "ballast"
    ballast.write_bytes(b"\0" * max(0, st.f_bavail * st.f_frsize - leave))
    return ballast


def test_full_disk_keeps_the_index_and_says_what_to_do(small_disk: Path, tmp_path: Path) -> None:
    articles = write_tree(tmp_path / "articles", ARTICLES)
    settings = Settings(articles_dir=articles, index_dir=small_disk / "index")
    update_index(settings, HashEmbedder())
    ballast = fill(small_disk, leave=8_000)
    for i in range(40):
        (articles / f"more-{i}.txt").write_text(f"More {i}\n\n" + f"Sentence {i} about the harbour. " * 60)

    with pytest.raises(DiskFullError) as caught:
        update_index(settings, HashEmbedder())
    message = str(caught.value)
    assert "\n" not in message and str(settings.index_dir) in message and "MB" in message
    with open_index(settings.index_dir) as reader:
        assert reader.counts()[0] == 3  # the previous generation, whole
    assert verify_index(settings) == []

    with pytest.raises(DiskFullError):
        update_index(settings, HashEmbedder(), rebuild=True)
    assert not list(settings.index_dir.glob("*.tmp"))
    with open_index(settings.index_dir) as reader:
        assert reader.counts()[0] == 3

    ballast.unlink()
    assert update_index(settings, HashEmbedder()).added == 40
    assert verify_index(settings) == []
