"""The sources panel: each answer sentence with its verdict, and the sentences it cites.

Under a partial or unsupported sentence come the source sentences closest to what it
claims (``AnswerSentence.alternatives``); a refused answer lists the closest sentences
found as such, never as support.  Source sentences are options: Enter or a click
opens the article at that sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..answer_text import VERDICT_MARKS

if TYPE_CHECKING:
    from ...models import AnswerSentence, Citation

VERDICT_STYLES = {
    "supported": "bold green",
    "partial": "bold yellow",
    "unsupported": "bold red",
    "attributed": "bold cyan",
}
EMPTY = "Select an answer to see its sources."
CLOSE_CALL = "Close call: scored almost as high (may be the one that answers)"


def sentence_prompt(index: int, sentence: AnswerSentence, refused: bool = False) -> Text:
    """``2. ~ partial 0.61`` (coloured by verdict), then the answer sentence."""
    text = Text()
    text.append(f"{index}. ", style="bold")
    if refused:
        text.append("the articles don't say", style="bold magenta")
    else:
        mark = VERDICT_MARKS.get(sentence.verdict, "?")
        text.append(f"{mark} {sentence.verdict} {sentence.support:.2f}",
                    style=VERDICT_STYLES.get(sentence.verdict, "bold"))
    text.append("\n")
    text.append(sentence.text)
    return text


def heading(label: str) -> Option:
    """A line between options that names what follows (not selectable)."""
    return Option(Text(label, style="bold dim"), disabled=True)


def citation_prompt(citation: Citation) -> Text:
    """``[3] Title``, then the cited sentence, under its answer sentence.

    A plain Text (no Padding): the option list measures an option's height from
    its renderable, and a padded one lost its last wrapped line.
    """
    text = Text()
    text.append(f"  [{citation.n}] ", style="bold")
    text.append(citation.title or citation.article, style="italic")
    text.append("\n")
    text.append(citation.text, style="default")
    return text


class SourcesPanel(Vertical):
    """Verdicts and citations of the selected answer."""

    @dataclass
    class CitationChosen(Message):
        """A source sentence was chosen (Enter or click)."""

        citation: Citation

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._citations: dict[str, Citation] = {}

    def compose(self) -> ComposeResult:
        yield Static(EMPTY, id="sources-title", markup=False)
        yield OptionList(id="sources-list")

    @property
    def option_list(self) -> OptionList:
        return self.query_one("#sources-list", OptionList)

    def show(self, title: str, sentences: Sequence[AnswerSentence], citations: Sequence[Citation],
             *, final: bool, refused: bool = False, close_call: int | None = None) -> None:
        """Show one answer: sentences (checked so far, or all) and the sources given to the model.

        ``refused``: the program decided the articles don't say; ``citations`` are then the
        closest sentences found, listed as such.  ``close_call``: the source that scored almost
        as high as the one the answer rests on, listed under its own heading."""
        self.query_one("#sources-title", Static).update(title)
        by_number = {c.n: c for c in citations}
        options: list[Option] = []
        self._citations = {}
        listed: set[int] = set()
        for i, sentence in enumerate(sentences, 1):
            options.append(Option(sentence_prompt(i, sentence, refused), id=f"s{i}", disabled=True))
            for n in sentence.citations:
                if n in by_number and not refused:
                    listed.add(n)
                    self._add(options, f"c{n}-s{i}", by_number[n])
            for n in sentence.invalid_citations:
                options.append(Option(Text(f"  [{n}] names no source", style="red"), disabled=True))
            offered = [n for n in sentence.alternatives if n in by_number]
            if offered and sentence.verdict in ("partial", "unsupported") and not refused:
                options.append(heading("  Closest source sentences (offered instead):"))
                for n in offered:
                    listed.add(n)
                    self._add(options, f"a{n}-s{i}", by_number[n])
        if close_call in by_number and close_call not in listed and not refused:
            options.append(heading(CLOSE_CALL))
            listed.add(close_call)
            self._add(options, f"k{close_call}", by_number[close_call])
        others = [c for c in citations if c.n not in listed]
        if others:
            if refused:
                label = "Closest sentences found (they do not answer the question)"
            else:
                label = "Other sources given to the model" if final or sentences else "Sources given to the model"
            options.append(heading(label))
            for citation in others:
                self._add(options, f"c{citation.n}-o", citation)
        option_list = self.option_list
        option_list.clear_options()
        option_list.add_options(options)
        first = next((i for i, o in enumerate(options) if not o.disabled), None)
        option_list.highlighted = first

    def clear(self) -> None:
        self.query_one("#sources-title", Static).update(EMPTY)
        self.option_list.clear_options()
        self._citations = {}

    def citation_at(self, option_id: str | None) -> Citation | None:
        return self._citations.get(option_id or "")

    @property
    def highlighted_citation(self) -> Citation | None:
        option_list = self.option_list
        if option_list.highlighted is None:
            return None
        return self.citation_at(option_list.get_option_at_index(option_list.highlighted).id)

    def _add(self, options: list[Option], option_id: str, citation: Citation) -> None:
        self._citations[option_id] = citation
        options.append(Option(citation_prompt(citation), id=option_id))

    @on(OptionList.OptionSelected, "#sources-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        citation = self.citation_at(event.option_id)
        if citation is not None:
            self.post_message(self.CitationChosen(citation))
