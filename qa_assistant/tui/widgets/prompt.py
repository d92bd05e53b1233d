"""The question input, with a history of past questions on Up / Down."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Input


class PromptInput(Input):
    """An ``Input`` that remembers submitted questions (Up: older, Down: newer)."""

    BINDINGS = [
        Binding("up", "history_previous", "Previous question", show=False),
        Binding("down", "history_next", "Next question", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder="Ask a question about the articles…  (F1: help)", id=id)
        self.history: list[str] = []
        self._position: int | None = None
        self._draft = ""

    def remember(self, question: str) -> None:
        """Add a question to the history (not twice in a row)."""
        question = question.strip()
        if question and (not self.history or self.history[-1] != question):
            self.history.append(question)
        self._position = None

    def restore(self, question: str) -> None:
        """Put a question back for editing (after Escape stopped its answer)."""
        self.value = question
        self.cursor_position = len(question)
        self._position = None

    def action_history_previous(self) -> None:
        if not self.history:
            return
        if self._position is None:
            self._draft = self.value
            self._position = len(self.history)
        if self._position > 0:
            self._position -= 1
            self._show(self.history[self._position])

    def action_history_next(self) -> None:
        if self._position is None:
            return
        self._position += 1
        if self._position >= len(self.history):
            self._position = None
            self._show(self._draft)
        else:
            self._show(self.history[self._position])

    def _show(self, text: str) -> None:
        self.value = text
        self.cursor_position = len(text)
