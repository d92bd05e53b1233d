"""Checks made before an index is read or extended: embedder, schema and format, base checksums."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from ..errors import EmbedderMismatchError
from .layout import corrupt, rebuild_hint
from .postings import file_crc
from .schema import FORMAT_VERSION, foreign_objects, read_meta

_REQUIRED_META = ("format_version", "embedder", "dimension", "articles_dir", "faiss_kind", "generation")


def check_embedder(index_dir: Path, meta: dict[str, str], embedder_name: str | None) -> None:
    if embedder_name is not None and meta["embedder"] != embedder_name:
        raise EmbedderMismatchError(
            f"index {index_dir} was built with embedder {meta['embedder']!r}, not {embedder_name!r}; "
            f"{rebuild_hint(index_dir)} (or set 'embedder_path' back)"
        )


def check_store(index_dir: Path, conn: sqlite3.Connection) -> dict[str, str]:
    """The store's meta once its schema and format are known good; IndexCorruptError otherwise."""
    try:
        foreign = foreign_objects(conn)
        if foreign:
            raise corrupt(index_dir, f"the store holds SQL this program did not create: {', '.join(foreign[:3])}")
        meta = read_meta(conn)
    except sqlite3.DatabaseError as exc:
        raise corrupt(index_dir, f"store: {exc}") from None
    missing = [key for key in _REQUIRED_META if key not in meta]
    if missing:
        raise corrupt(index_dir, f"meta lacks {', '.join(missing)}")
    if meta["format_version"] != str(FORMAT_VERSION):
        raise corrupt(index_dir, f"format version {meta['format_version']} is not the one this program reads "
                      f"({FORMAT_VERSION})")
    return meta


def base_files_ok(index_dir: Path, folder: Path, meta: dict[str, str], *, checksums: bool = True) -> None:
    """Every base file is present with its recorded size and (``checksums``) CRC-32."""
    if not meta.get("base"):
        return
    base = folder / meta["base"]
    try:
        files = json.loads(meta.get("base_files", "{}"))
    except ValueError:
        raise corrupt(index_dir, "meta base_files is not JSON") from None
    for name, (size, crc) in files.items():
        path = base / name
        try:
            if path.stat().st_size != size or (checksums and file_crc(path) != crc):
                raise corrupt(index_dir, f"{meta['base']}/{name} does not match its checksum")
        except OSError:
            raise corrupt(index_dir, f"{meta['base']}/{name} is missing") from None
