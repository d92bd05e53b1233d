"""Chat conversations saved per index: one JSON file each under ``<index_dir>/conversations/``.

A conversation is a list of answered questions (``Answer`` records, stored with
``Answer.to_json()``).  Files are written atomically (temporary file + rename),
so a crash never leaves a half-written conversation.  Nothing is created until
the first answer is saved.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import QAError
from ..fsutil import atomic_write_text
from ..models import Answer, AnswerSentence, Citation

FORMAT_VERSION = 1
CONVERSATIONS_DIR_NAME = "conversations"
TITLE_CHARS = 60


class ConversationError(QAError):
    """A saved conversation cannot be read or written; the message names the file."""


@dataclass
class Conversation:
    """A chat: its answers in order, oldest first."""

    id: str
    created: float
    updated: float
    answers: list[Answer] = field(default_factory=list)

    @property
    def title(self) -> str:
        """The first question, shortened; "(empty)" before any question."""
        if not self.answers:
            return "(empty)"
        first = " ".join(self.answers[0].question.split())
        return first if len(first) <= TITLE_CHARS else first[: TITLE_CHARS - 1] + "…"

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "id": self.id,
            "title": self.title,
            "created": self.created,
            "updated": self.updated,
            "answers": [a.to_json() for a in self.answers],
        }


@dataclass(frozen=True)
class ConversationSummary:
    """What the list of past conversations shows, without loading every answer."""

    id: str
    title: str
    updated: float
    questions: int
    path: Path


def new_conversation_id(now: float | None = None) -> str:
    """Sortable by time (``YYYYmmdd-HHMMSS-xxxx``) and unique."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(time.time() if now is None else now))
    return f"{stamp}-{secrets.token_hex(2)}"


def answer_from_json(data: dict[str, Any]) -> Answer:
    """Rebuild an ``Answer`` from ``Answer.to_json()`` output.

    The retrieved passages are not restored (the JSON keeps only their offsets);
    sentences, verdicts and citations are, which is what the chat shows.
    """
    try:
        citations = tuple(
            Citation(n=int(c["n"]), article=str(c["article"]), title=str(c.get("title", "")),
                     start=int(c["start"]), end=int(c["end"]), text=str(c["text"]))
            for c in data.get("citations", [])
        )
        sentences = tuple(
            AnswerSentence(text=str(s["text"]), citations=tuple(int(n) for n in s.get("citations", [])),
                           verdict=s.get("verdict", "unsupported"), support=float(s.get("support", 0.0)),
                           invalid_citations=tuple(int(n) for n in s.get("invalid_citations", [])),
                           alternatives=tuple(int(n) for n in s.get("alternatives", [])))
            for s in data.get("sentences", [])
        )
        return Answer(
            question=str(data["question"]), answer=str(data.get("answer", "")),
            mode=data.get("mode", "extractive"), sentences=sentences, citations=citations,
            passages=(), timings_ms={k: float(v) for k, v in dict(data.get("timings_ms", {})).items()},
            id=data.get("id"), standalone_question=data.get("standalone_question"),
            notice=data.get("notice"), refused=bool(data.get("refused", False)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConversationError(f"answer record is malformed ({exc!r})") from None


class ConversationStore:
    """The conversations of one index, in ``<index_dir>/conversations/``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @classmethod
    def for_index(cls, index_dir: Path) -> ConversationStore:
        return cls(index_dir / CONVERSATIONS_DIR_NAME)

    def path_of(self, conversation_id: str) -> Path:
        if not conversation_id or "/" in conversation_id or "\\" in conversation_id or conversation_id.startswith("."):
            raise ConversationError(f"conversation id {conversation_id!r} is not valid")
        return self.folder / f"{conversation_id}.json"

    def new(self) -> Conversation:
        now = time.time()
        return Conversation(id=new_conversation_id(now), created=now, updated=now)

    def save(self, conversation: Conversation) -> Path:
        """Write the conversation (atomically); returns its file."""
        conversation.updated = time.time()
        path = self.path_of(conversation.id)
        try:
            atomic_write_text(path, json.dumps(conversation.to_json(), ensure_ascii=False, indent=1))
        except OSError as exc:
            raise ConversationError(f"cannot save conversation {path}: {exc.strerror or exc}") from None
        return path

    def load(self, conversation_id: str) -> Conversation:
        path = self.path_of(conversation_id)
        data = self._read(path)
        try:
            answers = [answer_from_json(a) for a in data.get("answers", [])]
        except ConversationError as exc:
            raise ConversationError(f"conversation {path}: {exc}") from None
        return Conversation(id=str(data.get("id", conversation_id)), created=float(data.get("created", 0.0)),
                            updated=float(data.get("updated", 0.0)), answers=answers)

    def list(self) -> list[ConversationSummary]:
        """Saved conversations, most recently updated first; unreadable files are left out."""
        if not self.folder.is_dir():
            return []
        found: list[ConversationSummary] = []
        for path in self.folder.glob("*.json"):
            try:
                data = self._read(path)
            except ConversationError:
                continue  # a damaged file must not hide the others; load() names it when chosen
            found.append(ConversationSummary(
                id=path.stem, title=str(data.get("title", "")), updated=float(data.get("updated", 0.0)),
                questions=len(data.get("answers", [])), path=path,
            ))
        found.sort(key=lambda s: (s.updated, s.id), reverse=True)
        return found

    def latest(self) -> ConversationSummary | None:
        summaries = self.list()
        return summaries[0] if summaries else None

    def delete(self, conversation_id: str) -> None:
        self.path_of(conversation_id).unlink(missing_ok=True)

    @staticmethod
    def _read(path: Path) -> dict[str, Any]:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConversationError(f"no conversation file {path}; list them with Ctrl+O in the chat") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ConversationError(f"conversation file {path} cannot be read ({exc}); delete or fix it") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
            raise ConversationError(f"conversation file {path} is not a format-{FORMAT_VERSION} conversation")
        return data
