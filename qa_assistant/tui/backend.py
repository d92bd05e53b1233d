"""The chat's slow work, run in Textual thread workers; results go back as posted messages.

Nothing here touches widgets: each method runs in a worker thread and reports
through ``post`` (the app's thread-safe ``post_message``).  One lock serialises
every use of the engine (load, ask, reload), so a reload after an index update
waits for the answer being generated.  The engine and index modules are
imported inside the methods, keeping the chat's first frame fast.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import IndexMissingError, QAError
from .messages import (
    AnswerEventPosted,
    ArticlesChanged,
    AskFailed,
    EngineFailed,
    EngineReady,
    EngineStatus,
    IndexReloaded,
    IndexStatusChanged,
    UpdateFinished,
    UpdateProgressed,
)

if TYPE_CHECKING:
    from textual.message import Message

    from ..answering.engine import Engine
    from ..config import Settings
    from ..embedding.embedder import Embedder
    from ..models import Answer

log = logging.getLogger(__name__)
ENGINE_MODULES = ("qa_assistant.index", "qa_assistant.index.watch", "qa_assistant.embedding.embedder",
                  "qa_assistant.answering.engine", "qa_assistant.citations", "qa_assistant.ingest.instructions")
"""Imported once, by the first worker that needs them: the same imports racing in two
threads can fail with "partially initialized module".  The last two are what the chat
itself uses (markers in answers, instructions in the article view): imported here,
they cost the UI thread nothing later."""
"""How often the folder watcher looks at its stop event (bounds the wait on exit)."""


def model_label(engine: Engine | None, settings: Settings) -> str:
    """What the status bar calls the answering model (before the engine loads: from the settings)."""
    if engine is not None:
        return engine.model_name
    if settings.extractive:
        return "extractive"
    return settings.model_path.stem if settings.model_path else "SmolLM2-135M-Instruct"


def _replaced() -> bool:
    """Whether the worker running this was cancelled (a newer exclusive one took its place)."""
    from textual.worker import NoActiveWorker, get_current_worker

    try:
        return get_current_worker().is_cancelled
    except NoActiveWorker:
        return False


class Backend:
    """Owns the engine; every public method is meant to run in a worker thread."""

    def __init__(self, settings: Settings, post: Callable[[Message], Any], engine: Engine | None = None,
                 embedder: Embedder | None = None, follow_index_articles: bool = False) -> None:
        self.settings = settings
        self.follow_index_articles = follow_index_articles
        """No --articles given: an existing index keeps mirroring the folder it was built from."""
        self.post = post
        self.engine = engine
        self.embedder = embedder
        """Shared by the engine and index updates (loaded once)."""
        self.owns_engine = engine is None
        self.ready = False
        self.engine_lock = threading.Lock()
        self._import_lock = threading.Lock()
        self._imported = False
        self._embedder_lock = threading.Lock()

    def preimport(self) -> None:
        """Import the engine's modules (once; other workers wait for it)."""
        with self._import_lock:
            if not self._imported:
                for name in ENGINE_MODULES:
                    importlib.import_module(name)
                self._follow_index_articles()
                self._imported = True

    def _follow_index_articles(self) -> None:
        """Point at the folder the index was built from when no articles folder was chosen,
        so the pending count and Ctrl+R never swap an index's articles for the samples."""
        from ..index.source import follow_index_folder

        if self.follow_index_articles:
            self.settings = follow_index_folder(self.settings)

    def shared_embedder(self) -> Embedder:
        """The embedder, loaded once (by whichever worker needs it first)."""
        with self._embedder_lock:
            if self.embedder is None:
                from ..embedding.embedder import load_embedder

                self.post(EngineStatus("Loading the embedding model…"))
                self.embedder = load_embedder(self.settings)
            return self.embedder

    # --- engine -----------------------------------------------------------------

    def load(self) -> None:
        """Create (if needed) and load the engine: models, index, BM25."""
        self.preimport()
        with self.engine_lock:
            try:
                if self.engine is None:
                    self._check_index_exists()
                    from ..answering.engine import Engine

                    self.engine = Engine(self.settings, embedder=self.shared_embedder())
                self.engine.load(on_status=lambda text: self.post(EngineStatus(text)))
            except IndexMissingError as exc:
                self.post(EngineFailed(str(exc), missing_index=True))
                return
            except QAError as exc:
                self.post(EngineFailed(str(exc), missing_index=False))
                return
            self.ready = True
            self.post(EngineReady(self.engine.mode, model_label(self.engine, self.settings), self.engine.notice))

    def _check_index_exists(self) -> None:
        """Raise IndexMissingError at once, before spending seconds on loading models."""
        from ..index import open_index

        open_index(self.settings.index_dir).close()

    def ask(self, exchange_id: str, question: str, history: Sequence[Answer], cancel: threading.Event) -> None:
        """Stream ``Engine.ask`` events for one question."""
        with self.engine_lock:
            engine = self.engine
            if engine is None or not self.ready:
                self.post(AskFailed(exchange_id, "the engine is not loaded yet"))
                return
            try:
                for event in engine.ask(question, history, cancel=cancel, question_id=exchange_id):
                    self.post(AnswerEventPosted(exchange_id, event))
            except QAError as exc:
                self.post(AskFailed(exchange_id, str(exc)))
            except Exception as exc:  # reported in the chat, with the traceback in the log
                log.exception("answering %r failed", question)
                self.post(AskFailed(exchange_id, f"internal error {type(exc).__name__}: {exc}"))

    def reload(self) -> None:
        """Make the engine answer from the newest index generation."""
        with self.engine_lock:
            if self.engine is None or not self.ready:
                return
            try:
                self.engine.reload_index()
            except QAError as exc:
                self.post(IndexStatusChanged(None, str(exc)))
                return
        self.post(IndexReloaded())

    def close(self, timeout: float = 2.0) -> None:
        """Close the engine if this backend created it and nothing is using it."""
        if not self.owns_engine or self.engine is None:
            return
        if self.engine_lock.acquire(timeout=timeout):
            try:
                self.engine.close()
            finally:
                self.engine_lock.release()

    # --- the index ----------------------------------------------------------------

    def refresh_status(self) -> None:
        """Post the index figures (articles, passages, pending files)."""
        self.preimport()
        from ..index import index_status

        try:
            status = index_status(self.settings, self.settings.articles_dir)
        except QAError as exc:  # IndexMissingError included: the status bar says so
            self.post(IndexStatusChanged(None, str(exc)))
            return
        if not _replaced():
            self.post(IndexStatusChanged(status))

    def update(self, rebuild: bool = False) -> None:
        """Bring the index up to date with the articles folder."""
        self.preimport()
        from ..index import update_index

        folder = self.settings.articles_dir
        if not folder.is_dir():  # said at once, before loading the embedder
            self.post(UpdateFinished(None, f"the articles folder {folder} does not exist; "
                                           "restart the chat with --articles DIR"))
            return
        engine = self.engine  # answers meanwhile run on one thread (Engine.share_cores)
        if engine is not None:
            engine.share_cores(True)
        try:
            report = update_index(self.settings, self.shared_embedder(), rebuild=rebuild,
                                  progress=lambda p: self.post(UpdateProgressed(p)))
        except QAError as exc:
            self.post(UpdateFinished(None, str(exc)))
            return
        except Exception as exc:  # reported in the chat, with the traceback in the log
            log.exception("index update failed")
            self.post(UpdateFinished(None, f"internal error {type(exc).__name__}: {exc}"))
            return
        finally:
            if engine is not None:
                engine.share_cores(False)
        self.post(UpdateFinished(report))

    def watch(self, stop: threading.Event) -> None:
        """Watch the articles folder until ``stop`` is set; post each batch of changes."""
        folder = self.settings.articles_dir
        if not folder.is_dir():
            return
        self.preimport()
        from ..index.watch import article_changes

        for _paths in article_changes(folder, stop, self.settings.watch_debounce_ms):
            if stop.is_set():
                return
            self.post(ArticlesChanged())
