"""Getting an index ready for asking: is it there (or can it be built), and bring it up to date.

The engine asks :func:`require_index_or_articles` before it loads any model (that takes
seconds), so a missing or damaged index is reported at once, and :func:`bring_up_to_date`
once the embedder is loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from ..config import Settings
from ..errors import IndexMissingError
from ..models import UpdateProgress
from .layout import read_current, require_current

if TYPE_CHECKING:
    from ..embedding.embedder import Embedder

IndexUpdate = Literal["never", "missing", "always"]
"""When to update before asking: never, only when no index exists yet, or always."""


def require_index_or_articles(settings: Settings, update: IndexUpdate) -> None:
    """IndexMissingError unless an index exists or ``update`` may build one from an existing
    articles folder; IndexCorruptError when the index's pointer is damaged.  Reads one small file."""
    try:
        require_current(settings.index_dir)
    except IndexMissingError:
        if update == "never" or not settings.articles_dir.is_dir():
            raise


def bring_up_to_date(settings: Settings, embedder: Embedder, update: IndexUpdate,
                     progress: Callable[[UpdateProgress], None] | None, status: Callable[[str], None]) -> None:
    """Build the index when it is missing ("missing"), or update it ("always"); "never" does nothing.
    Call :func:`require_index_or_articles` first: it says what is wrong when neither index nor articles exist."""
    from .update import update_index

    if update == "never" or (update == "missing" and read_current(settings.index_dir) is not None):
        return
    status(f"Indexing {settings.articles_dir}…")
    update_index(settings, embedder, progress=progress)
