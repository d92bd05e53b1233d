"""The list of past conversations of this index; returns the chosen id (None: cancelled)."""

from __future__ import annotations

import time
from collections.abc import Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...chats.store import ConversationSummary


def summary_prompt(summary: ConversationSummary, current: bool) -> Text:
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(summary.updated))
    text = Text()
    text.append(summary.title or "(untitled)", style="bold")
    count = f"{summary.questions} question{'s' if summary.questions != 1 else ''}"
    text.append(f"\n  {when} · {count}" + (" · current" if current else ""), style="dim")
    return text


class ConversationsScreen(ModalScreen[str | None]):
    BINDINGS = [
        Binding("escape,q", "dismiss", "Back"),
    ]

    def __init__(self, summaries: Sequence[ConversationSummary], current_id: str | None = None) -> None:
        super().__init__()
        self.summaries = list(summaries)
        self.current_id = current_id

    def compose(self) -> ComposeResult:
        with Vertical(id="conversations-dialog"):
            yield Static("Past conversations of this index", id="conversations-title")
            if self.summaries:
                yield OptionList(*[Option(summary_prompt(s, s.id == self.current_id), id=s.id)
                                   for s in self.summaries], id="conversations-list")
            else:
                yield Static("No saved conversations yet: ask a question and it is saved here.",
                             id="conversations-empty")
            yield Static("Enter: open · Escape: back", id="conversations-help")

    def on_mount(self) -> None:
        if self.summaries:
            self.query_one("#conversations-list").focus()

    @on(OptionList.OptionSelected, "#conversations-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option_id)
