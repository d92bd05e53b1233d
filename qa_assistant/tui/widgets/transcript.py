"""The scrolling list of exchanges, with a notice at the top when there is something to say."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from .exchange import ExchangeView

WELCOME = "Ask a question about the articles below. Answers cite their sources as [n]; F1 lists the keys."


class Transcript(VerticalScroll):
    """Questions and answers of the current conversation, oldest first."""

    def compose(self) -> ComposeResult:
        yield Static(WELCOME, id="notice", markup=False)

    def set_notice(self, text: str, *, warning: bool = False) -> None:
        """Replace the text at the top of the transcript (welcome, or how to build an index)."""
        notice = self.query_one("#notice", Static)
        notice.update(text or WELCOME)
        notice.set_class(warning, "-warning")

    @property
    def exchanges(self) -> list[ExchangeView]:
        return list(self.query(ExchangeView))

    def get(self, exchange_id: str) -> ExchangeView | None:
        found = self.query(f"#x-{exchange_id}")
        return found.first(ExchangeView) if found else None

    async def add(self, view: ExchangeView) -> ExchangeView:
        await self.mount(view)
        self.scroll_end(animate=False)
        return view

    async def clear(self) -> None:
        await self.query(ExchangeView).remove()
