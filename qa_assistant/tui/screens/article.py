"""An article with one sentence highlighted and scrolled into view (Escape goes back).

Sentences that address an AI model instead of the reader ("Ignore previous
instructions…", "[INST]") are dimmed behind a label: the index keeps them for
reading, but they are never used as a source.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

if TYPE_CHECKING:
    from ...models import Citation, IndexedArticle

HIGHLIGHT_STYLE = "bold black on yellow"
INSTRUCTION_STYLE = "dim italic"
INSTRUCTION_LABEL = " ⚠ written to an AI model, not to readers: never used as a source "
INSTRUCTION_LABEL_STYLE = "bold black on magenta"
MOVED_NOTE = "This article changed since the answer: the cited sentence is no longer in it."
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def paragraphs(text: str) -> list[tuple[int, int]]:
    """[start, end) ranges of the blank-line separated paragraphs of ``text``."""
    ranges: list[tuple[int, int]] = []
    start = 0
    for match in _PARAGRAPH_BREAK.finditer(text):
        if match.start() > start:
            ranges.append((start, match.start()))
        start = match.end()
    if start < len(text):
        ranges.append((start, len(text)))
    return ranges or [(0, len(text))]


def article_screen(indexed: IndexedArticle, citation: Citation) -> ArticleScreen:
    """The article view for a citation: its sentence highlighted (found again if the article
    changed since the answer), the sentences that address a model marked."""
    from ...ingest.instructions import addresses_model

    text = indexed.text
    start, end, note = citation.start, citation.end, ""
    if text[start:end] != citation.text:
        found = text.find(citation.text)
        if found >= 0:
            start, end = found, found + len(citation.text)
        else:
            start = end = 0
            note = MOVED_NOTE
    flagged = [(s.start, s.end) for s in indexed.sentences if addresses_model(s.text)]
    if flagged:
        count = f"{len(flagged)} sentence{'s' if len(flagged) != 1 else ''}"
        note = (f"{note} " if note else "") + (f"{count} of this article address an AI model (marked): "
                                               "kept for reading, never used as a source.")
    return ArticleScreen(indexed.article.title, indexed.article.path, text, start, end, note,
                         merge_runs(text, flagged))


def merge_runs(text: str, ranges: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted [start, end) ranges, neighbours with only whitespace between them joined (one label a run)."""
    runs: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if runs and not text[runs[-1][1]:start].strip():
            runs[-1] = (runs[-1][0], max(end, runs[-1][1]))
        else:
            runs.append((start, end))
    return runs


class ArticleScreen(ModalScreen[None]):
    """Shows ``text`` (the article as indexed) with ``text[start:end]`` highlighted and the
    ``flagged`` [start, end) ranges marked as instructions to a model."""

    BINDINGS = [
        Binding("escape", "dismiss", "Back"),
        Binding("q", "dismiss", "Back", show=False),
    ]

    def __init__(self, title: str, path: str, text: str, start: int, end: int, note: str = "",
                 flagged: Sequence[tuple[int, int]] = ()) -> None:
        super().__init__()
        self.article_title = title
        self.article_path = path
        self.text = text
        self.start = max(0, min(start, len(text)))
        self.end = max(self.start, min(end, len(text)))
        self.note = note
        self.flagged = tuple(flagged)
        self._hit_prefix = ""
        """The hit paragraph as rendered (labels included) up to the highlight."""

    @property
    def highlighted_text(self) -> str:
        """The exact characters shown highlighted."""
        return self.text[self.start:self.end]

    def compose(self) -> ComposeResult:
        with Vertical(id="article-dialog"):
            yield Static(Text.assemble((self.article_title, "bold"), "  ", (self.article_path, "dim")),
                         id="article-title")
            if self.note:
                yield Static(self.note, id="article-note", markup=False)
            with VerticalScroll(id="article-body"):
                for start, end in paragraphs(self.text):
                    yield self._paragraph(start, end)
            yield Static("Escape: back to the chat · ↑/↓ PgUp/PgDn: scroll", id="article-help")

    def _paragraph(self, start: int, end: int) -> Static:
        body = Text()
        flagged = [(max(a, start), min(b, end)) for a, b in self.flagged if a < end and b > start]
        cursor = start
        hit = self.start < end and self.end > start and self.end > self.start
        for a, b in flagged:
            self._append(body, cursor, a)
            body.append(INSTRUCTION_LABEL, style=INSTRUCTION_LABEL_STYLE)
            body.append(" ")
            self._append(body, a, b, INSTRUCTION_STYLE)
            cursor = b
        self._append(body, cursor, end)
        classes = "paragraph -hit" if hit else "paragraph"
        return Static(body, classes=classes + (" -instruction" if flagged else ""))

    def _append(self, body: Text, start: int, end: int, style: str = "") -> None:
        """Append ``text[start:end]``, the part inside the highlight in the highlight style."""
        low, high = max(start, self.start), min(end, self.end)
        if low >= high:
            body.append(self.text[start:end], style=style)
            return
        body.append(self.text[start:low], style=style)
        if low == self.start:
            self._hit_prefix = body.plain
        body.append(self.text[low:high], style=HIGHLIGHT_STYLE)
        body.append(self.text[high:end], style=style)

    def on_mount(self) -> None:
        self.query_one("#article-body").focus()
        self.call_after_refresh(self._scroll_to_hit)

    def _scroll_to_hit(self) -> None:
        """Scroll so the highlighted sentence's first line sits a third of the way down."""
        hits = self.query(".-hit")
        if not hits:
            return
        hit = hits.first(Static)
        body = self.query_one("#article-body", VerticalScroll)
        width = hit.content_region.width or body.size.width
        prefix = Text(self._hit_prefix)
        line = len(prefix.wrap(self.app.console, max(width, 1))) - 1 if prefix.plain.strip() else 0
        y = hit.virtual_region.y + hit.styles.padding.top + max(line, 0)
        body.scroll_to(y=max(0, y - body.size.height // 3), animate=False)
