"""The chat application: routes messages to the parts that own the work.

The first frame appears at once; the engine loads in a worker (progress in the
index bar) and questions typed meanwhile wait in a queue (``Questions``).  The
screens post messages (``messages.py``) and never call the app; workers post
messages too.  Index work lives in ``IndexActions``, conversations in
``ConversationActions``: the app only wires them together.
"""

from __future__ import annotations

import threading
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import App
from textual.binding import BindingType
from textual.worker import Worker, WorkerState

from ..chats.store import ConversationStore
from ..errors import QAError
from . import messages as msg
from .backend import Backend, model_label
from .conversation_actions import ConversationActions
from .index_actions import IndexActions
from .keys import app_bindings
from .questions import Questions
from .screens.article import article_screen
from .screens.chat import ChatScreen
from .screens.help import HelpScreen
from .workers import start_work

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


class QAApp(App[None]):
    """``qa-assistant chat``: ask, read the checked answer, open its sources."""

    CSS_PATH = "app.tcss"
    TITLE = "qa-assistant"
    BINDINGS: ClassVar[list[BindingType]] = app_bindings()
    COMMANDS = App.COMMANDS | {chat_commands}

    def __init__(self, settings: Settings, *, engine: Engine | None = None, embedder: Embedder | None = None,
                 store: ConversationStore | None = None, resume: str | None = None, auto_update: bool = False,
                 watch: bool = True, follow_index_articles: bool = False) -> None:
        """``engine``/``embedder``: already loaded ones to share (tests); None: load in a worker.
        ``store``: where conversations are saved (default: the index's ``conversations/``).
        ``follow_index_articles``: no articles folder was chosen, use the one the index mirrors."""
        super().__init__()
        self.backend = Backend(settings, self.post_message, engine, embedder, follow_index_articles)
        self.chat = ChatScreen()
        self.conversations = ConversationActions(self, self.chat, store or ConversationStore.for_index(
            settings.index_dir), busy=lambda: self.questions.busy)
        self.questions = Questions(self, self.chat, self.backend, self.conversations)
        self.index = IndexActions(self, self.chat, self.backend, auto_update)
        self.resume = resume
        self.watch_folder = watch
        self.stop_watching = threading.Event()

    @property
    def settings(self) -> Settings:  # type: ignore[override]
        """The backend's settings (its articles folder may follow the index's, see Backend)."""
        return self.backend.settings

    @property
    def ready(self) -> bool:
        """The engine is loaded: questions are answered."""
        return self.backend.ready

    @property
    def updating(self) -> bool:
        """An index update runs (the ``chat`` command lets it finish before exiting)."""
        return self.index.updating

    def get_default_screen(self) -> ChatScreen:
        return self.chat

    def on_ready(self) -> None:
        """The first frame is on screen: start the slow work."""
        self.chat.status_bar.set_llm("loading…")
        self.chat.status_bar.set_activity("Loading the models…", busy=True)
        if self.resume:
            self.call_after_refresh(self.conversations.resume, self.resume)
        start_work(self, self.backend.load, "engine")
        self.index.refresh()
        if self.watch_folder:
            start_work(self, partial(self.backend.watch, self.stop_watching), "watch")

    def on_unmount(self) -> None:
        self.stop_watching.set()
        self.questions.close()
        self.backend.close()

    # --- what the chat screen asks for --------------------------------------------------

    @on(msg.QuestionAsked)
    async def _question_asked(self, message: msg.QuestionAsked) -> None:
        await self.questions.submit(message.question)

    @on(msg.CitationOpened)
    def _citation_opened(self, message: msg.CitationOpened) -> None:
        self.open_citation(message.citation)

    def open_citation(self, citation: Citation) -> None:
        """Show the cited article with the exact sentence highlighted."""
        engine = self.backend.engine
        if engine is None or not self.ready:
            self.notify("The index is still loading; try again in a moment.", severity="warning")
            return
        try:
            article = engine.article(citation.article)
        except QAError as exc:
            self.notify(str(exc), title="Cannot open the article", severity="error")
            return
        if article is None:
            self.notify(f"article {citation.article} is no longer in the index (updated since the answer)",
                        title="Cannot open the article", severity="error")
            return
        self.push_screen(article_screen(article, citation))

    # --- answers ------------------------------------------------------------------------

    @on(msg.AnswerEventPosted)
    async def _answer_event(self, message: msg.AnswerEventPosted) -> None:
        await self.questions.on_event(message)

    @on(msg.AskFailed)
    def _ask_failed(self, message: msg.AskFailed) -> None:
        self.questions.on_failed(message)

    # --- the engine -----------------------------------------------------------------------

    @on(msg.EngineStatus)
    def _engine_status(self, message: msg.EngineStatus) -> None:
        self.chat.status_bar.set_activity(message.text, busy=True)

    @on(msg.EngineReady)
    def _engine_ready(self, message: msg.EngineReady) -> None:
        self.chat.status_bar.set_llm(message.llm_name)
        self.chat.status_bar.set_activity("")
        self.chat.transcript.set_notice("")
        if message.notice:
            self.notify(message.notice, title="Note", severity="warning")
        self.questions.engine_ready(message.mode)

    @on(msg.EngineFailed)
    def _engine_failed(self, message: msg.EngineFailed) -> None:
        self.chat.status_bar.set_activity("")
        self.chat.status_bar.set_llm(model_label(None, self.settings))
        if message.missing_index:
            self.chat.transcript.set_notice(self.index.how_to_build(), warning=True)
            self.notify("No index yet: press Ctrl+R to build it.", title="No index", severity="warning")
            self.questions.waiting_for_index()
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
            self.index.update_ended()

    # --- the index --------------------------------------------------------------------------

    @on(msg.IndexStatusChanged)
    def _index_status(self, message: msg.IndexStatusChanged) -> None:
        self.index.status_changed(message)

    @on(msg.ArticlesChanged)
    @on(msg.IndexReloaded)
    def _index_figures_stale(self) -> None:
        self.index.refresh()

    @on(msg.UpdateProgressed)
    def _update_progressed(self, message: msg.UpdateProgressed) -> None:
        self.index.progressed(message)

    @on(msg.UpdateFinished)
    def _update_finished(self, message: msg.UpdateFinished) -> None:
        self.index.finished(message)

    # --- key actions (keys.py binds them) -------------------------------------------------------

    def action_stop(self) -> None:
        self.questions.stop()

    def action_update_index(self) -> None:
        self.index.update()

    def action_new_conversation(self) -> None:
        self.conversations.new()

    def action_open_conversations(self) -> None:
        self.conversations.open_list()

    def action_export_answer(self) -> None:
        self.conversations.export()

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_select_answer(self, step: int) -> None:
        self.chat.select_relative(step)
