"""The help screen: every key of the chat (from ``keys.py``, so it never goes stale)."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..keys import APP_KEYS, WIDGET_KEYS

ABOUT = (
    "Ask questions about the articles folder. The program, not the model, checks each answer sentence "
    "against the source sentences it cites: ✓ supported, ~ partial, ✗ unsupported, or → attributed "
    "(the model cited nothing; the program attached the citation). A partial or unsupported sentence "
    "stays in the answer, marked, with the closest source sentences offered beside it. When the "
    "articles don't say, the answer says so and lists the closest sentences found (not as support). "
    "The sources panel shows the verdicts; open a citation to read the article at that sentence. "
    "In the article, sentences addressed to an AI model are dimmed and labelled: never used as sources."
)


def keys_table() -> Table:
    table = Table(box=None, expand=True, show_header=True, header_style="bold", pad_edge=False)
    table.add_column("Key", style="bold cyan", no_wrap=True)
    table.add_column("Where", style="dim", no_wrap=True)
    table.add_column("What it does", ratio=1)
    for key in (*APP_KEYS, *WIDGET_KEYS):
        table.add_row(key.label, key.where, key.description)
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,f1,question_mark", "dismiss", "Back"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog"):
            yield Static("Keys", id="help-title")
            with VerticalScroll(id="help-body"):
                yield Static(ABOUT, id="help-about", markup=False)
                yield Static(keys_table(), id="help-keys")
            yield Static("Escape: back · Ctrl+P: all actions by name", id="help-footer")
