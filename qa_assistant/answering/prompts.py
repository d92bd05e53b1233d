"""Prompt templates: text files under ``settings.prompts_dir`` with named placeholders.

``system.txt`` and ``user.txt`` may use ``{question}`` and ``{sources}``; between
them they must use both.  Literal braces are written ``{{`` and ``}}``.  The
sources are numbered source sentences, one a line (``[1] sentence``), with
consecutive sentences of the same article grouped under one ``From "Title":`` line.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..config import Settings
from ..errors import QAError
from ..models import Citation
from .llm import neutralise_special_tokens

SYSTEM_FILE = "system.txt"
USER_FILE = "user.txt"
PLACEHOLDERS = ("question", "sources")


class PromptError(QAError):
    """A prompt template file is missing or malformed; the message names the file."""


@dataclass(frozen=True)
class PromptTemplates:
    system: str
    user: str
    folder: Path | None = None


def _placeholders(path: Path, text: str) -> set[str]:
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        raise PromptError(f"prompt file {path}: {exc}; write literal braces as {{{{ and }}}}") from None
    unknown = sorted(f for f in fields if f not in PLACEHOLDERS)
    if unknown:
        raise PromptError(
            f"prompt file {path}: unknown placeholder {{{unknown[0]}}}; use {{question}} and {{sources}} "
            "(write literal braces as {{ and }})"
        )
    return fields


def _read(folder: Path, name: str) -> tuple[Path, str]:
    path = folder / name
    try:
        return path, path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PromptError(f"prompt file {path}: no such file; set prompts_dir to a folder holding "
                          f"{SYSTEM_FILE} and {USER_FILE}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PromptError(f"prompt file {path}: cannot be read ({exc}); fix it or set prompts_dir") from None


def load_prompts(settings: Settings) -> PromptTemplates:
    """Read and check the templates in ``settings.prompts_dir`` (read at every call: edits apply at once)."""
    folder = settings.prompts_dir
    if not folder.is_dir():
        raise PromptError(f"prompts_dir {folder}: no such folder; set prompts_dir in qa-assistant.toml")
    system_path, system = _read(folder, SYSTEM_FILE)
    user_path, user = _read(folder, USER_FILE)
    used = _placeholders(system_path, system) | _placeholders(user_path, user)
    for name in PLACEHOLDERS:
        if name not in used:
            raise PromptError(f"prompt file {user_path}: placeholder {{{name}}} is missing; add it")
    return PromptTemplates(system=system.strip(), user=user.strip(), folder=folder)


class PromptFiles:
    """The templates of ``settings.prompts_dir``, read again whenever a file changes.

    ``current()`` costs two ``stat`` calls when nothing changed, so the engine asks
    for it at every question: edits apply from the next question of a running
    chat or ``--batch``.
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._stamp: tuple[tuple[int, int] | None, ...] | None = None
        self._templates: PromptTemplates | None = None

    def _stamp_now(self) -> tuple[tuple[int, int] | None, ...]:
        stamps: list[tuple[int, int] | None] = []
        for name in (SYSTEM_FILE, USER_FILE):
            try:
                st = (self._settings.prompts_dir / name).stat()
                stamps.append((st.st_mtime_ns, st.st_size))
            except OSError:
                stamps.append(None)
        return tuple(stamps)

    def current(self) -> PromptTemplates:
        """The templates as the files are now (raises PromptError naming a bad file)."""
        stamp = self._stamp_now()
        if self._templates is None or stamp != self._stamp:
            self._templates = load_prompts(self._settings)
            self._stamp = stamp
        return self._templates


_WS = re.compile(r"\s+")


def _clean(text: str) -> str:
    """One line, no chat-control tokens: source text cannot fake a new turn or a new source line."""
    return neutralise_special_tokens(_WS.sub(" ", text).strip())


def format_sources(citations: Sequence[Citation]) -> str:
    """``[n] sentence`` lines in the order given; each run of sentences from one article
    follows a single ``From "Title":`` line (the title is said once, not per sentence)."""
    lines = []
    group: tuple[str, str] | None = None
    for c in citations:
        title = _clean(c.title) or _clean(c.article)
        if (c.article, title) != group:
            group = (c.article, title)
            lines.append(f'From "{title}":')
        lines.append(f"[{c.n}] {_clean(c.text)}")
    return "\n".join(lines) if lines else "(no sources found)"


def render_messages(t: PromptTemplates, question: str, citations: Sequence[Citation]) -> list[dict[str, str]]:
    """The chat messages for one question: system, then user with the numbered sources."""
    values = {"question": _clean(question), "sources": format_sources(citations)}
    messages = []
    system = t.system.format(**values)
    if system:
        messages.append({"role": "system", "content": system})
    messages.append({"role": "user", "content": t.user.format(**values)})
    return messages
