"""The diff between an articles folder and an index: what an update must add, change, move or remove.

Cheap first: a file whose (path, size, mtime) matches the store is unchanged
without being read, and so is a file that failed before with the same size and
mtime (it is reported as failed again, not retried).  Otherwise its bytes are
hashed: same hash as stored means only its mtime moved; a hash stored under a
path that is gone means a rename (no embedding); anything else must be parsed
and embedded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Settings
from ..errors import IngestError
from ..ingest import ArticleFile, check_size, content_hash, list_article_files, read_article_bytes
from ..models import IngestFailure, UpdateProgress
from .store import KnownFailure, StoredArticle


@dataclass
class Plan:
    unchanged: int = 0
    touched: list[tuple[ArticleFile, int]] = field(default_factory=list)
    """Same content, new size/mtime: (file, article id) — the store's stat is refreshed."""
    added: list[ArticleFile] = field(default_factory=list)
    changed: list[tuple[ArticleFile, int]] = field(default_factory=list)
    """New content at an indexed path: (file, article id)."""
    renamed: list[tuple[ArticleFile, StoredArticle]] = field(default_factory=list)
    """Indexed content found under a new path: (file, the article as stored)."""
    removed: list[StoredArticle] = field(default_factory=list)
    failed: list[IngestFailure] = field(default_factory=list)
    """Files that cannot be used; an indexed version of one stays in the index."""
    known_failed: list[IngestFailure] = field(default_factory=list)
    """Files that failed before and have not changed since (not read again)."""
    new_failures: list[tuple[IngestFailure, int, float]] = field(default_factory=list)
    """Failures to remember: (failure, size, mtime)."""
    forget_failures: list[str] = field(default_factory=list)
    """Remembered failures whose file changed or went away."""

    @property
    def pending(self) -> int:
        """Files an update would add, change, move or remove."""
        return len(self.added) + len(self.changed) + len(self.renamed) + len(self.removed)

    @property
    def is_empty(self) -> bool:
        return not (self.pending or self.touched or self.new_failures or self.forget_failures)

    @property
    def all_failed(self) -> list[IngestFailure]:
        return sorted(self.failed + self.known_failed, key=lambda f: f.path)


def make_plan(root: Path, stored: dict[str, StoredArticle], settings: Settings,
              progress: Callable[[UpdateProgress], None] | None = None,
              known: dict[str, KnownFailure] | None = None) -> Plan:
    """Compare the files under ``root`` with the ``stored`` articles (by relative path).

    Raises IngestError when ``root`` is not a folder.
    """
    known = known or {}
    files, failures = list_article_files(root)
    plan = Plan(failed=list(failures))
    candidates: list[tuple[ArticleFile, str, StoredArticle | None]] = []
    for done, file in enumerate(files, 1):
        if progress is not None:
            progress(UpdateProgress("scan", done, len(files), file.relpath))
        article = stored.get(file.relpath)
        if article is not None and article.size == file.size and article.mtime == file.mtime:
            plan.unchanged += 1
            if file.relpath in known:
                plan.forget_failures.append(file.relpath)
            continue
        failure = known.get(file.relpath)
        if failure is not None and failure.size == file.size and failure.mtime == file.mtime:
            plan.known_failed.append(IngestFailure(file.relpath, failure.error))
            continue
        if failure is not None:
            plan.forget_failures.append(file.relpath)
        too_big = check_size(file, settings)
        if too_big is not None:
            plan.failed.append(too_big)
            plan.new_failures.append((too_big, file.size, file.mtime))
            continue
        try:
            digest = content_hash(read_article_bytes(file))
        except IngestError as exc:
            plan.failed.append(IngestFailure(file.relpath, str(exc)))
            continue
        if article is not None and article.content_hash == digest:
            plan.touched.append((file, article.id))
            plan.unchanged += 1
        else:
            candidates.append((file, digest, article))

    listed = {f.relpath for f in files}
    plan.forget_failures += [path for path in known if path not in listed]
    present = listed | {f.path for f in plan.failed}
    # Articles under a folder that could not be listed are not gone, just unseen ("" = the root itself).
    unseen = tuple("" if f.path == "." else f"{f.path}/" for f in failures)
    gone = {path: article for path, article in stored.items()
            if path not in present and not path.startswith(unseen)}
    gone_by_hash: dict[str, list[StoredArticle]] = {}
    for article in sorted(gone.values(), key=lambda a: a.path):
        gone_by_hash.setdefault(article.content_hash, []).append(article)
    for file, digest, article in candidates:
        if article is not None:
            plan.changed.append((file, article.id))
        elif gone_by_hash.get(digest):
            moved = gone_by_hash[digest].pop(0)
            plan.renamed.append((file, moved))
            del gone[moved.path]
        else:
            plan.added.append(file)
    plan.removed = sorted(gone.values(), key=lambda a: a.path)
    return plan
