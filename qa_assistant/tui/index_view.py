"""The app's index actions: the status bar figures, Ctrl+R updates, reloading (a base of ``QAApp``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import App
from textual.worker import Worker

from . import messages as msg

if TYPE_CHECKING:
    from ..config import Settings
    from .backend import Backend
    from .screens.chat import ChatScreen


class IndexView(App[None]):
    """Keeps the index bar true and runs updates in a worker while the chat stays usable."""

    chat: ChatScreen
    settings: Settings
    backend: Backend
    updating: bool
    auto_update: bool

    @property
    def ready(self) -> bool:
        return self.backend.ready

    def start_work(self, work: Callable[[], Any], group: str) -> Worker[Any]:
        """Run ``work`` in a thread worker; its exceptions become notifications, not tracebacks."""
        return self.run_worker(work, name=group, group=group, thread=True, exit_on_error=False)

    @on(msg.IndexStatusChanged)
    def _status(self, message: msg.IndexStatusChanged) -> None:
        self.chat.status_bar.set_status(message.status, message.error)
        status = message.status
        if self.auto_update and status is not None and status.pending > 0 and not self.updating:
            self.action_update_index()

    def action_update_index(self) -> None:
        if self.updating:
            self.notify("An index update is already running.", severity="warning")
            return
        self.updating = True
        self.chat.status_bar.set_activity("Updating the index…")
        self.start_work(self.backend.update, "update")

    @on(msg.UpdateProgressed)
    def _update_progress(self, message: msg.UpdateProgressed) -> None:
        if self.updating:
            self.chat.status_bar.show_progress(message.progress)

    @on(msg.UpdateFinished)
    def _update_finished(self, message: msg.UpdateFinished) -> None:
        self.updating = False
        bar = self.chat.status_bar
        bar.hide_progress()
        bar.set_activity("")
        report = message.report
        if report is None:
            self.notify(message.error or "the update failed", title="Index update failed", severity="error")
            return
        self.notify(f"{report.added} added, {report.changed} changed, {report.removed} removed "
                    f"({report.seconds:.1f} s).", title="Index updated")
        for failure in report.failed[:3]:
            self.notify(f"{failure.path}: {failure.error}", title="Skipped a file", severity="warning")
        if self.ready:
            self.start_work(self.backend.reload, "engine")
        else:
            bar.set_activity("Loading the models…", busy=True)
            self.start_work(self.backend.load, "engine")
        self.start_work(self.backend.refresh_status, "status")

    @on(msg.IndexReloaded)
    def _reloaded(self) -> None:
        self.start_work(self.backend.refresh_status, "status")

    def how_to_build(self) -> str:
        s = self.settings
        if not s.articles_dir.is_dir():
            return (f"No index in {s.index_dir}, and the articles folder {s.articles_dir} does not exist. "
                    "Restart with --articles DIR pointing at a folder of .txt/.md/.html articles.")
        return (f"No index yet in {s.index_dir}.\n\nPress Ctrl+R to build it from the articles in "
                f"{s.articles_dir} (progress shows below; the chat stays usable), or run:\n\n"
                f"  qa-assistant index update --index {s.index_dir} --articles {s.articles_dir}")

