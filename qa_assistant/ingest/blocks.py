"""Cutting an article's text into blocks before sentences are split.

A block is one line, or a hard-wrapped paragraph whose lines are joined.  Lines
are blocks because scraped news puts tag lines ("russia, putin, syria"), photo
captions and credits on lines of their own without a full stop: split as one
text, they would be glued to the prose around them.  Markdown markup lines
(``---``, table rules, front matter) and fenced code are left out; leading heading
marks, bullets and quote marks are left outside the block so a heading is a
clean sentence.  Every block is a ``[start, end)`` range into the text, never
a copy, so offsets stay exact.
"""

from __future__ import annotations

import re
from itertools import pairwise

from ..models import Span

# Markdown lines that carry no words: rules, setext underlines, fences, table rules, comments.
_MARKUP_ONLY = re.compile(
    r"\s*(?:(?:[-*_=]\s*){3,}|`{3,}.*|~{3,}.*|\|?(?:\s*:?-+:?\s*\|)+\s*:?-*:?\s*|<!--.*-->|\[\^?[^\]]+\]:\s*\S+.*)"
)
# Marks that open a Markdown block and belong outside its sentences.
_MD_LEAD = re.compile(r"(?:\s{0,3}(?:#{1,6}(?=\s)|>|[-*+](?=\s)|\d{1,3}[.)](?=\s)))+\s*")
_MD_HEADING = re.compile(r"\s{0,3}#{1,6}\s")
_MD_HEADING_CLOSE = re.compile(r"\s+#+\s*$")
_MD_BLOCK_START = re.compile(r"\s{0,3}(?:#{1,6}\s|>|[-*+]\s|\d{1,3}[.)]\s|\||!\[|<)")
_TAG_LINE = re.compile(r"[^\W\d_][\w'&.-]*(?: [\w'&.-]+){0,3}(?:, ?[^\W_][\w'&.-]*(?: [\w'&.-]+){0,3}){2,}")
_SENTENCE_END = re.compile(r"""[.!?…:;]["'”’)\]]*$""")

WRAP_MAX = 100
"""Longest line (characters) of a paragraph that may be hard-wrapped."""


def split_blocks(text: str, *, markdown: bool = False) -> list[Span]:
    """The blocks of ``text`` in order: stripped, non-empty ``[start, end)`` ranges."""
    lines = _lines(text)
    first = _front_matter_end(text, lines) if markdown else 0
    blocks: list[Span] = []
    paragraph: list[tuple[int, int]] = []
    fenced = False
    for start, end in lines[first:]:
        line = text[start:end]
        if markdown and (line.lstrip().startswith("```") or line.lstrip().startswith("~~~")):
            fenced = not fenced
            blocks.extend(_paragraph_blocks(text, paragraph, markdown))
            paragraph = []
            continue
        if not line.strip() or fenced or (markdown and _MARKUP_ONLY.fullmatch(line)):
            blocks.extend(_paragraph_blocks(text, paragraph, markdown))
            paragraph = []
            continue
        paragraph.append((start, end))
    blocks.extend(_paragraph_blocks(text, paragraph, markdown))
    return blocks


def _lines(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` of every line, without its "\\n"."""
    spans = []
    start = 0
    for line in text.split("\n"):
        spans.append((start, start + len(line)))
        start += len(line) + 1
    return spans


def _front_matter_end(text: str, lines: list[tuple[int, int]]) -> int:
    """Index of the first line after YAML front matter (0 if there is none)."""
    if not lines or text[lines[0][0]:lines[0][1]].rstrip() != "---":
        return 0
    for i, (start, end) in enumerate(lines[1:60], start=1):
        if text[start:end].rstrip() in {"---", "..."}:
            return i + 1
    return 0


def front_matter_title(text: str) -> str | None:
    """The ``title:`` of a Markdown file's YAML front matter, if any."""
    lines = _lines(text)
    end = _front_matter_end(text, lines)
    for start, stop in lines[1:max(end - 1, 1)]:
        key, _, value = text[start:stop].partition(":")
        if key.strip().lower() == "title" and value.strip():
            return value.strip().strip("\"'").strip()
    return None


def _paragraph_blocks(text: str, lines: list[tuple[int, int]], markdown: bool) -> list[Span]:
    if not lines:
        return []
    groups: list[list[tuple[int, int]]] = [[lines[0]]]
    wrapped = _is_wrapped(text, lines)
    for prev, cur in pairwise(lines):
        if wrapped and _continues(text, prev, cur, markdown):
            groups[-1].append(cur)
        else:
            groups.append([cur])
    blocks = []
    for group in groups:
        start, end = group[0][0], group[-1][1]
        if markdown:
            if _MD_HEADING.match(text, start, end):
                end = _drop_heading_close(text, start, end)
            start = _skip_markdown_lead(text, start, end)
        span = strip_span(text, start, end)
        if span is not None:
            blocks.append(span)
    return blocks


def _is_wrapped(text: str, lines: list[tuple[int, int]]) -> bool:
    """A paragraph typed with hard line breaks: several lines, none long, all but the last of similar length."""
    if len(lines) < 2:
        return False
    lengths = [len(text[s:e].rstrip()) for s, e in lines]
    longest = max(lengths)
    return longest <= WRAP_MAX and min(lengths[:-1]) >= 0.7 * longest and longest >= 50


def _continues(text: str, prev: tuple[int, int], cur: tuple[int, int], markdown: bool) -> bool:
    """Whether line ``cur`` carries on the sentence text of line ``prev`` in a wrapped paragraph."""
    before = text[prev[0]:prev[1]].strip()
    after = text[cur[0]:cur[1]]
    if markdown and _MD_BLOCK_START.match(after):
        return False
    if _TAG_LINE.fullmatch(before) and before == before.lower():
        return False
    return not _SENTENCE_END.search(before) or after.lstrip()[:1].islower()


def _skip_markdown_lead(text: str, start: int, end: int) -> int:
    match = _MD_LEAD.match(text, start, end)
    return match.end() if match else start


def _drop_heading_close(text: str, start: int, end: int) -> int:
    match = _MD_HEADING_CLOSE.search(text, start, end)
    return match.start() if match else end


def strip_span(text: str, start: int, end: int) -> Span | None:
    """``[start, end)`` narrowed to exclude surrounding whitespace; None if nothing is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end) if end > start else None
