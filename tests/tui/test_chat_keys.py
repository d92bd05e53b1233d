"""Help screen, command palette and error handling of the chat (no models needed)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tui_helpers import TERMINAL, errors_shown, make_settings, wait_for, wait_for_notification

from qa_assistant.tui.app import QAApp
from qa_assistant.tui.keys import APP_KEYS, WIDGET_KEYS
from qa_assistant.tui.screens.help import HelpScreen


def missing_index_app(tmp_path: Path) -> QAApp:
    """An app on an empty articles folder and no index: starts, loads no model."""
    (tmp_path / "articles").mkdir()
    return QAApp(make_settings(tmp_path / "articles", tmp_path / "index"), watch=False)


def test_help_lists_every_key(tmp_path: Path) -> None:
    app = missing_index_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=TERMINAL) as pilot:
            await pilot.press("f1")
            await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), 5, "the help")
            table = app.screen.query_one("#help-keys").content
            labels = list(table.columns[0].cells)
            assert labels == [k.label for k in (*APP_KEYS, *WIDGET_KEYS)]
            about = str(app.screen.query_one("#help-about").content)
            assert "attributed (the model cited nothing; the program attached the citation)" in about
            for key in APP_KEYS:
                if key.action:
                    assert any(b.action == key.action for b in app.BINDINGS), key
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is app.chat, 5, "the chat")
            # "?" opens the help when the input does not take it
            app.chat.sources.option_list.focus()
            await pilot.press("question_mark")
            await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), 5, "the help")

    asyncio.run(scenario())


def test_question_mark_in_the_input_is_text(tmp_path: Path) -> None:
    app = missing_index_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=TERMINAL) as pilot:
            await pilot.press("w", "h", "o", "question_mark")
            assert app.chat.prompt.value == "who?"
            assert app.screen is app.chat

    asyncio.run(scenario())


def test_command_palette_runs_chat_actions(tmp_path: Path) -> None:
    app = missing_index_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=TERMINAL, notifications=True) as pilot:
            await pilot.press("ctrl+p")
            await pilot.pause(0.2)
            await pilot.press(*"export")
            await pilot.pause(0.5)
            await pilot.press("enter")
            await wait_for_notification(pilot, "No answer to export", 5)

    asyncio.run(scenario())


def test_update_errors_are_notifications_not_tracebacks(tmp_path: Path) -> None:
    app = QAApp(make_settings(tmp_path / "no-such-folder", tmp_path / "index"), watch=False)

    async def scenario() -> None:
        async with app.run_test(size=TERMINAL, notifications=True) as pilot:
            await wait_for(pilot, lambda: app.questions.index_missing, 30, "the missing index")
            assert "does not exist" in str(app.chat.transcript.query_one("#notice").content)
            await pilot.press("ctrl+r")
            await wait_for(pilot, lambda: bool(errors_shown(app)), 30, "the error")
            error = errors_shown(app)[0]
            assert "no-such-folder" in error and "Traceback" not in error
            assert app.return_code is None and app.is_running

    asyncio.run(scenario())


def test_conversation_list_is_empty_without_conversations(tmp_path: Path) -> None:
    app = missing_index_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=TERMINAL) as pilot:
            await pilot.press("ctrl+o")
            await pilot.pause(0.2)
            assert "No saved conversations" in str(app.screen.query_one("#conversations-empty").content)
            await pilot.press("escape")
            await pilot.pause(0.1)
            assert app.screen is app.chat

    asyncio.run(scenario())
