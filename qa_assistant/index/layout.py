"""Where an index keeps its files, and the pointer that names the live store.

    <index_dir>/CURRENT        {"format": 2, "epoch": e}: the live epoch
    <index_dir>/SOURCE         {"articles_dir": "..."}: the folder the index mirrors
    <index_dir>/epoch-<e>/     store.sqlite (WAL, updated in place) and base-<k>/ files
    <index_dir>/.lock          one writer at a time
    <index_dir>/conversations/ the chat's, never touched here

An update changes ``epoch-<e>/store.sqlite`` in one transaction; a rebuild builds
``epoch-<e+1>.tmp/``, renames it and swaps CURRENT.  SOURCE lives outside the
epochs, so the folder an index was built from survives the loss of its store.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..errors import IndexCorruptError, IndexMissingError
from ..fsutil import atomic_write_text, fsync_path

CURRENT_NAME = "CURRENT"
SOURCE_NAME = "SOURCE"
LOCK_NAME = ".lock"
STORE_NAME = "store.sqlite"
FORMAT = 2
_EPOCH_RE = re.compile(r"^epoch-(\d+)(\.tmp)?$")
_OLD_RE = re.compile(r"^gen-\d+(\.tmp)?$")


def remembered_source(index_dir: Path) -> Path | None:
    """The articles folder recorded in SOURCE, or None when unknown or unreadable."""
    try:
        data = json.loads((index_dir / SOURCE_NAME).read_bytes())
        folder = data["articles_dir"]
    except (OSError, ValueError, TypeError, KeyError):
        return None
    return Path(folder) if isinstance(folder, str) and folder else None


def remember_source(index_dir: Path, articles_dir: Path) -> None:
    if remembered_source(index_dir) != Path(articles_dir):
        atomic_write_text(index_dir / SOURCE_NAME, json.dumps({"articles_dir": str(articles_dir)}) + "\n")


def rebuild_hint(index_dir: Path) -> str:
    """The command that repairs ``index_dir``; names --articles when the folder is unknown."""
    if remembered_source(index_dir) is None:
        return f"run `qa-assistant index rebuild --index {index_dir} --articles DIR` with its articles folder"
    return f"run `qa-assistant index rebuild --index {index_dir}`"


def corrupt(index_dir: Path, what: str) -> IndexCorruptError:
    """The one-line error for a damaged index, naming the command that repairs it."""
    return IndexCorruptError(f"index {index_dir} is damaged ({what}); {rebuild_hint(index_dir)}")


def check_index_path(index_dir: Path) -> None:
    """A regular file (or other non-folder) given as the index is a one-line error."""
    if index_dir.exists() and not index_dir.is_dir():
        raise IndexMissingError(f"index {index_dir} is a file, not an index folder; "
                                "pass --index with a folder (new or holding an index)")


@dataclass(frozen=True)
class Live:
    epoch: int
    folder: Path

    @property
    def store(self) -> Path:
        return self.folder / STORE_NAME


def epoch_dir(index_dir: Path, epoch: int) -> Path:
    return index_dir / f"epoch-{epoch}"


def read_current(index_dir: Path) -> Live | None:
    """The live epoch, or None when no index was ever published here.

    Raises IndexCorruptError when CURRENT is unreadable, names a missing epoch or
    is in the old (generation folders) format.
    """
    check_index_path(index_dir)
    path = index_dir / CURRENT_NAME
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise corrupt(index_dir, f"{CURRENT_NAME} is a folder") from None
    except OSError as exc:
        raise corrupt(index_dir, f"cannot read {CURRENT_NAME}: {exc.strerror}") from None
    try:
        data = json.loads(raw.decode("utf-8"))
        if not isinstance(data, dict):
            raise ValueError(data)
    except ValueError:
        raise corrupt(index_dir, f"{CURRENT_NAME} holds no pointer") from None
    if "generation" in data and "epoch" not in data:
        raise IndexCorruptError(f"index {index_dir} is in an older format (generation folders) that this "
                                f"version does not read; run `qa-assistant index rebuild --index {index_dir}`")
    epoch = data.get("epoch")
    if data.get("format") != FORMAT or not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 1:
        raise corrupt(index_dir, f"{CURRENT_NAME} is not {{\"format\": {FORMAT}, \"epoch\": n}}")
    folder = epoch_dir(index_dir, epoch)
    if not (folder / STORE_NAME).is_file():
        raise corrupt(index_dir, f"{CURRENT_NAME} names epoch-{epoch}, whose store is missing")
    return Live(epoch, folder)


def require_current(index_dir: Path) -> Live:
    """Like :func:`read_current` but a missing index is an IndexMissingError."""
    live = read_current(index_dir)
    if live is None:
        raise IndexMissingError(
            f"no index at {index_dir}; build it with `qa-assistant index update --index {index_dir} --articles DIR`"
        )
    return live


def write_current(index_dir: Path, epoch: int) -> None:
    """Atomically point CURRENT at ``epoch`` (replacing a damaged CURRENT, even a folder)."""
    path = index_dir / CURRENT_NAME
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    atomic_write_text(path, json.dumps({"format": FORMAT, "epoch": epoch}) + "\n")


def next_epoch(index_dir: Path) -> int:
    numbers = [int(m.group(1)) for e in _entries(index_dir) if (m := _EPOCH_RE.match(e.name))]
    return max(numbers, default=0) + 1


def publish(index_dir: Path, temp: Path, epoch: int) -> Path:
    """Rename a finished temp epoch into place (not yet current)."""
    final = epoch_dir(index_dir, epoch)
    os.rename(temp, final)
    fsync_path(index_dir)
    return final


def remove_stale(index_dir: Path, keep: int | None) -> None:
    """Delete every epoch folder but ``keep``, temp folders, old-format generations and stray temp files."""
    for entry in _entries(index_dir):
        match = _EPOCH_RE.match(entry.name)
        stale = (match is not None and (match.group(2) or int(match.group(1)) != keep)) or _OLD_RE.match(entry.name)
        if stale and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
    for name in (CURRENT_NAME, SOURCE_NAME):
        for stray in index_dir.glob(f".{name}.*.tmp"):
            stray.unlink(missing_ok=True)


def _entries(index_dir: Path) -> list[Path]:
    return list(index_dir.iterdir()) if index_dir.is_dir() else []
