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
_MD_UNWRAPPABLE = re.compile(r"#{1,6}\s|!\[|\|")
# Lines that open a new Markdown block even inside a paragraph (only "1." can start a list there).
_MD_BLOCK_START = re.compile(r"\s{0,3}(?:#{1,6}\s|>|[-*+]\s|1[.)]\s|\||!\[|<)")
# A line of keywords: four or more short, comma-separated lower-case items ("russia, putin, syria, assad").
_TAG_LINE = re.compile(r"[^\W\d_][\w'&.-]*(?: [\w'&.-]+){0,2}(?:, ?[^\W_][\w'&.-]*(?: [\w'&.-]+){0,2}){3,}")
_RUN_ON_WORDS = frozenset("a an and as at but by for from in into of on or than that the to with".split())
_PROSE_WORDS = re.compile(r"\b(?:and|or|the|a|an|of|to|in|was|is|said)\b")

WRAP_MIN, WRAP_MAX = 50, 100
"""Widest line (characters) of a paragraph that may be hard-wrapped: text editors wrap at 60-80."""


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
            blocks.extend(_paragraph_blocks(text, paragraph, markdown, title_first=not blocks))
            paragraph = []
            continue
        if not line.strip() or fenced or (markdown and _MARKUP_ONLY.fullmatch(line)):
            blocks.extend(_paragraph_blocks(text, paragraph, markdown, title_first=not blocks))
            paragraph = []
            continue
        paragraph.append((start, end))
    blocks.extend(_paragraph_blocks(text, paragraph, markdown, title_first=not blocks))
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


def _paragraph_blocks(text: str, lines: list[tuple[int, int]], markdown: bool, title_first: bool) -> list[Span]:
    """Blocks of one paragraph.

    With ``title_first`` (the article's first paragraph) the first line is the title and stands
    alone, unless it plainly runs on into the next line.
    """
    if not lines:
        return []
    widest = max(len(text[s:e].rstrip()) for s, e in lines)
    wrapped = WRAP_MIN <= widest <= WRAP_MAX
    groups: list[list[tuple[int, int]]] = [[lines[0]]]
    for i, (prev, cur) in enumerate(pairwise(lines)):
        title_alone = title_first and i == 0 and _stands_alone(text[prev[0]:prev[1]], text[cur[0]:cur[1]])
        if wrapped and not title_alone and _continues(text, prev, cur, widest, markdown):
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


def _stands_alone(first: str, second: str) -> bool:
    """Whether an article's first line is a title rather than the start of a wrapped sentence."""
    words = first.split()
    return not (second.lstrip()[:1].islower() or not words or words[-1].lower() in _RUN_ON_WORDS
                or first.rstrip()[-1] in ",;:-–—(")


def _continues(text: str, prev: tuple[int, int], cur: tuple[int, int], width: int, markdown: bool) -> bool:
    """Whether line ``cur`` carries on line ``prev`` of a paragraph typed with hard line breaks.

    A line wrapped at some width is full: the next line's first word would not have fitted
    on it.  A short line (a title, a tag line, a credit) is a block of its own.  Sentence
    ends inside a joined block are found by the splitter, so punctuation plays no part here.
    """
    before = text[prev[0]:prev[1]].strip()
    after = text[cur[0]:cur[1]]
    first_word = after.lstrip(" \t").split(" ", 1)[0]  # editors break lines at plain spaces only
    if len(text[prev[0]:prev[1]].rstrip()) + 1 + len(first_word) <= width:
        return False
    if markdown and (_MD_BLOCK_START.match(after) or _MD_UNWRAPPABLE.match(before)):
        return False
    return not is_tag_line(before)


def is_tag_line(line: str) -> bool:
    """A scraped page's keyword line, such as "transport, council, tram, budget, city"."""
    return line == line.lower() and bool(_TAG_LINE.fullmatch(line)) and not _PROSE_WORDS.search(line)


def _skip_markdown_lead(text: str, start: int, end: int) -> int:
    match = _MD_LEAD.match(text, start, end)
    return match.end() if match else start


def _drop_heading_close(text: str, start: int, end: int) -> int:
    """End of a heading without its closing ``#`` marks (whitespace, hashes, whitespace at its end).

    Scanned back from the end: a regular expression search for this costs quadratic
    time on a heading of many spaces.
    """
    stop = end
    while stop > start and text[stop - 1].isspace():
        stop -= 1
    hashes = stop
    while hashes > start and text[hashes - 1] == "#":
        hashes -= 1
    if hashes == stop or hashes == start or not text[hashes - 1].isspace():
        return end
    while hashes > start and text[hashes - 1].isspace():
        hashes -= 1
    return hashes


def strip_span(text: str, start: int, end: int) -> Span | None:
    """``[start, end)`` narrowed to exclude surrounding whitespace; None if nothing is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end) if end > start else None
