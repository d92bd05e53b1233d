"""The chat application: wires the screens to the engine running in thread workers.

The first frame appears at once; the engine loads in a worker (progress in the
index bar) and questions typed meanwhile wait in a queue.  Answers stream in as
posted messages; Escape sets the answer's cancel event.
"""

from __future__ import annotations

import threading
import uuid
from collections import deque
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import App
from textual.binding import BindingType
from textual.worker import Worker, WorkerState

from ..chats.store import Conversation, ConversationStore
from ..errors import QAError
from ..models import Done, Retrieved, SentenceChecked, Token
from . import messages as msg
from .backend import Backend, llm_label
from .conversation_view import ConversationView
from .index_view import IndexView
from .keys import app_bindings
from .screens.article import ArticleScreen
from .screens.chat import ChatScreen
from .screens.help import HelpScreen
from .widgets.exchange import ExchangeView

if TYPE_CHECKING:
    from textual.command import Provider

    from ..answering.engine import Engine
    from ..config import Settings
    from ..embedding.embedder import Embedder
    from ..models import Citation


def chat_commands() -> type[Provider]:
    """The palette's provider, imported when the palette first opens (keeps start-up fast)."""
    from .commands import ChatCommands

    return ChatCommands


class QAApp(IndexView, ConversationView):
    """``qa-assistant chat``: ask, read the checked answer, open its sources."""

    CSS_PATH = "app.tcss"
    TITLE = "qa-assistant"
    BINDINGS: ClassVar[list[BindingType]] = app_bindings()
    COMMANDS = App.COMMANDS | {chat_commands}

    def __init__(self, settings: Settings, *, engine: Engine | None = None, embedder: Embedder | None = None,
                 resume: str | None = None, auto_update: bool = False, watch: bool = True,
                 follow_index_articles: bool = False) -> None:
        """``engine``/``embedder``: already loaded ones to share (tests); None: load in a worker.
        ``follow_index_articles``: no articles folder was chosen, use the one the index mirrors."""
        super().__init__()
        self.backend = Backend(settings, self.post_message, engine, embedder, follow_index_articles)
        self.store = ConversationStore.for_index(settings.index_dir)
        self.conversation: Conversation = self.store.new()
        self.resume = resume
        self.auto_update = auto_update
        self.watch_folder = watch
        self.queue: deque[ExchangeView] = deque()
        self.current: ExchangeView | None = None
        self.cancel_event: threading.Event | None = None
        self.updating = False
        self.index_missing = False
        self.stop_watching = threading.Event()
        self.chat = ChatScreen()

    @property
    def settings(self) -> Settings:  # type: ignore[override]
        """The backend's settings (its articles folder may follow the index's, see Backend)."""
        return self.backend.settings

    def get_default_screen(self) -> ChatScreen:
        return self.chat

    def on_ready(self) -> None:
        """The first frame is on screen: start the slow work."""
        self.chat.status_bar.set_llm("loading…")
        self.chat.status_bar.set_activity("Loading the models…", busy=True)
        if self.resume:
            self.call_after_refresh(self.resume_conversation, self.resume)
        self.start_work(self.backend.load, "engine")
        self.start_work(self.backend.refresh_status, "status")
        if self.watch_folder:
            self.start_work(partial(self.backend.watch, self.stop_watching), "watch")

    def on_unmount(self) -> None:
        self.stop_watching.set()
        if self.cancel_event is not None:
            self.cancel_event.set()
        self.backend.close()

    # --- questions -------------------------------------------------------------------

    async def submit_question(self, question: str) -> ExchangeView:
        """Show the question and answer it as soon as the engine is free (queued until then)."""
        view = ExchangeView(uuid.uuid4().hex[:12], question)
        await self.chat.transcript.add(view)
        self.queue.append(view)
        self.chat.select(view)
        if self.index_missing:
            view.set_state("Waiting for an index: press Ctrl+R to build it.")
        elif not self.ready:
            view.set_state("Waiting for the models to load…")
        elif self.current is not None:
            view.set_state("Queued after the answer being written…")
        self.pump()
        return view

    def pump(self) -> None:
        """Start answering the next queued question if the engine is ready and idle."""
        if not self.ready or self.current is not None or not self.queue:
            return
        view = self.queue.popleft()
        self.current = view
        self.cancel_event = threading.Event()
        view.set_state("Searching the articles…")
        history = tuple(self.conversation.answers)
        self.start_work(partial(self.backend.ask, view.exchange_id, view.question, history, self.cancel_event),
                        "ask")

    def action_stop(self) -> None:
        """Escape: stop the answer being written, or withdraw the last queued question."""
        if self.current is not None and self.cancel_event is not None:
            self.cancel_event.set()
            self.current.set_state("Stopping…")
        elif self.queue:
            view = self.queue.pop()
            self.chat.prompt.restore(view.question)
            self.call_later(self._drop, view)

    async def _drop(self, view: ExchangeView) -> None:
        if self.chat.selected is view:
            self.chat.select(None)
        await view.remove()
        exchanges = self.chat.transcript.exchanges
        if self.chat.selected is None and exchanges:
            self.chat.select(exchanges[-1])

    @on(msg.AnswerEventPosted)
    async def _answer_event(self, message: msg.AnswerEventPosted) -> None:
        view = self.chat.transcript.get(message.exchange_id)
        if view is None:
            return
        event = message.event
        if isinstance(event, Retrieved):
            view.set_citations(event.citations)
            view.set_state("Writing the answer…" if self.backend.engine and self.backend.engine.mode == "llm"
                           else "Choosing source sentences…")
            self.chat.refresh_sources(view)
        elif isinstance(event, Token):
            view.add_token(event.text)
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
            self.notify("Stopped. The question is back in the input.", title="Stopped")
        else:
            view.finish(event.answer)
            self.chat.refresh_sources(view)
            self.conversation.answers.append(event.answer)
            self.save_conversation()
        self.pump()

    @on(msg.AskFailed)
    def _ask_failed(self, message: msg.AskFailed) -> None:
        view = self.chat.transcript.get(message.exchange_id)
        if view is not None:
            view.set_state(f"No answer: {message.error}")
            view.add_class("-failed")
        self.notify(message.error, title="Cannot answer", severity="error")
        if self.current is view:
            self.current, self.cancel_event = None, None
        self.pump()

    # --- the engine -----------------------------------------------------------------

    @on(msg.EngineStatus)
    def _engine_status(self, message: msg.EngineStatus) -> None:
        self.chat.status_bar.set_activity(message.text, busy=True)

    @on(msg.EngineReady)
    def _engine_ready(self, message: msg.EngineReady) -> None:
        self.index_missing = False
        self.chat.status_bar.set_llm(message.llm_name)
        self.chat.status_bar.set_activity("")
        self.chat.transcript.set_notice("")
        if message.notice:
            self.notify(message.notice, title="Note", severity="warning")
        for view in self.queue:
            view.set_state("Queued…")
        self.pump()

    @on(msg.EngineFailed)
    def _engine_failed(self, message: msg.EngineFailed) -> None:
        self.chat.status_bar.set_activity("")
        self.chat.status_bar.set_llm(llm_label(None, self.settings))
        if message.missing_index:
            self.index_missing = True
            self.chat.transcript.set_notice(self.how_to_build(), warning=True)
            self.notify("No index yet: press Ctrl+R to build it.", title="No index", severity="warning")
            for view in self.queue:
                view.set_state("Waiting for an index: press Ctrl+R to build it.")
        else:
            self.chat.transcript.set_notice(f"The engine could not start: {message.error}", warning=True)
            self.notify(message.error, title="Cannot load", severity="error")

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        text = str(error) if isinstance(error, QAError) else f"{type(error).__name__}: {error}"
        self.notify(text, title=f"{event.worker.name} failed", severity="error")
        if event.worker.group == "engine":
            self.chat.status_bar.set_activity("")
        elif event.worker.group == "update":
            self.updating = False
            self.chat.status_bar.hide_progress()
            self.chat.status_bar.set_activity("")

    # --- sources --------------------------------------------------------------------

    def open_citation(self, citation: Citation) -> None:
        """Show the cited article with the exact sentence highlighted."""
        engine = self.backend.engine
        if engine is None or not self.ready:
            self.notify("The index is still loading; try again in a moment.", severity="warning")
            return
        try:
            opened = engine.article(citation.article)
            if opened is None:
                raise QAError(f"article {citation.article} is no longer in the index (updated since the answer)")
            article, text = opened
        except QAError as exc:
            self.notify(str(exc), title="Cannot open the article", severity="error")
            return
        start, end, note = citation.start, citation.end, ""
        if text[start:end] != citation.text:
            found = text.find(citation.text)
            if found >= 0:
                start, end = found, found + len(citation.text)
            else:
                start = end = 0
                note = "This article changed since the answer: the cited sentence is no longer in it."
        self.push_screen(ArticleScreen(article.title, article.path, text, start, end, note))

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_select_answer(self, step: int) -> None:
        self.chat.select_relative(step)
