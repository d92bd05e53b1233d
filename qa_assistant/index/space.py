"""Disk space: what an index takes, and telling a full disk from other write errors."""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

from ..config import Settings
from ..errors import QAError
from ..ingest import list_article_files

NEARLY_FULL = 1_000_000
"""Free bytes below which an I/O error while writing is taken for a full disk."""


def disk_nearly_full(folder: Path) -> bool:
    try:
        st = os.statvfs(folder if folder.exists() else folder.parent)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < NEARLY_FULL


def disk_usage(folder: Path) -> int:
    """Bytes of every file under ``folder``."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def disk_full(exc: BaseException, index_dir: Path) -> bool:
    """ENOSPC, SQLite's "database or disk is full", or an I/O error on a disk with (almost) no room."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    if isinstance(exc, sqlite3.DatabaseError) and "full" in str(exc):
        return True
    return ("I/O error" in str(exc) or isinstance(exc, OSError)) and disk_nearly_full(index_dir)


def needed(settings: Settings) -> str:
    """Room a full build of the articles folder takes (about 6× their size), as text."""
    try:
        files, _ = list_article_files(settings.articles_dir)
        total = sum(f.size for f in files)
    except QAError:
        total = 0
    return f"{max(1.0, 6 * total / 1e6):.0f} MB"
