"""The main screen: transcript and sources side by side, the question input, the index bar."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Header, Input

from ..messages import CitationOpened, QuestionAsked
from ..widgets.exchange import ExchangeView
from ..widgets.prompt import PromptInput
from ..widgets.sources import SourcesPanel
from ..widgets.status_bar import IndexStatusBar
from ..widgets.transcript import Transcript


class ChatScreen(Screen[None]):
    """Widgets only: a question or a chosen citation is posted (``QuestionAsked``,
    ``CitationOpened``) for the app to act on."""

    def __init__(self) -> None:
        super().__init__(id="chat")
        self.selected: ExchangeView | None = None

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
        answer = view.answer
        if answer is not None:
            if answer.refused:
                title = f"Answer {number} · {answer.mode} · the articles don't say"
            else:
                title = f"Answer {number} · {answer.mode} · {len(answer.sentences)} sentence(s) checked"
            self.sources.show(title, answer.sentences, answer.citations, final=True, refused=answer.refused,
                              close_call=answer.close_call)
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
    def _submitted(self, event: Input.Submitted) -> None:
        question = event.value.strip()
        if not question:
            return
        self.prompt.remember(question)
        self.prompt.value = ""
        self.post_message(QuestionAsked(question))

    @on(ExchangeView.Selected)
    def _exchange_selected(self, event: ExchangeView.Selected) -> None:
        self.select(event.exchange)

    @on(ExchangeView.CitationClicked)
    def _marker_clicked(self, event: ExchangeView.CitationClicked) -> None:
        self.select(event.exchange)
        citation = next((c for c in event.exchange.citations if c.n == event.number), None)
        if citation is not None:
            self.post_message(CitationOpened(citation))

    @on(SourcesPanel.CitationChosen)
    def _citation_chosen(self, event: SourcesPanel.CitationChosen) -> None:
        self.post_message(CitationOpened(event.citation))
