"""Sentence segmentation with exact character offsets.

The text is first cut into blocks (lines, see :mod:`.blocks`); syntok then
finds the sentence starts inside each block.  A sentence runs from its start to
the next one's (trailing whitespace dropped), so no character of a block is
lost and ``text[start:end]`` is always the sentence.  Two repairs follow:
splits right after a title syntok does not know (``Gov.``, ``Lt.``, ``Sen.``)
are undone, and a quotation opened in one piece and closed in the next is kept
whole with its attribution.  Pieces longer than :data:`MAX_SENTENCE_CHARS` are
cut at whitespace so every sentence fits the embedder's window.  A run of more
than :data:`MAX_WORD_CHARS` characters without whitespace (encoded data such as
a base64 image, never prose) is left out of the sentences: the text around it
is split as if it were a paragraph break.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..models import Span
from .blocks import split_blocks, strip_span

if TYPE_CHECKING:
    from syntok.tokenizer import Tokenizer

MAX_SENTENCE_CHARS = 1000
"""Longer "sentences" (walls of text without punctuation) are cut into pieces."""
MAX_WORD_CHARS = 500
"""Longer runs without whitespace are not words; they are left out of every sentence."""
MAX_QUOTE_MERGE_CHARS = 600
"""A quotation is re-joined across a split only while the result stays this short."""

# Titles before a name that syntok's own abbreviation list lacks (case-sensitive).
_TITLES = frozenset(
    "Adm Amb Atty Brig Capt Cdr Cmdr Col Comdr Cpl Det Drs Gens Gov Govs Hon Insp Lt Maj Messrs Mmes Msgr "
    "Pfc Pres Prof Pvt Rep Reps Rev Sen Sens Sgt Supt Treas".split()
)
_LAST_WORD = re.compile(r"(?:^|[\s(\"'“‘])([A-Z][a-z]{1,5})\.$")
NOT_A_WORD = re.compile(rf"\S{{{MAX_WORD_CHARS + 1},}}")
"""A run of characters without whitespace too long to be a word (left out of sentences and titles)."""
_OPEN_DOUBLE = "“"
_CLOSE_DOUBLE = "”"


def split_sentences(text: str, *, markdown: bool = False) -> list[Span]:
    """Sentences of ``text`` in order: ``text[s.start:s.end]`` is stripped, non-empty, and they never overlap."""
    from syntok.tokenizer import Tokenizer

    tokenizer = Tokenizer(replace_not_contraction=False)
    spans: list[Span] = []
    for block in split_blocks(text, markdown=markdown):
        for part in _without_long_runs(text, block):
            for piece in _split_block(text, part, tokenizer):
                spans.extend(_cut_long(text, piece))
    return spans


def _without_long_runs(text: str, block: Span) -> Iterator[Span]:
    """``block``, or the pieces of it between runs that are too long to be words."""
    start = block.start
    for match in NOT_A_WORD.finditer(text, block.start, block.end):
        piece = strip_span(text, start, match.start())
        if piece is not None:
            yield piece
        start = match.end()
    piece = strip_span(text, start, block.end) if start != block.start else block
    if piece is not None:
        yield piece


def _split_block(text: str, block: Span, tokenizer: Tokenizer) -> list[Span]:
    starts = _sentence_starts(text, block, tokenizer)
    raw = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else block.end
        span = strip_span(text, start, end)
        if span is not None:
            raw.append(span)
    return _merge_quotes(text, _merge_titles(text, raw))


def _sentence_starts(text: str, block: Span, tokenizer: Tokenizer) -> list[int]:
    from syntok.segmenter import segment

    # A block holds no paragraph break: its line breaks (a joined hard-wrapped paragraph) are
    # spaces, or syntok takes "St.\nAnne's" for a sentence end.  Same length, same offsets.
    # Offsets are added here: syntok's own base offset pads the text with that many spaces,
    # which makes an article of many blocks quadratic.
    tokens = tokenizer.tokenize(text[block.start:block.end].replace("\n", " "))
    starts = [block.start]
    for sentence in segment(tokens):
        first = block.start + sentence[0].offset
        if first > starts[-1]:
            starts.append(first)
    return starts


def _merge_titles(text: str, spans: list[Span]) -> list[Span]:
    """Undo splits right after a title (``Gov.``, ``Lt.``) when a capitalised word follows."""
    merged: list[Span] = []
    for span in spans:
        if merged and text[span.start].isupper():
            # A title and the character before it fit in the last 8 characters: never scan the whole piece.
            match = _LAST_WORD.search(text, max(merged[-1].start, merged[-1].end - 8), merged[-1].end)
            if match and match.group(1) in _TITLES:
                merged[-1] = Span(merged[-1].start, span.end)
                continue
        merged.append(span)
    return merged


def _merge_quotes(text: str, spans: list[Span]) -> list[Span]:
    """Keep a quotation whole when a split fell inside it and the next piece closes it."""
    merged: list[Span] = []
    for span in spans:
        if merged:
            prev = merged[-1]
            if (span.end - prev.start <= MAX_QUOTE_MERGE_CHARS
                    and _opens_quote(text[prev.start:prev.end])
                    and _closes_quote(text[span.start:span.end])):
                merged[-1] = Span(prev.start, span.end)
                continue
        merged.append(span)
    return merged


def _opens_quote(s: str) -> bool:
    if s.count(_OPEN_DOUBLE) > s.count(_CLOSE_DOUBLE):
        return True
    return s.count('"') % 2 == 1


def _closes_quote(s: str) -> bool:
    if _CLOSE_DOUBLE in s and s.count(_CLOSE_DOUBLE) > s.count(_OPEN_DOUBLE):
        return True
    return s.count('"') % 2 == 1


def _cut_long(text: str, span: Span) -> Iterator[Span]:
    """``span`` itself, or pieces of at most MAX_SENTENCE_CHARS cut at whitespace (at punctuation if near)."""
    start, end = span.start, span.end
    while end - start > MAX_SENTENCE_CHARS:
        pieces_left = -(-(end - start) // MAX_SENTENCE_CHARS)
        target = start + (end - start) // pieces_left
        cut = _cut_point(text, start, target)
        piece = strip_span(text, start, cut)
        if piece is not None:
            yield piece
        nxt = strip_span(text, cut, end)
        if nxt is None:
            return
        start = nxt.start
    yield Span(start, end)


def _cut_point(text: str, start: int, target: int) -> int:
    """Where to end a piece that should end near ``target``: after punctuation, else at a space, else at ``target``."""
    lowest = max(start + 1, target - 200)
    best_space = -1
    for i in range(target, lowest - 1, -1):
        if text[i].isspace():
            if text[i - 1] in ",;:)]–—" and i > start + 1:
                return i
            if best_space < 0:
                best_space = i
    return best_space if best_space > 0 else target
