"""An answer streaming into its exchange (Textual's MarkdownStream): markers never show half-written."""

from __future__ import annotations

import asyncio

from textual.app import App, ComposeResult

from qa_assistant.models import Citation
from qa_assistant.tui.widgets.exchange import ExchangeView


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield ExchangeView("x1", "How much will the bridge cost?")


def test_tokens_stream_in_and_a_marker_becomes_a_link_once_it_is_whole() -> None:
    app = Host()

    async def scenario() -> None:
        async with app.run_test() as pilot:
            view = app.query_one(ExchangeView)
            view.set_citations(tuple(Citation(n, "a.txt", "A", 0, 1, "x") for n in (1, 2)))
            shown = view.markdown

            async def feed(token: str) -> str:
                await view.add_token(token)
                await pilot.pause(0.1)
                return shown.source

            assert await feed("The bridge will cost") == "The bridge will cost"
            assert await feed(" 42 million [") == "The bridge will cost 42 million "
            assert await feed("1, ") == "The bridge will cost 42 million "
            assert await feed("2]. It opens") == ("The bridge will cost 42 million "
                                                 "[\\[1\\]](cite:1)[\\[2\\]](cite:2). It opens")
            assert view.text == "The bridge will cost 42 million [1, 2]. It opens"
            assert "42 million" in str(shown.query_one("MarkdownParagraph").content)
            await view.close_stream()

    asyncio.run(scenario())
