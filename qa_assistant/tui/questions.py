"""Questions of the chat: a queue in front of the engine, answers streamed into the transcript.

A question typed while the models load (or while another answer is written) waits
in the queue; Escape stops the answer being written, or withdraws the last queued
question, and puts the question back into the input.
"""

from __future__ import annotations

import threading
import uuid
from collections import deque
from functools import partial
from typing import TYPE_CHECKING, Any

from ..models import Done, Retrieved, SentenceChecked, Token
from .widgets.exchange import ExchangeView
from .workers import start_work

if TYPE_CHECKING:
    from textual.app import App

    from ..models import Mode
    from . import messages as msg
    from .backend import Backend
    from .conversation_actions import ConversationActions
    from .screens.chat import ChatScreen

WAITING_FOR_INDEX = "Waiting for an index: press Ctrl+R to build it."


class Questions:
    """Feeds queued questions to the engine one at a time and shows what comes back."""

    def __init__(self, app: App[Any], chat: ChatScreen, backend: Backend, conversations: ConversationActions) -> None:
        self.app = app
        self.chat = chat
        self.backend = backend
        self.conversations = conversations
        self.queue: deque[ExchangeView] = deque()
        self.current: ExchangeView | None = None
        """The exchange whose answer is being written."""
        self.cancel_event: threading.Event | None = None
        self.index_missing = False
        self.mode: Mode | None = None
        """The engine's mode once it is loaded."""

    @property
    def busy(self) -> bool:
        return self.current is not None or bool(self.queue)

    async def submit(self, question: str) -> ExchangeView:
        """Show the question and answer it as soon as the engine is free (queued until then)."""
        view = ExchangeView(uuid.uuid4().hex[:12], question)
        await self.chat.transcript.add(view)
        self.queue.append(view)
        self.chat.select(view)
        if self.index_missing:
            view.set_state(WAITING_FOR_INDEX)
        elif not self.backend.ready:
            view.set_state("Waiting for the models to load…")
        elif self.current is not None:
            view.set_state("Queued after the answer being written…")
        self.pump()
        return view

    def pump(self) -> None:
        """Start answering the next queued question if the engine is ready and idle."""
        if not self.backend.ready or self.current is not None or not self.queue:
            return
        view = self.queue.popleft()
        self.current = view
        self.cancel_event = threading.Event()
        view.set_state("Searching the articles…")
        ask = partial(self.backend.ask, view.exchange_id, view.question, self.conversations.history,
                      self.cancel_event)
        start_work(self.app, ask, "ask")

    def stop(self) -> None:
        """Escape: stop the answer being written, or withdraw the last queued question."""
        if self.current is not None and self.cancel_event is not None:
            self.cancel_event.set()
            self.current.set_state("Stopping…")
        elif self.queue:
            view = self.queue.pop()
            self.chat.prompt.restore(view.question)
            self.app.call_later(self._drop, view)

    async def _drop(self, view: ExchangeView) -> None:
        if self.chat.selected is view:
            self.chat.select(None)
        await view.close_stream()
        await view.remove()
        exchanges = self.chat.transcript.exchanges
        if self.chat.selected is None and exchanges:
            self.chat.select(exchanges[-1])

    # --- what the engine sends back ---------------------------------------------------

    async def on_event(self, message: msg.AnswerEventPosted) -> None:
        view = self.chat.transcript.get(message.exchange_id)
        if view is None:
            return
        event = message.event
        if isinstance(event, Retrieved):
            view.set_citations(event.citations)
            view.set_state("Writing the answer…" if self.mode == "llm" else "Choosing source sentences…")
            self.chat.refresh_sources(view)
        elif isinstance(event, Token):
            await view.add_token(event.text)
        elif isinstance(event, SentenceChecked):
            view.add_checked(event.sentence)
            view.set_state(f"Checking citations… {len(view.checked)} sentence(s)")
            self.chat.refresh_sources(view)
        elif isinstance(event, Done):
            await self._finish(view, event)

    async def _finish(self, view: ExchangeView, event: Done) -> None:
        cancelled = self.cancel_event is not None and self.cancel_event.is_set()
        self.current, self.cancel_event = None, None
        if cancelled:
            self.chat.prompt.restore(view.question)
            self.chat.prompt.focus()
            await self._drop(view)
            self.app.notify("Stopped. The question is back in the input.", title="Stopped")
        else:
            await view.finish(event.answer)
            self.chat.refresh_sources(view)
            self.conversations.record(event.answer)
        self.pump()

    def on_failed(self, message: msg.AskFailed) -> None:
        view = self.chat.transcript.get(message.exchange_id)
        if view is not None:
            view.set_state(f"No answer: {message.error}")
            view.add_class("-failed")
        self.app.notify(message.error, title="Cannot answer", severity="error")
        if self.current is view:
            self.current, self.cancel_event = None, None
        self.pump()

    # --- the engine's state ------------------------------------------------------------

    def engine_ready(self, mode: Mode) -> None:
        self.index_missing = False
        self.mode = mode
        for view in self.queue:
            view.set_state("Queued…")
        self.pump()

    def waiting_for_index(self) -> None:
        self.index_missing = True
        for view in self.queue:
            view.set_state(WAITING_FOR_INDEX)

    def close(self) -> None:
        if self.cancel_event is not None:
            self.cancel_event.set()
