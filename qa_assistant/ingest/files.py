"""Finding article files in a folder, checking them, and reading their bytes.

Nothing here decodes or parses: it decides *which* files are articles and reports
the ones that cannot be used (a link leading out of the folder, a file that cannot
be read, one too large to index), so the rest can still be indexed.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from ..config import Settings
from ..errors import IngestError
from ..models import IngestFailure

ARTICLE_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")


@dataclass(frozen=True)
class ArticleFile:
    """One article file found under the articles folder."""

    path: Path
    """Absolute path (as found: a symbolic link stays a link)."""
    relpath: str
    """Path relative to the articles folder, with forward slashes."""
    size: int
    mtime: float


def is_article_name(name: str) -> bool:
    """True for a visible file name with one of :data:`ARTICLE_SUFFIXES` (any case)."""
    return not name.startswith(".") and name.lower().endswith(ARTICLE_SUFFIXES)


def list_article_files(root: Path) -> tuple[list[ArticleFile], list[IngestFailure]]:
    """All article files under ``root`` (recursive, sorted by relpath) and the ones that cannot be used.

    Hidden files and folders (name starting with ".") are skipped.  A symbolic link
    whose target lies outside ``root`` is reported, never followed; links to folders
    inside ``root`` are not followed either (their files are found at their real place).
    Raises IngestError if ``root`` is not a folder.
    """
    root = Path(root).absolute()
    if not root.is_dir():
        what = "does not exist" if not root.exists() else "is not a folder"
        raise IngestError(f"articles folder {root} {what}; pass --articles or set 'articles_dir'")
    real_root = root.resolve()
    files: list[ArticleFile] = []
    failures: list[IngestFailure] = []
    _walk(root, "", real_root, files, failures)
    files.sort(key=lambda f: f.relpath)
    failures.sort(key=lambda f: f.path)
    return files, failures


def _walk(folder: Path, prefix: str, real_root: Path,
          files: list[ArticleFile], failures: list[IngestFailure]) -> None:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        failures.append(IngestFailure(prefix.rstrip("/") or ".", _os_problem(prefix.rstrip("/") or ".", exc)))
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        relpath = prefix + entry.name
        try:
            if entry.is_symlink():
                _add_link(entry, relpath, real_root, files, failures)
            elif entry.is_dir(follow_symlinks=False):
                _walk(Path(entry.path), relpath + "/", real_root, files, failures)
            elif entry.is_file(follow_symlinks=False) and is_article_name(entry.name):
                _add_file(Path(entry.path), relpath, entry.stat(follow_symlinks=False), files, failures)
        except OSError as exc:
            failures.append(IngestFailure(relpath, _os_problem(relpath, exc)))


def _add_link(entry: os.DirEntry[str], relpath: str, real_root: Path,
              files: list[ArticleFile], failures: list[IngestFailure]) -> None:
    target = Path(entry.path).resolve()
    is_dir = target.is_dir()
    if not is_dir and not is_article_name(entry.name):
        return
    if not target.is_relative_to(real_root):
        failures.append(IngestFailure(
            relpath,
            f"{relpath} is a link that points outside the articles folder ({target}); "
            "copy the file into the folder instead",
        ))
        return
    if is_dir:
        return  # its files are listed where they really are
    if not target.exists():
        failures.append(IngestFailure(relpath, f"{relpath} is a broken link; fix or remove it"))
        return
    _add_file(Path(entry.path), relpath, os.stat(entry.path), files, failures)


def _add_file(path: Path, relpath: str, st: os.stat_result,
              files: list[ArticleFile], failures: list[IngestFailure]) -> None:
    if not stat.S_ISREG(st.st_mode):
        failures.append(IngestFailure(relpath, f"{relpath} is not a regular file; remove it from the articles folder"))
        return
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as exc:
        failures.append(IngestFailure(relpath, _os_problem(relpath, exc)))
        return
    os.close(fd)
    files.append(ArticleFile(path=path, relpath=relpath, size=st.st_size, mtime=st.st_mtime))


def _os_problem(relpath: str, exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return f"{relpath} cannot be read (permission denied); make it readable (chmod a+r) or remove it"
    return f"{relpath} cannot be read ({exc.strerror or exc}); check the file or remove it"


def check_size(file: ArticleFile, settings: Settings) -> IngestFailure | None:
    """A failure if the file is larger than ``settings.max_file_bytes`` (decided from its size, unread)."""
    if file.size <= settings.max_file_bytes:
        return None
    return IngestFailure(
        file.relpath,
        f"{file.relpath} is {_megabytes(file.size)}, larger than max_file_bytes "
        f"({_megabytes(settings.max_file_bytes)}); split it or raise the setting",
    )


def _megabytes(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB"


def read_article_bytes(file: ArticleFile) -> bytes:
    """The file's raw bytes; IngestError (one line, names the relpath) if it cannot be read."""
    try:
        return file.path.read_bytes()
    except OSError as exc:
        raise IngestError(_os_problem(file.relpath, exc)) from None


def content_hash(data: bytes) -> str:
    """SHA-256 hex digest of the raw bytes (decides whether a file changed)."""
    return hashlib.sha256(data).hexdigest()
