"""Where an index keeps its files, and the durable file operations of an update.

``<index_dir>/CURRENT`` (JSON ``{"generation": n}``) names the live generation
``<index_dir>/gen-<n>/`` (``store.sqlite`` + ``passages.faiss``).  An update
builds ``gen-<n+1>.tmp/``, renames it to ``gen-<n+1>/`` and then replaces
``CURRENT`` atomically, so a reader always sees one complete generation.
``<index_dir>/conversations/`` belongs to the chat and is never touched here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

from ..errors import IndexCorruptError, IndexMissingError
from ..fsutil import atomic_write_text, fsync_path

CURRENT_NAME = "CURRENT"
LOCK_NAME = ".lock"
STORE_NAME = "store.sqlite"
FAISS_NAME = "passages.faiss"
_GEN_RE = re.compile(r"^gen-(\d+)(\.tmp)?$")


def rebuild_hint(index_dir: Path) -> str:
    return f"run `qa-assistant index rebuild --index {index_dir}`"


def corrupt(index_dir: Path, what: str) -> IndexCorruptError:
    """The one-line error for a damaged index, naming the command that repairs it."""
    return IndexCorruptError(f"index {index_dir} is damaged ({what}); {rebuild_hint(index_dir)}")


def generation_dir(index_dir: Path, generation: int) -> Path:
    return index_dir / f"gen-{generation}"


def temp_dir(index_dir: Path, generation: int) -> Path:
    return index_dir / f"gen-{generation}.tmp"


def read_current(index_dir: Path) -> int | None:
    """The live generation number, or None when no index was ever published here.

    Raises IndexCorruptError when CURRENT is unreadable or names a missing generation.
    """
    path = index_dir / CURRENT_NAME
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise corrupt(index_dir, f"cannot read {CURRENT_NAME}: {exc.strerror}") from None
    try:
        data = json.loads(raw)
        generation = data["generation"]
        if not isinstance(generation, int) or isinstance(generation, bool) or generation < 1:
            raise ValueError(generation)
    except (ValueError, TypeError, KeyError):
        raise corrupt(index_dir, f"{CURRENT_NAME} is not {{\"generation\": n}}") from None
    if not generation_dir(index_dir, generation).is_dir():
        raise corrupt(index_dir, f"{CURRENT_NAME} names gen-{generation}, which is missing")
    return generation


def require_current(index_dir: Path) -> int:
    """Like :func:`read_current` but a missing index is an IndexMissingError."""
    generation = read_current(index_dir)
    if generation is None:
        raise IndexMissingError(
            f"no index at {index_dir}; build it with `qa-assistant index update --index {index_dir} --articles DIR`"
        )
    return generation


def existing_generations(index_dir: Path) -> list[tuple[int, bool]]:
    """``(number, is_temp)`` of every ``gen-*`` folder present, in number order."""
    found: list[tuple[int, bool]] = []
    if not index_dir.is_dir():
        return found
    for entry in index_dir.iterdir():
        match = _GEN_RE.match(entry.name)
        if match:
            found.append((int(match.group(1)), bool(match.group(2))))
    return sorted(found)


def next_generation(index_dir: Path) -> int:
    """One past the highest generation present (published, orphaned or temporary)."""
    numbers = [n for n, _ in existing_generations(index_dir)]
    return max(numbers, default=0) + 1


def fsync_tree(folder: Path) -> None:
    """fsync every file in ``folder`` and then the folder itself."""
    for entry in folder.iterdir():
        if entry.is_file():
            fsync_path(entry)
    fsync_path(folder)


def write_current(index_dir: Path, generation: int) -> None:
    """Atomically point CURRENT at ``generation``."""
    atomic_write_text(index_dir / CURRENT_NAME, json.dumps({"generation": generation}) + "\n")


def publish(index_dir: Path, temp: Path, generation: int) -> Path:
    """Rename a finished temp generation into place (not yet current)."""
    final = generation_dir(index_dir, generation)
    os.rename(temp, final)
    fsync_path(index_dir)
    return final


def remove_stale(index_dir: Path, keep: set[int]) -> None:
    """Delete temp folders and every generation not in ``keep`` (and CURRENT's temp files)."""
    for number, is_temp in existing_generations(index_dir):
        if is_temp or number not in keep:
            path = temp_dir(index_dir, number) if is_temp else generation_dir(index_dir, number)
            shutil.rmtree(path, ignore_errors=True)
    for stray in index_dir.glob(f".{CURRENT_NAME}.*.tmp"):
        stray.unlink(missing_ok=True)
