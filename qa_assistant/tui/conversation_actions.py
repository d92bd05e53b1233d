"""The chat's conversations: saved after each answer, new, resumed, and answers exported."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import QAError
from .screens.conversations import ConversationsScreen
from .widgets.exchange import ExchangeView

if TYPE_CHECKING:
    from textual.app import App

    from ..chats.store import Conversation, ConversationStore
    from ..models import Answer
    from .screens.chat import ChatScreen

EXPORTS_DIR_NAME = "exports"


class ConversationActions:
    """Keeps the conversation on screen and on disk in step (``busy``: an answer is under way)."""

    def __init__(self, app: App[Any], chat: ChatScreen, store: ConversationStore, busy: Callable[[], bool]) -> None:
        self.app = app
        self.chat = chat
        self.store = store
        self.busy = busy
        self.conversation: Conversation = store.new()

    @property
    def history(self) -> tuple[Answer, ...]:
        """The answers so far (follow-up questions are read against them)."""
        return tuple(self.conversation.answers)

    def record(self, answer: Answer) -> None:
        """A finished answer: add it to the conversation and save."""
        self.conversation.answers.append(answer)
        self.save()

    def save(self) -> Path | None:
        try:
            return self.store.save(self.conversation)
        except QAError as exc:
            self.app.notify(str(exc), title="Conversation not saved", severity="error")
            return None

    def _refuse_while_busy(self) -> bool:
        if self.busy():
            self.app.notify("Stop the answer being written first (Escape).", severity="warning")
            return True
        return False

    def new(self) -> None:
        if self._refuse_while_busy():
            return
        self.conversation = self.store.new()
        self.app.call_later(self._show_conversation)
        self.app.notify("New conversation.")

    def open_list(self) -> None:
        screen = ConversationsScreen(self.store.list(), self.conversation.id)
        self.app.push_screen(screen, callback=self._chosen)

    async def _chosen(self, conversation_id: str | None) -> None:
        if conversation_id:
            await self.resume(conversation_id)

    async def resume(self, which: str) -> bool:
        """Show a saved conversation (``which`` is an id or "latest") and continue it."""
        if self._refuse_while_busy():
            return False
        if which == "latest":
            latest = self.store.latest()
            if latest is None:
                self.app.notify("No saved conversation to resume yet.", severity="warning")
                return False
            which = latest.id
        try:
            self.conversation = self.store.load(which)
        except QAError as exc:
            self.app.notify(str(exc), title="Cannot resume", severity="error")
            return False
        await self._show_conversation()
        return True

    async def _show_conversation(self) -> None:
        transcript = self.chat.transcript
        self.chat.select(None)
        await transcript.clear()
        last: ExchangeView | None = None
        for answer in self.conversation.answers:
            last = ExchangeView(uuid.uuid4().hex[:12], answer.question)
            await transcript.add(last)
            await last.finish(answer)
        self.chat.sub_title = self.conversation.title if self.conversation.answers else ""
        self.chat.select(last)

    def export(self) -> None:
        """Write the selected (else the latest) answer as Markdown and copy it to the clipboard."""
        selected = self.chat.selected
        view = selected if selected is not None and selected.done else None
        if view is None:
            finished = [v for v in self.chat.transcript.exchanges if v.done]
            view = finished[-1] if finished else None
        if view is None or view.answer is None:
            self.app.notify("No answer to export yet.", severity="warning")
            return
        from ..chats.export import answer_markdown, export_answer

        try:
            path = export_answer(view.answer, self.store.folder / EXPORTS_DIR_NAME)
        except QAError as exc:
            self.app.notify(str(exc), title="Export failed", severity="error")
            return
        self.app.copy_to_clipboard(answer_markdown(view.answer))
        self.app.notify(f"Saved {path} and copied it to the clipboard.", title="Exported")
