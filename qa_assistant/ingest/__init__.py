"""Reading a folder of articles: finding files, decoding, HTML extraction, sentences and passages.

The offsets are the contract: for every sentence span ``s`` of a Document,
``doc.text[s.start:s.end]`` is the sentence, stripped and non-empty.
"""

from __future__ import annotations

from .decode import decode_article
from .document import load_document, parse_document
from .files import (
    ARTICLE_SUFFIXES,
    ArticleFile,
    check_size,
    content_hash,
    is_article_name,
    list_article_files,
    read_article_bytes,
    shown_path,
)
from .passages import make_passages
from .sentences import MAX_SENTENCE_CHARS, MAX_WORD_CHARS, split_sentences

__all__ = [
    "ARTICLE_SUFFIXES",
    "MAX_SENTENCE_CHARS",
    "MAX_WORD_CHARS",
    "ArticleFile",
    "check_size",
    "content_hash",
    "decode_article",
    "is_article_name",
    "list_article_files",
    "load_document",
    "make_passages",
    "parse_document",
    "read_article_bytes",
    "shown_path",
    "split_sentences",
]
