"""Reading saved answers: what ``ask --json`` / ``--batch`` print (one JSON object, or JSON
lines), a JSON array of those, or a Markdown export from the chat, whose answer record
sits in a fenced ```json block.  Each record becomes an :class:`~qa_assistant.models.Answer`
through ``Answer.from_json``; anything unreadable is one :class:`SavedAnswerError` line
naming the file and the line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import QAError
from ..models import Answer

_FENCE = re.compile(r"^```json[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


class SavedAnswerError(QAError):
    """The file of saved answers cannot be read or parsed; the message names the file and line."""


@dataclass(frozen=True)
class SavedAnswer:
    line: int
    """Line of the file where the answer's JSON starts (1-based)."""
    answer: Answer
    lists_sentences: bool
    """The record lists its sentences; without them, the whole answer text is checked."""


def _decode(path: Path, text: str, line: int) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SavedAnswerError(f"{path} line {line + exc.lineno - 1}: invalid JSON ({exc.msg}, column {exc.colno})") from None


def _records(path: Path, text: str) -> Iterator[tuple[int, Any]]:
    fences = list(_FENCE.finditer(text))
    if fences:
        for match in fences:
            line = text.count("\n", 0, match.start(1)) + 1
            yield line, _decode(path, match.group(1), line)
        return
    stripped = text.lstrip()
    if not stripped:
        raise SavedAnswerError(f"{path} is empty; pass a file written by `qa-assistant ask --json`")
    first = text.count("\n", 0, len(text) - len(stripped)) + 1
    try:
        yield first, json.loads(text)
        return
    except json.JSONDecodeError as exc:
        lines = text.splitlines()
        one_per_line = exc.msg == "Extra data"
        if not one_per_line:
            try:
                json.loads(lines[first - 1])
                one_per_line = True
            except (json.JSONDecodeError, IndexError):
                raise SavedAnswerError(
                    f"{path} line {exc.lineno}: invalid JSON ({exc.msg}, column {exc.colno})") from None
    for number, row in enumerate(lines, 1):
        if row.strip():
            yield number, _decode(path, row, number)


def load_saved_answers(path: Path) -> list[SavedAnswer]:
    """The answers in ``path``; SavedAnswerError (file and line) on anything unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SavedAnswerError(f"{path}: no such file; pass a file written by `qa-assistant ask --json`") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SavedAnswerError(f"{path}: cannot be read ({exc})") from None
    answers: list[SavedAnswer] = []
    try:
        for line, value in _records(path, text):
            for item in value if isinstance(value, list) else [value]:
                answers.append(_parse(path, line, item))
    except RecursionError:
        raise SavedAnswerError(f"{path}: its JSON is nested too deeply to be a saved answer") from None
    if not answers:
        raise SavedAnswerError(f"{path}: holds no answers; pass a file written by `qa-assistant ask --json`")
    return answers


def _parse(path: Path, line: int, item: Any) -> SavedAnswer:
    where = f"{path} line {line}"
    if not isinstance(item, dict) or not isinstance(item.get("citations"), list):
        raise SavedAnswerError(f"{where}: not a saved answer (no 'citations' list); "
                               "expected the output of `qa-assistant ask --json`")
    try:
        answer = Answer.from_json(item)
    except ValueError as exc:
        raise SavedAnswerError(f"{where}: {exc}") from None
    for c in answer.citations:
        if "\x00" in c.article:
            raise SavedAnswerError(f"{where}: citation [{c.n}] names an article path with a NUL byte, "
                                   "which no file can have; the file is damaged")
    return SavedAnswer(line, answer, isinstance(item.get("sentences"), list))
