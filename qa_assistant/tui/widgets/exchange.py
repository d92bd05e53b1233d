"""One question and its answer in the transcript; the answer streams in as Markdown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from ..answer_text import link_markers, shown_length, transcript_markdown

if TYPE_CHECKING:
    from textual.widgets import Markdown
    from textual.widgets.markdown import MarkdownStream

    from ...models import Answer, AnswerSentence, Citation


class ExchangeView(Vertical):
    """A question, its (streaming) answer and a one-line state."""

    @dataclass
    class Selected(Message):
        """The user clicked this exchange: show its sources."""

        exchange: ExchangeView

    @dataclass
    class CitationClicked(Message):
        """A citation marker in the answer was clicked."""

        exchange: ExchangeView
        number: int

    def __init__(self, exchange_id: str, question: str) -> None:
        super().__init__(id=f"x-{exchange_id}", classes="exchange")
        self.exchange_id = exchange_id
        self.question = question
        self.answer: Answer | None = None
        self.citations: tuple[Citation, ...] = ()
        self.checked: list[AnswerSentence] = []
        self._text = ""
        self._shown = 0
        """How much of ``_text`` went to the Markdown stream."""
        self._stream: MarkdownStream | None = None

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

    @property
    def markdown(self) -> Markdown:
        return cast("Markdown", self.query_one(".answer"))

    def set_state(self, text: str) -> None:
        state = self.query_one(".state", Static)
        state.update(text)
        state.display = bool(text)

    def set_citations(self, citations: tuple[Citation, ...]) -> None:
        self.citations = citations

    async def add_token(self, text: str) -> None:
        """Append streamed text; Textual's MarkdownStream batches the renders."""
        self._text += text
        cut = shown_length(self._text, self._shown)
        if cut <= self._shown:
            return
        chunk, self._shown = self._text[self._shown:cut], cut
        if self._stream is None:
            from textual.widgets import Markdown

            self._stream = Markdown.get_stream(self.markdown)
        await self._stream.write(link_markers(chunk, len(self.citations)))

    async def close_stream(self) -> None:
        """Stop streaming (the answer finished or was withdrawn)."""
        if self._stream is not None:
            stream, self._stream = self._stream, None
            await stream.stop()

    def add_checked(self, sentence: AnswerSentence) -> None:
        self.checked.append(sentence)

    async def finish(self, answer: Answer) -> None:
        """The final answer: clickable markers, each sentence's verdict, the closest sources
        beside unsupported sentences; a refusal says the articles don't say."""
        await self.close_stream()
        self.answer = answer
        self.citations = answer.citations
        self._text = answer.answer
        await self.markdown.update(transcript_markdown(answer))
        self.set_state("")

    def on_click(self) -> None:
        self.post_message(self.Selected(self))

    def on_markdown_link_clicked(self, event: Markdown.LinkClicked) -> None:
        event.stop()
        if event.href.startswith("cite:") and event.href[5:].isdigit():
            self.post_message(self.CitationClicked(self, int(event.href[5:])))
