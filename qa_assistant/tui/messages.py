"""Messages the background workers post to the app (``post_message`` is thread-safe)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from ..models import AnswerEvent, IndexStatus, UpdateProgress, UpdateReport


class EngineStatus(Message):
    """A line of start-up progress (``Engine.load(on_status=...)``)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class EngineReady(Message):
    """Models loaded and index open: questions can be answered."""

    def __init__(self, mode: str, llm_name: str, notice: str | None) -> None:
        super().__init__()
        self.mode = mode
        self.llm_name = llm_name
        self.notice = notice


class EngineFailed(Message):
    """Loading failed; ``missing_index`` when there is no index to open yet."""

    def __init__(self, error: str, missing_index: bool) -> None:
        super().__init__()
        self.error = error
        self.missing_index = missing_index


class AnswerEventPosted(Message):
    """One event of ``Engine.ask`` for the exchange ``exchange_id``."""

    def __init__(self, exchange_id: str, event: AnswerEvent) -> None:
        super().__init__()
        self.exchange_id = exchange_id
        self.event = event


class AskFailed(Message):
    """Answering ``exchange_id`` failed with a message for the user."""

    def __init__(self, exchange_id: str, error: str) -> None:
        super().__init__()
        self.exchange_id = exchange_id
        self.error = error


class IndexStatusChanged(Message):
    """Fresh index figures; ``status`` is None when there is no index (``error`` says why)."""

    def __init__(self, status: IndexStatus | None, error: str | None = None) -> None:
        super().__init__()
        self.status = status
        self.error = error


class ArticlesChanged(Message):
    """The watcher saw files change in the articles folder."""

    def __init__(self, paths: tuple[str, ...]) -> None:
        super().__init__()
        self.paths = paths


class UpdateProgressed(Message):
    def __init__(self, progress: UpdateProgress) -> None:
        super().__init__()
        self.progress = progress


class UpdateFinished(Message):
    """An index update ended: ``report`` on success, else ``error``."""

    def __init__(self, report: UpdateReport | None, error: str | None = None) -> None:
        super().__init__()
        self.report = report
        self.error = error


class IndexReloaded(Message):
    """The engine now answers from the newest index generation."""
