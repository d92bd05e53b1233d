"""Conversations in the chat: saved per index, resumed, new; answers exported to Markdown."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import pytest
from tui_helpers import TERMINAL, ask, wait_for, wait_for_notification

from qa_assistant.tui.screens.conversations import ConversationsScreen

pytestmark = pytest.mark.slow


def test_conversation_is_saved_and_resumed_with_its_sources(make_app: Any) -> None:
    first = make_app()

    async def ask_one() -> Any:
        async with first.run_test(size=TERMINAL) as pilot:
            view = await ask(pilot, "How fast did the glacier retreat?")
            return view.answer

    answer = asyncio.run(ask_one())
    store, first_id = first.conversations.store, first.conversations.conversation.id
    saved = json.loads(store.path_of(first_id).read_text(encoding="utf-8"))
    assert saved["answers"] == [answer.to_json()]
    assert saved["title"] == "How fast did the glacier retreat?"

    again = make_app(resume="latest", store=store)

    async def resume() -> None:
        async with again.run_test(size=TERMINAL) as pilot:
            await wait_for(pilot, lambda: len(again.chat.transcript.exchanges) == 1, 10, "the resumed answer")
            view = again.chat.transcript.exchanges[0]
            assert view.question == answer.question and view.answer.answer == answer.answer
            assert again.chat.selected is view
            assert again.chat.sources.highlighted_citation is not None
            assert again.conversations.conversation.id == first_id

            await pilot.press("ctrl+n")
            await wait_for(pilot, lambda: not again.chat.transcript.exchanges, 5, "a new conversation")
            assert again.conversations.conversation.id != first_id

            await pilot.press("ctrl+o")
            await wait_for(pilot, lambda: isinstance(again.screen, ConversationsScreen), 5, "the list")
            assert [s.id for s in again.screen.summaries] == [first_id]
            await pilot.press("enter")
            await wait_for(pilot, lambda: len(again.chat.transcript.exchanges) == 1, 5, "the chosen conversation")
            assert again.conversations.conversation.id == first_id

    asyncio.run(resume())


def test_export_writes_markdown_with_the_answer_json_and_copies_it(make_app: Any) -> None:
    app = make_app()

    async def scenario() -> None:
        async with app.run_test(size=TERMINAL, notifications=True) as pilot:
            await pilot.press("ctrl+s")
            await wait_for_notification(pilot, "No answer to export")
            view = await ask(pilot, "Who won the chess final?")
            await pilot.press("ctrl+s")
            files = list((app.conversations.store.folder / "exports").glob("*.md"))
            assert len(files) == 1
            text = files[0].read_text(encoding="utf-8")
            assert app.clipboard == text
            block = re.search(r"```json\n(.*?)\n```", text, re.S)
            assert block is not None
            assert json.loads(block.group(1)) == view.answer.to_json()
            assert view.answer.citations[0].text in text

    asyncio.run(scenario())


def test_exported_answer_passes_the_check_command(make_app: Any, tmp_path: Any) -> None:
    from click.testing import CliRunner

    from qa_assistant.cli import main

    if main.get_command(None, "check") is None:  # type: ignore[arg-type]
        pytest.skip("the `check` command is not in this build")
    app = make_app()

    async def scenario() -> None:
        async with app.run_test(size=TERMINAL) as pilot:
            await ask(pilot, "How much will the harbour bridge cost?")
            await pilot.press("ctrl+s")

    asyncio.run(scenario())
    exported = next((app.conversations.store.folder / "exports").glob("*.md"))
    settings = app.settings
    result = CliRunner().invoke(main, ["check", "--index", str(settings.index_dir), str(exported)])
    assert result.exit_code == 0, result.output
