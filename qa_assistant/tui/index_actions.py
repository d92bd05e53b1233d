"""The chat's index work: the status bar figures, Ctrl+R updates, reloading the engine after one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .workers import start_work

if TYPE_CHECKING:
    from textual.app import App

    from . import messages as msg
    from .backend import Backend
    from .screens.chat import ChatScreen


class IndexActions:
    """Keeps the index bar true and runs updates in a worker while the chat stays usable."""

    def __init__(self, app: App[Any], chat: ChatScreen, backend: Backend, auto_update: bool) -> None:
        self.app = app
        self.chat = chat
        self.backend = backend
        self.auto_update = auto_update
        self.updating = False

    def refresh(self) -> None:
        """Read the index figures again (a newer request replaces one still running)."""
        start_work(self.app, self.backend.refresh_status, "status", exclusive=True)

    def status_changed(self, message: msg.IndexStatusChanged) -> None:
        self.chat.status_bar.set_status(message.status, message.error)
        status = message.status
        if self.auto_update and status is not None and status.pending > 0 and not self.updating:
            self.update()

    def update(self) -> None:
        if self.updating:
            self.app.notify("An index update is already running.", severity="warning")
            return
        self.updating = True
        self.chat.status_bar.set_activity("Updating the index…")
        start_work(self.app, self.backend.update, "update")

    def progressed(self, message: msg.UpdateProgressed) -> None:
        if self.updating:
            self.chat.status_bar.show_progress(message.progress)

    def finished(self, message: msg.UpdateFinished) -> None:
        self.update_ended()
        report = message.report
        if report is None:
            self.app.notify(message.error or "the update failed", title="Index update failed", severity="error")
            return
        self.app.notify(f"{report.added} added, {report.changed} changed, {report.removed} removed "
                        f"({report.seconds:.1f} s).", title="Index updated")
        for failure in report.failed[:3]:
            self.app.notify(f"{failure.path}: {failure.error}", title="Skipped a file", severity="warning")
        if self.backend.ready:
            start_work(self.app, self.backend.reload, "engine")
        else:
            self.chat.status_bar.set_activity("Loading the models…", busy=True)
            start_work(self.app, self.backend.load, "engine")
        self.refresh()

    def update_ended(self) -> None:
        """The update is over (finished, failed, or its worker died)."""
        self.updating = False
        self.chat.status_bar.hide_progress()
        self.chat.status_bar.set_activity("")

    def how_to_build(self) -> str:
        s = self.backend.settings
        if not s.articles_dir.is_dir():
            return (f"No index in {s.index_dir}, and the articles folder {s.articles_dir} does not exist. "
                    "Restart with --articles DIR pointing at a folder of .txt/.md/.html articles.")
        return (f"No index yet in {s.index_dir}.\n\nPress Ctrl+R to build it from the articles in "
                f"{s.articles_dir} (progress shows below; the chat stays usable), or run:\n\n"
                f"  qa-assistant index update --index {s.index_dir} --articles {s.articles_dir}")
