"""The always-visible index bar: articles, passages, models, pending files, and what runs now."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import LoadingIndicator, ProgressBar, Static

if TYPE_CHECKING:
    from ...models import IndexStatus, UpdateProgress

STAGE_NAMES = {"scan": "scanning", "embed": "indexing", "write": "writing"}
"""The stages the progress bar shows; reading overlaps indexing, whose count it already is."""


def short_model_name(name: str) -> str:
    """``sentence-transformers/all-MiniLM-L6-v2`` -> ``all-MiniLM-L6-v2``."""
    return name.rstrip("/").rsplit("/", 1)[-1] if name else "?"


def pending_text(pending: int) -> str:
    if pending < 0:
        return "articles folder missing"
    if pending == 0:
        return "up to date"
    return f"{pending} new/changed — Ctrl+R updates"


class IndexStatusBar(Vertical):
    """``3 articles · 9 passages │ up to date │ all-MiniLM-L6-v2 · extractive``; below it, while
    something runs in the background, a line saying what (with a progress bar for updates)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.status: IndexStatus | None = None
        self.index_error: str | None = None
        self.llm = "loading…"
        self.embedder = ""

    def compose(self) -> ComposeResult:
        yield Static("Index: reading…", id="index-info", markup=False)
        row = Horizontal(id="activity-row")
        row.display = False
        with row:
            busy = LoadingIndicator(id="busy")
            busy.display = False
            yield busy
            yield Static("", id="activity", markup=False)
            progress = ProgressBar(id="update-progress", show_eta=False)
            progress.display = False
            yield progress

    @property
    def info_text(self) -> str:
        return str(self.query_one("#index-info", Static).content)

    def set_status(self, status: IndexStatus | None, error: str | None = None) -> None:
        self.status = status
        self.index_error = error
        if status is not None and status.embedder:
            self.embedder = short_model_name(status.embedder)
        self._render_info()

    def set_llm(self, label: str) -> None:
        self.llm = label
        self._render_info()

    def set_activity(self, text: str, *, busy: bool = False) -> None:
        """What runs in the background now ("" when idle)."""
        self.query_one("#activity", Static).update(text)
        self.query_one("#busy").display = busy
        self._show_row()

    def show_progress(self, progress: UpdateProgress) -> None:
        if progress.stage not in STAGE_NAMES:
            return
        bar = self.query_one("#update-progress", ProgressBar)
        bar.display = True
        bar.update(total=max(progress.total, 1), progress=progress.done)
        stage = STAGE_NAMES.get(progress.stage, progress.stage)
        counted = "" if progress.stage == "write" else f" {progress.done}/{progress.total} files"
        self.set_activity(f"Updating index: {stage}{counted}")

    def hide_progress(self) -> None:
        self.query_one("#update-progress", ProgressBar).display = False
        self._show_row()

    def _show_row(self) -> None:
        text = str(self.query_one("#activity", Static).content)
        self.query_one("#activity-row").display = bool(text) or self.query_one("#update-progress").display

    def _render_info(self) -> None:
        models = " · ".join(p for p in (self.embedder, self.llm) if p)
        if self.status is None:
            head = "No index — Ctrl+R builds it" if self.index_error else "Index: reading…"
        else:
            s = self.status
            head = f"{s.articles} articles · {s.passages} passages │ {pending_text(s.pending)}"
        self.query_one("#index-info", Static).update(f"{head} │ {models}" if models else head)
