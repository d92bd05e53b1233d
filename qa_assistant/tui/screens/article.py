"""An article with one sentence highlighted and scrolled into view (Escape goes back)."""

from __future__ import annotations

import re

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

HIGHLIGHT_STYLE = "bold black on yellow"
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


class ArticleScreen(ModalScreen[None]):
    """Shows ``text`` (the article as indexed) with ``text[start:end]`` highlighted."""

    BINDINGS = [
        Binding("escape", "dismiss", "Back"),
        Binding("q", "dismiss", "Back", show=False),
    ]

    def __init__(self, title: str, path: str, text: str, start: int, end: int, note: str = "") -> None:
        super().__init__()
        self.article_title = title
        self.article_path = path
        self.text = text
        self.start = max(0, min(start, len(text)))
        self.end = max(self.start, min(end, len(text)))
        self.note = note

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
        body = Text(self.text[start:end])
        hit = self.start < end and self.end > start and self.end > self.start
        if hit:
            body.stylize(HIGHLIGHT_STYLE, max(self.start, start) - start, min(self.end, end) - start)
        widget = Static(body, classes="paragraph -hit" if hit else "paragraph")
        widget.paragraph_start = start  # type: ignore[attr-defined]
        return widget

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
        prefix = Text(self.text[getattr(hit, "paragraph_start", self.start):self.start])
        line = len(prefix.wrap(self.app.console, max(width, 1))) - 1 if prefix.plain.strip() else 0
        y = hit.virtual_region.y + hit.styles.padding.top + max(line, 0)
        body.scroll_to(y=max(0, y - body.size.height // 3), animate=False)
