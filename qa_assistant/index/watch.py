"""Keep an index up to date while files arrive or change in the articles folder.

Reusable by the CLI (``qa-assistant watch``) and the TUI: :func:`watch_articles`
blocks until ``stop_event`` is set, runs one update at start, then one update
after each burst of file events once the folder has been quiet for
``settings.watch_debounce_ms``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Settings
from ..errors import IngestError, QAError
from ..ingest import is_article_name
from ..models import UpdateProgress, UpdateReport
from .update import update_index

if TYPE_CHECKING:
    from ..embedding.embedder import Embedder

_TICK_MS = 200
"""How often the watcher wakes up without events, to check the quiet time and the stop event."""


def article_event_filter(root: Path) -> Callable[[object, str], bool]:
    """A watchfiles filter passing article files and folders (which may hold articles), not hidden ones."""

    def accept(change: object, path: str) -> bool:
        try:
            parts = Path(path).relative_to(root).parts
        except ValueError:
            return False
        if not parts or any(part.startswith(".") for part in parts):
            return False
        name = parts[-1]
        return is_article_name(name) or "." not in name

    return accept


def article_changes(root: Path, stop_event: threading.Event, quiet_ms: int, *,
                    force_polling: bool | None = None) -> Iterator[tuple[str, ...]]:
    """The one folder watcher: yields the changed article paths (sorted) each time a burst of
    events under ``root`` has been followed by ``quiet_ms`` of quiet; returns when
    ``stop_event`` is set (checked every ``_TICK_MS``)."""
    import watchfiles

    quiet_s = quiet_ms / 1000
    changed: set[str] = set()
    last_event = 0.0
    for changes in watchfiles.watch(
        root, watch_filter=article_event_filter(root), debounce=max(quiet_ms, _TICK_MS),
        step=50, stop_event=stop_event, rust_timeout=_TICK_MS, yield_on_timeout=True,
        raise_interrupt=True, force_polling=force_polling,
    ):
        now = time.monotonic()
        if changes:
            changed.update(path for _, path in changes)
            last_event = now
        if stop_event.is_set():
            return
        if changed and now - last_event >= quiet_s:
            batch, changed = tuple(sorted(changed)), set()
            yield batch


def watch_articles(settings: Settings, on_update: Callable[[UpdateReport], None], stop_event: threading.Event, *,
                   embedder: Embedder | None = None, on_error: Callable[[QAError], None] | None = None,
                   progress: Callable[[UpdateProgress], None] | None = None, initial_update: bool = True,
                   force_polling: bool | None = None) -> None:
    """Update the index at ``settings.index_dir`` from ``settings.articles_dir`` until ``stop_event`` is set.

    ``on_update`` gets each report.  A user error during an update (another
    process holds the lock, a damaged index...) goes to ``on_error`` and watching
    goes on; without ``on_error`` it is raised.  The embedder is loaded once, when
    the first update needs it.  Raises IngestError at once when the articles folder
    does not exist.
    """
    root = Path(settings.articles_dir).absolute()
    if not root.is_dir():
        raise IngestError(f"articles folder {root} does not exist; pass --articles or set 'articles_dir'")
    shared: list[Embedder] = [embedder] if embedder is not None else []

    def run_update() -> None:
        try:
            report = update_index(settings, shared[0] if shared else None, progress=progress,
                                  loaded=shared.append)
        except QAError as exc:
            if on_error is None:
                raise
            on_error(exc)
            return
        on_update(report)

    if initial_update:
        run_update()
    if stop_event.is_set():
        return
    for _paths in article_changes(root, stop_event, settings.watch_debounce_ms, force_polling=force_polling):
        run_update()
