"""Finding article files in a folder, checking them, and reading their bytes.

Nothing here decodes or parses: it decides *which* files are articles and reports
the ones that cannot be used (a link leading out of the folder or looping back on
itself, a name that is not UTF-8, a named pipe or device, a file that cannot be
read, one too large to index), so the rest can still be indexed.  Every report is
one line: a name with control characters or undecodable bytes is shown escaped
(:func:`shown_path`).
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from ..config import Settings
from ..errors import IngestError
from ..models import IngestFailure

ARTICLE_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")


@dataclass(frozen=True, init=False)
class ArticleFile:
    """One article file found under the articles folder."""

    fspath: str | os.PathLike[str]
    """Absolute path (as found: a symbolic link stays a link); a plain str when listed,
    since building a :class:`Path` for each of 100,000 files costs most of a listing."""
    relpath: str
    """Path relative to the articles folder, with forward slashes."""
    size: int
    mtime: float

    def __init__(self, path: str | os.PathLike[str], relpath: str, size: int, mtime: float) -> None:
        object.__setattr__(self, "fspath", path)
        object.__setattr__(self, "relpath", relpath)
        object.__setattr__(self, "size", size)
        object.__setattr__(self, "mtime", mtime)

    @property
    def path(self) -> Path:
        """The absolute path as a :class:`Path`, built on demand (for the few files that are read)."""
        return Path(self.fspath)


def is_article_name(name: str) -> bool:
    """True for a visible file name with one of :data:`ARTICLE_SUFFIXES` (any case)."""
    return not name.startswith(".") and name.lower().endswith(ARTICLE_SUFFIXES)


def shown_path(relpath: str) -> str:
    """``relpath`` as one printable line: undecodable bytes of a file name as ``\\xNN``,
    control characters (a newline in a name) escaped as Python writes them; plain names unchanged."""
    try:
        raw = relpath.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = relpath.encode("utf-8", "backslashreplace")
    text = raw.decode("utf-8", "backslashreplace")
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


def _is_utf8(name: str) -> bool:
    """False for a file name whose bytes are not UTF-8 (Python holds them as lone surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def list_article_files(root: Path) -> tuple[list[ArticleFile], list[IngestFailure]]:
    """All article files under ``root`` (recursive, sorted by relpath) and the ones that cannot be used.

    Hidden files and folders (name starting with ".") are skipped.  A symbolic link
    whose target lies outside ``root`` is reported, never followed; links to folders
    inside ``root`` are not followed either (their files are found at their real place).
    A name that is not UTF-8 is reported (under its :func:`shown_path`) and not read.
    Raises IngestError if ``root`` is not a folder.
    """
    root = Path(root).absolute()
    if not _is_utf8(str(root)):
        raise IngestError(f"articles folder {shown_path(str(root))} has a name that is not valid UTF-8; "
                          "rename it (for example with `mv`)")
    if not root.is_dir():
        if root.is_symlink() and not root.exists():
            what = "is a broken link or one that loops back on itself"
        else:
            what = "does not exist" if not root.exists() else "is not a folder"
        raise IngestError(f"articles folder {root} {what}; pass --articles or set 'articles_dir'")
    real_root = root.resolve()
    files: list[ArticleFile] = []
    failures: list[IngestFailure] = []
    _walk(str(root), "", real_root, files, failures, _Reader())
    files.sort(key=lambda f: f.relpath)
    failures.sort(key=lambda f: f.path)
    return files, failures


class _Reader:
    """Decides cheaply whether this process may read a regular file.

    A file we own with the owner's read bit set is readable as far as permissions
    go, so the common case costs no system call; any other file is opened (without
    blocking) to find out.  A file that still cannot be read (a network share that
    refuses root, say) is reported when it is read, as one changed since listing is.
    """

    def __init__(self) -> None:
        self.euid = os.geteuid() if hasattr(os, "geteuid") else -1

    def problem(self, fspath: str, relpath: str, st: os.stat_result) -> str | None:
        if st.st_uid == self.euid and st.st_mode & stat.S_IRUSR:
            return None
        try:
            fd = os.open(fspath, os.O_RDONLY | os.O_NONBLOCK)
        except OSError as exc:
            return _os_problem(relpath, exc)
        os.close(fd)
        return None


def _walk(folder: str, prefix: str, real_root: Path,
          files: list[ArticleFile], failures: list[IngestFailure], reader: _Reader) -> None:
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
            if not _is_utf8(entry.name):
                if entry.is_dir(follow_symlinks=False) or is_article_name(entry.name):
                    _add_bad_name(relpath, failures)
            elif entry.is_symlink():
                _add_link(entry, relpath, real_root, files, failures, reader)
            elif entry.is_dir(follow_symlinks=False):
                _walk(entry.path, relpath + "/", real_root, files, failures, reader)
            elif is_article_name(entry.name):
                _add_file(entry.path, relpath, entry.stat(follow_symlinks=False), files, failures, reader)
        except OSError as exc:
            failures.append(IngestFailure(relpath, _os_problem(relpath, exc)))


def _add_bad_name(relpath: str, failures: list[IngestFailure]) -> None:
    shown = shown_path(relpath)
    failures.append(IngestFailure(
        shown, f"{shown} has a name that is not valid UTF-8; rename it (for example with `mv`) to index it",
    ))


def _add_link(entry: os.DirEntry[str], relpath: str, real_root: Path,
              files: list[ArticleFile], failures: list[IngestFailure], reader: _Reader) -> None:
    try:
        target = Path(entry.path).resolve(strict=True)
    except FileNotFoundError:
        if is_article_name(entry.name):
            failures.append(IngestFailure(relpath, f"{shown_path(relpath)} is a broken link; fix or remove it"))
        return
    except (RuntimeError, OSError) as exc:  # Python 3.11 raises RuntimeError for a loop, later ones OSError
        if isinstance(exc, RuntimeError) or exc.errno == errno.ELOOP:
            if is_article_name(entry.name) or "." not in entry.name:  # an article, or maybe a folder
                failures.append(IngestFailure(
                    relpath, f"{shown_path(relpath)} is a link that loops back on itself; "
                    "point it at a file or remove it",
                ))
            return
        raise
    is_dir = target.is_dir()
    if not is_dir and not is_article_name(entry.name):
        return
    if not target.is_relative_to(real_root):
        failures.append(IngestFailure(
            relpath,
            f"{shown_path(relpath)} is a link that points outside the articles folder ({shown_path(str(target))}); "
            "copy the file into the folder instead",
        ))
        return
    if is_dir:
        return  # its files are listed where they really are
    _add_file(entry.path, relpath, os.stat(entry.path), files, failures, reader)


def _add_file(fspath: str, relpath: str, st: os.stat_result,
              files: list[ArticleFile], failures: list[IngestFailure], reader: _Reader) -> None:
    if not stat.S_ISREG(st.st_mode):
        failures.append(IngestFailure(
            relpath, f"{shown_path(relpath)} is {_kind(st.st_mode)}, not a regular file; "
            "remove it from the articles folder",
        ))
        return
    problem = reader.problem(fspath, relpath, st)
    if problem is not None:
        failures.append(IngestFailure(relpath, problem))
        return
    files.append(ArticleFile(fspath, relpath, st.st_size, st.st_mtime))


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a folder" if stat.S_ISDIR(mode) else "a special file"


def _os_problem(relpath: str, exc: OSError) -> str:
    shown = shown_path(relpath)
    if isinstance(exc, PermissionError):
        return f"{shown} cannot be read (permission denied); make it readable (chmod a+r) or remove it"
    return f"{shown} cannot be read ({exc.strerror or exc}); check the file or remove it"


def check_size(file: ArticleFile, settings: Settings) -> IngestFailure | None:
    """A failure if the file is larger than ``settings.max_file_bytes`` (decided from its size, unread)."""
    if file.size <= settings.max_file_bytes:
        return None
    return IngestFailure(file.relpath, _too_big(file.relpath, file.size, settings.max_file_bytes))


def _too_big(relpath: str, size: int, limit: int) -> str:
    return (f"{shown_path(relpath)} is {_megabytes(size)}, larger than max_file_bytes "
            f"({_megabytes(limit)}); split it or raise the setting")


def _megabytes(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB"


def read_article_bytes(file: ArticleFile, max_bytes: int | None = None) -> bytes:
    """The file's raw bytes; IngestError (one line, names the relpath) if it cannot be read.

    Opened without blocking and checked to be a regular file, so a named pipe put in
    its place after listing is refused instead of waiting for a writer forever.  With
    ``max_bytes``, a file that has grown past it since it was listed is refused too,
    and never more than that is read.
    """
    try:
        fd = os.open(file.fspath, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise IngestError(_os_problem(file.relpath, exc)) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise IngestError(f"{shown_path(file.relpath)} is {_kind(st.st_mode)}, not a regular file; "
                              "remove it from the articles folder")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read() if max_bytes is None else handle.read(max_bytes + 1)
    except OSError as exc:
        raise IngestError(_os_problem(file.relpath, exc)) from None
    finally:
        os.close(fd)
    if max_bytes is not None and len(data) > max_bytes:
        raise IngestError(_too_big(file.relpath, max(st.st_size, len(data)), max_bytes))
    return data


def content_hash(data: bytes) -> str:
    """SHA-256 hex digest of the raw bytes (decides whether a file changed)."""
    return hashlib.sha256(data).hexdigest()
