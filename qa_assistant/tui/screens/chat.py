"""The main screen: transcript and sources side by side, the question input, the index bar."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Header, Input

from ..widgets.exchange import ExchangeView
from ..widgets.prompt import PromptInput
from ..widgets.sources import SourcesPanel
from ..widgets.status_bar import IndexStatusBar
from ..widgets.transcript import Transcript

if TYPE_CHECKING:
    from ...models import Citation
    from ..app import QAApp


class ChatScreen(Screen[None]):
    """Widgets only: what to do with a question or a citation is the app's business."""

    def __init__(self) -> None:
        super().__init__(id="chat")
        self.selected: ExchangeView | None = None

    @property
    def qa_app(self) -> QAApp:
        return cast("QAApp", self.app)

    def compose(self) -> ComposeResult:
        yield Header(icon="?")
        with Horizontal(id="main"):
            yield Transcript(id="transcript")
            yield SourcesPanel(id="sources")
        yield PromptInput(id="prompt")
        yield IndexStatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.prompt.focus()

    @property
    def transcript(self) -> Transcript:
        return self.query_one(Transcript)

    @property
    def sources(self) -> SourcesPanel:
        return self.query_one(SourcesPanel)

    @property
    def prompt(self) -> PromptInput:
        return self.query_one(PromptInput)

    @property
    def status_bar(self) -> IndexStatusBar:
        return self.query_one(IndexStatusBar)

    # --- selection and the sources panel -----------------------------------------

    def select(self, view: ExchangeView | None) -> None:
        """Make ``view`` the selected answer and show its sources."""
        if self.selected is not None and self.selected is not view:
            self.selected.remove_class("-selected")
        self.selected = view
        if view is None:
            self.sources.clear()
            return
        view.add_class("-selected")
        self.refresh_sources(view)

    def refresh_sources(self, view: ExchangeView) -> None:
        if view is not self.selected:
            return
        number = self.transcript.exchanges.index(view) + 1 if view in self.transcript.exchanges else 0
        if view.answer is not None:
            mode = view.answer.mode
            title = f"Answer {number} · {mode} · {len(view.answer.sentences)} sentence(s) checked"
            self.sources.show(title, view.answer.sentences, view.answer.citations, final=True)
        else:
            self.sources.show(f"Answer {number} · in progress", view.checked, view.citations, final=False)

    def select_relative(self, step: int) -> None:
        exchanges = self.transcript.exchanges
        if not exchanges:
            return
        index = exchanges.index(self.selected) if self.selected in exchanges else len(exchanges)
        index = max(0, min(len(exchanges) - 1, index + step))
        self.select(exchanges[index])
        self.transcript.scroll_to_widget(exchanges[index], animate=False)

    # --- events ----------------------------------------------------------------------

    @on(Input.Submitted, "#prompt")
    async def _submitted(self, event: Input.Submitted) -> None:
        question = event.value.strip()
        if not question:
            return
        self.prompt.remember(question)
        self.prompt.value = ""
        await self.qa_app.submit_question(question)

    @on(ExchangeView.Selected)
    def _exchange_selected(self, event: ExchangeView.Selected) -> None:
        self.select(event.exchange)

    @on(ExchangeView.CitationClicked)
    def _marker_clicked(self, event: ExchangeView.CitationClicked) -> None:
        self.select(event.exchange)
        citation = next((c for c in event.exchange.citations if c.n == event.number), None)
        if citation is not None:
            self.qa_app.open_citation(citation)

    @on(SourcesPanel.CitationChosen)
    def _citation_chosen(self, event: SourcesPanel.CitationChosen) -> None:
        self.qa_app.open_citation(event.citation)

    def open_highlighted_citation(self) -> Citation | None:
        """The citation highlighted in the sources panel (used by tests and the palette)."""
        citation = self.sources.highlighted_citation
        if citation is not None:
            self.qa_app.open_citation(citation)
        return citation
