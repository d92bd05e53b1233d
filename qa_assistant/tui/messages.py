"""Messages of the chat: workers report to the app (``post_message`` is thread-safe), and the
chat screen tells the app what the user asked for.  The screens never call the app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from ..models import AnswerEvent, Citation, IndexStatus, Mode, UpdateProgress, UpdateReport

# --- from the chat screen ------------------------------------------------------------


@dataclass
class QuestionAsked(Message):
    """The user submitted a question."""

    question: str


@dataclass
class CitationOpened(Message):
    """The user chose a source sentence: show its article at that sentence."""

    citation: Citation


# --- from the workers ----------------------------------------------------------------


@dataclass
class EngineStatus(Message):
    """A line of start-up progress (``Engine.load(on_status=...)``)."""

    text: str


@dataclass
class EngineReady(Message):
    """Models loaded and index open: questions can be answered."""

    mode: Mode
    llm_name: str
    notice: str | None


@dataclass
class EngineFailed(Message):
    """Loading failed; ``missing_index`` when there is no index to open yet."""

    error: str
    missing_index: bool


@dataclass
class AnswerEventPosted(Message):
    """One event of ``Engine.ask`` for the exchange ``exchange_id``."""

    exchange_id: str
    event: AnswerEvent


@dataclass
class AskFailed(Message):
    """Answering ``exchange_id`` failed with a message for the user."""

    exchange_id: str
    error: str


@dataclass
class IndexStatusChanged(Message):
    """Fresh index figures; ``status`` is None when there is no index (``error`` says why)."""

    status: IndexStatus | None
    error: str | None = None


@dataclass
class ArticlesChanged(Message):
    """The watcher saw files change in the articles folder (the index figures are stale)."""


@dataclass
class UpdateProgressed(Message):
    """An index update advanced."""

    progress: UpdateProgress


@dataclass
class UpdateFinished(Message):
    """An index update ended: ``report`` on success, else ``error``."""

    report: UpdateReport | None
    error: str | None = None


@dataclass
class IndexReloaded(Message):
    """The engine now answers from the newest index generation."""
