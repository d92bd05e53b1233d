"""One policy for which articles folder an index mirrors when none was chosen.

Without ``--articles`` (and none configured), an existing index keeps mirroring
the folder it was built from.  That folder is read from ``SOURCE``, which lives
outside the index's epochs so it survives the loss of a damaged store; an index
of the older format keeps it in its store's meta.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from urllib.parse import quote

from ..config import Settings, sample_articles_dir
from .layout import CURRENT_NAME, STORE_NAME, remembered_source


def built_from(index_dir: Path) -> Path | None:
    """The articles folder ``index_dir`` was built from, or None when it cannot be known."""
    found = remembered_source(index_dir)
    return found if found is not None else _older_format_source(index_dir)


def follow_index_folder(settings: Settings, articles_given: bool = False) -> Settings:
    """``settings`` pointed at the folder the index was built from, unless a folder was chosen
    (``articles_given``, or a configured ``articles_dir`` other than the packaged samples)."""
    if articles_given or settings.articles_dir != sample_articles_dir().absolute():
        return settings
    folder = built_from(settings.index_dir)
    return settings.replace(articles_dir=folder) if folder is not None else settings


def _older_format_source(index_dir: Path) -> Path | None:
    try:
        generation = json.loads((index_dir / CURRENT_NAME).read_bytes())["generation"]
        store = index_dir / f"gen-{int(generation)}" / STORE_NAME
        if not store.is_file():
            return None
        conn = sqlite3.connect(f"file:{quote(str(store))}?mode=ro&immutable=1", uri=True)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'articles_dir'").fetchone()
        finally:
            conn.close()
    except (OSError, ValueError, TypeError, KeyError, sqlite3.DatabaseError):
        return None
    return Path(row[0]) if row and row[0] else None
