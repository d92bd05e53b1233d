"""Snapshots of the chat (pytest-textual-snapshot): main screen, sources panel, article view.

Deterministic: fixed terminal size, the shared extractive engine over the session index
(same answer every run), no paths or timings on screen, no cursor blink, no toasts.
Update after a deliberate UI change with ``pytest tests/tui --snapshot-update``.
"""

from __future__ import annotations

from typing import Any

import pytest
from tui_helpers import TERMINAL, ask, wait_for

from qa_assistant.tui.screens.article import ArticleScreen

pytestmark = pytest.mark.slow


async def settle(pilot: Any) -> None:
    app = pilot.app
    app.chat.prompt.cursor_blink = False
    app.clear_notifications()
    await pilot.pause(0.3)


def test_main_screen_with_an_answer(snap_compare: Any, make_app: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await ask(pilot, "How much will the harbour bridge cost?")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=TERMINAL, run_before=run_before)


def test_sources_panel_of_an_earlier_answer(snap_compare: Any, make_app: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await ask(pilot, "How fast did the glacier retreat?")
        await ask(pilot, "Who won the chess final?")
        await pilot.press("ctrl+up")  # back to the glacier answer
        pilot.app.chat.sources.option_list.focus()
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=TERMINAL, run_before=run_before)


def test_article_view_with_the_cited_sentence_highlighted(snap_compare: Any, make_app: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await ask(pilot, "How much will the lighthouse repair cost?")
        await settle(pilot)
        app = pilot.app
        sources = app.chat.sources
        sources.option_list.focus()
        option_id = next(k for k, c in sources._citations.items() if "lighthouse" in c.text)
        sources.option_list.highlighted = sources.option_list.get_option_index(option_id)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ArticleScreen), 5, "the article")
        await pilot.pause(0.3)

    assert snap_compare(make_app(), terminal_size=TERMINAL, run_before=run_before)
