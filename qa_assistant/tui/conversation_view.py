"""The app's conversation actions: save after each answer, new, resume, export (a mixin of ``QAApp``)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import App

from ..chats.store import Conversation, ConversationStore
from ..errors import QAError
from .screens.conversations import ConversationsScreen
from .widgets.exchange import ExchangeView

if TYPE_CHECKING:
    from .screens.chat import ChatScreen

EXPORTS_DIR_NAME = "exports"


class ConversationView(App[None]):
    """The base of ``QAApp`` that handles conversations (needs ``chat``, ``store``, ``current``, ``queue``)."""

    chat: ChatScreen
    store: ConversationStore
    conversation: Conversation
    current: ExchangeView | None
    queue: object

    @property
    def busy(self) -> bool:
        return self.current is not None or bool(self.queue)

    def save_conversation(self) -> Path | None:
        try:
            return self.store.save(self.conversation)
        except QAError as exc:
            self.notify(str(exc), title="Conversation not saved", severity="error")
            return None

    def action_new_conversation(self) -> None:
        if self.busy:
            self.notify("Stop the answer being written first (Escape).", severity="warning")
            return
        self.conversation = self.store.new()
        self.call_later(self._show_conversation)
        self.notify("New conversation.")

    def action_open_conversations(self) -> None:
        summaries = self.store.list()
        screen = ConversationsScreen(summaries, self.conversation.id)
        self.push_screen(screen, callback=self._conversation_chosen)

    async def _conversation_chosen(self, conversation_id: str | None) -> None:
        if conversation_id:
            await self.resume_conversation(conversation_id)

    async def resume_conversation(self, which: str) -> bool:
        """Show a saved conversation (``which`` is an id or "latest") and continue it."""
        if self.busy:
            self.notify("Stop the answer being written first (Escape).", severity="warning")
            return False
        if which == "latest":
            latest = self.store.latest()
            if latest is None:
                self.notify("No saved conversation to resume yet.", severity="warning")
                return False
            which = latest.id
        try:
            self.conversation = self.store.load(which)
        except QAError as exc:
            self.notify(str(exc), title="Cannot resume", severity="error")
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
            last.finish(answer)
        self.chat.sub_title = self.conversation.title if self.conversation.answers else ""
        self.chat.select(last)

    def action_export_answer(self) -> None:
        """Write the selected (else the latest) answer as Markdown and copy it to the clipboard."""
        view = self.chat.selected if self.chat.selected is not None and self.chat.selected.done else None
        if view is None:
            finished = [v for v in self.chat.transcript.exchanges if v.done]
            view = finished[-1] if finished else None
        if view is None or view.answer is None:
            self.notify("No answer to export yet.", severity="warning")
            return
        from ..chats.export import answer_markdown, export_answer

        try:
            path = export_answer(view.answer, self.store.folder / EXPORTS_DIR_NAME)
        except QAError as exc:
            self.notify(str(exc), title="Export failed", severity="error")
            return
        self.copy_to_clipboard(answer_markdown(view.answer))
        self.notify(f"Saved {path} and copied it to the clipboard.", title="Exported")
