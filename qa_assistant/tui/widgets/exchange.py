"""One question and its answer in the transcript; the answer streams in as Markdown."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

if TYPE_CHECKING:
    from textual.widgets import Markdown

    from ...models import Answer, AnswerSentence, Citation

_MARKERS = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
RENDER_INTERVAL = 0.05
"""Seconds between re-renders of a streaming answer (tokens arrive faster)."""


def link_markers(text: str, n_sources: int) -> str:
    """Turn citation markers ``[2]`` / ``[1, 3]`` into Markdown links ``cite:N`` (clickable)."""

    def one(match: re.Match[str]) -> str:
        numbers = [int(n) for n in re.split(r"\s*[,;]\s*", match.group(1))]
        parts = [f"[\\[{n}\\]](cite:{n})" if 1 <= n <= n_sources else f"\\[{n}\\]" for n in numbers]
        return "".join(parts)

    return _MARKERS.sub(one, text)


def answer_with_markers(answer: Answer) -> str:
    """The answer text with every sentence's citations shown as markers.

    The program may attach citations the model did not write (attribution); those
    markers are added after their sentence, so the transcript shows every source.
    """
    text = answer.answer
    cursor = 0
    for sentence in answer.sentences:
        found = text.find(sentence.text, cursor)
        if found < 0:
            continue
        end = found + len(sentence.text)
        written = {int(n) for group in _MARKERS.findall(sentence.text) for n in re.split(r"\s*[,;]\s*", group)}
        missing = "".join(f" [{n}]" for n in sentence.citations if n not in written)
        text = text[:end] + missing + text[end:]
        cursor = end + len(missing)
    return text


class ExchangeView(Vertical):
    """A question, its (streaming) answer and a one-line state."""

    class Selected(Message):
        """The user clicked this exchange: show its sources."""

        def __init__(self, exchange: ExchangeView) -> None:
            super().__init__()
            self.exchange = exchange

    class CitationClicked(Message):
        """A citation marker in the answer was clicked."""

        def __init__(self, exchange: ExchangeView, number: int) -> None:
            super().__init__()
            self.exchange = exchange
            self.number = number

    def __init__(self, exchange_id: str, question: str) -> None:
        super().__init__(id=f"x-{exchange_id}", classes="exchange")
        self.exchange_id = exchange_id
        self.question = question
        self.answer: Answer | None = None
        self.citations: tuple[Citation, ...] = ()
        self.checked: list[AnswerSentence] = []
        self.stopped = False
        self._text = ""
        self._render_pending = False

    def compose(self) -> ComposeResult:
        from textual.widgets import Markdown  # imported with the first answer: keeps start-up fast

        yield Static(self.question, classes="question", markup=False)
        yield Markdown("", classes="answer", open_links=False)
        yield Static("", classes="state", markup=False)

    @property
    def done(self) -> bool:
        return self.answer is not None

    @property
    def text(self) -> str:
        """The answer text so far (or final)."""
        return self.answer.answer if self.answer is not None else self._text

    def set_state(self, text: str) -> None:
        state = self.query_one(".state", Static)
        state.update(text)
        state.display = bool(text)

    def set_citations(self, citations: tuple[Citation, ...]) -> None:
        self.citations = citations

    def add_token(self, text: str) -> None:
        self._text += text
        if not self._render_pending:
            self._render_pending = True
            self.set_timer(RENDER_INTERVAL, self._render_stream)

    def add_checked(self, sentence: AnswerSentence) -> None:
        self.checked.append(sentence)

    def finish(self, answer: Answer) -> None:
        """The final answer: render it with clickable markers."""
        self.answer = answer
        self.citations = answer.citations
        self._text = answer.answer
        body = link_markers(answer_with_markers(answer).strip(), len(answer.citations)) or "_(no answer)_"
        if answer.notice:
            body += f"\n\n> {answer.notice}"
        self.markdown.update(body)
        self.set_state("")

    def _render_stream(self) -> None:
        self._render_pending = False
        if self.answer is None:
            self.markdown.update(link_markers(self._text, len(self.citations)))

    def on_click(self) -> None:
        self.post_message(self.Selected(self))

    @property
    def markdown(self) -> Markdown:
        return cast("Markdown", self.query_one(".answer"))

    def on_markdown_link_clicked(self, event: Markdown.LinkClicked) -> None:
        event.stop()
        if event.href.startswith("cite:") and event.href[5:].isdigit():
            self.post_message(self.CitationClicked(self, int(event.href[5:])))
