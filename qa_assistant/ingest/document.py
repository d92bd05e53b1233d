"""One article file's bytes → a :class:`~qa_assistant.models.Document` (text, title, sentences, passages)."""

from __future__ import annotations

import re

from ..config import Settings
from ..errors import IngestError
from ..models import Document
from .blocks import front_matter_title, split_blocks
from .decode import decode_article
from .files import ArticleFile, check_size, content_hash, read_article_bytes, shown_path
from .html import extract_article
from .passages import make_passages
from .sentences import MAX_WORD_CHARS, NOT_A_WORD, split_sentences

HTML_SUFFIXES = (".html", ".htm")
MARKDOWN_SUFFIXES = (".md", ".markdown")
TITLE_MAX_CHARS = 200
TITLE_SOURCE_CHARS = 1000
"""Only this much of a heading is read for the title (its markup patterns are slow on huge lines)."""

_MD_HEADING = re.compile(r"\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*{1,3}|_{1,3}|`+)(\S(?:.*?\S)?)\1")


def parse_document(relpath: str, data: bytes, mtime: float, settings: Settings) -> Document:
    """Decode, extract (HTML), title and segment one article; IngestError (naming ``relpath``) if it has no text."""
    suffix = relpath.lower().rsplit("/", 1)[-1]
    is_html = suffix.endswith(HTML_SUFFIXES)
    is_markdown = suffix.endswith(MARKDOWN_SUFFIXES)
    shown = shown_path(relpath)
    text = decode_article(shown, data, html=is_html)
    if is_html:
        title, text = extract_article(shown, text)
    elif is_markdown:
        title = markdown_title(text)
    else:
        title = first_line_title(text)
    sentences = split_sentences(text, markdown=is_markdown)
    if not sentences:
        if NOT_A_WORD.search(text):
            raise IngestError(f"{shown} holds no prose, only runs of over {MAX_WORD_CHARS} characters without "
                              "a space (encoded data?); save the article as text or remove the file")
        raise IngestError(f"{shown} has no article text (only markup); add the text or remove the file")
    passages = make_passages(len(sentences), settings.passage_sentences, settings.passage_overlap)
    return Document(
        path=relpath,
        title=title or relpath.rsplit("/", 1)[-1],
        text=text,
        content_hash=content_hash(data),
        mtime=mtime,
        size=len(data),
        sentences=tuple(sentences),
        passages=tuple(passages),
    )


def load_document(file: ArticleFile, settings: Settings) -> Document:
    """Check the size, read and parse one listed file; IngestError (one line) if it cannot be used."""
    too_big = check_size(file, settings)
    if too_big is not None:
        raise IngestError(too_big.error)
    data = read_article_bytes(file, settings.max_file_bytes)
    return parse_document(file.relpath, data, file.mtime, settings)


def first_line_title(text: str) -> str:
    """The first line with words, whitespace collapsed, shortened at a word if very long."""
    for line in text.split("\n"):
        words = NOT_A_WORD.sub(" ", line).split()
        if words:
            return _shorten(" ".join(words))
    return ""


def markdown_title(text: str) -> str:
    """Front matter ``title:``, else the first ``#`` heading, else the first heading, else the first line."""
    found = front_matter_title(text)
    if found:
        return _shorten(_plain(found))
    headings: list[tuple[int, str]] = []
    fenced = False
    for line in text.split("\n")[:200]:
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        match = None if fenced else _MD_HEADING.match(line[:TITLE_SOURCE_CHARS])
        if match and match.group(2).strip():
            headings.append((len(match.group(1)), match.group(2)))
    if headings:
        level = min(level for level, _ in headings)
        return _shorten(_plain(next(words for lvl, words in headings if lvl == level)))
    blocks = split_blocks(text, markdown=True)
    if not blocks:
        return ""
    first = text[blocks[0].start:blocks[0].end]
    return _shorten(_plain(first.split("\n")[0]))


def _plain(markdown: str) -> str:
    """Heading text without links, emphasis or code marks (of its first TITLE_SOURCE_CHARS characters)."""
    text = _MD_LINK.sub(r"\1", markdown[:TITLE_SOURCE_CHARS])
    for _ in range(3):
        text = _MD_EMPHASIS.sub(r"\2", text)
    return " ".join(text.split())


def _shorten(title: str) -> str:
    if len(title) <= TITLE_MAX_CHARS:
        return title
    cut = title.rfind(" ", 0, TITLE_MAX_CHARS)
    return title[: cut if cut > TITLE_MAX_CHARS // 2 else TITLE_MAX_CHARS].rstrip(" ,;:-") + "…"
