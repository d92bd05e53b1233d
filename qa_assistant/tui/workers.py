"""Starting the chat's background work: thread workers whose failures are reported, not raised."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.worker import Worker


def start_work(app: App[Any], work: Callable[[], Any], group: str, *, exclusive: bool = False) -> Worker[Any]:
    """Run ``work`` in a thread worker named after its ``group``.

    An exception ends up in the app's ``Worker.StateChanged`` handler (a notification),
    never as a traceback.  ``exclusive``: cancel the group's earlier workers first.
    """
    return app.run_worker(work, name=group, group=group, thread=True, exit_on_error=False, exclusive=exclusive)
