"""Turning an article's raw bytes into text.

UTF-8 first (a byte-order mark is dropped), then a UTF-16/32 byte-order mark,
then the charset an HTML page declares, then charset-normalizer's detection.
Binary files (NUL bytes with more than a few control characters in every hundred)
are refused rather than decoded into garbage; a stray NUL in a text article is
read as a space.  Windows line ends become "\\n"; nothing else changes.
"""

from __future__ import annotations

import codecs
import re

from ..errors import IngestError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
# C0 controls other than tab, newline, vertical tab, form feed and carriage return.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f]")
_CONTROL_BYTES = re.compile(b"[\x00-\x08\x0e-\x1f\x7f]")  # never inside a UTF-8 or single-byte character
_SAMPLE = 65_536
WESTERN = "cp1252"
CHAOS_MARGIN = 0.1
COHERENCE_MARGIN = 0.1
"""windows-1252 wins over the detected code page when it reads about as cleanly and as much like a language."""


def decode_article(relpath: str, data: bytes, *, html: bool = False) -> str:
    """The text of ``data``; raises IngestError naming ``relpath`` for empty, binary or undecodable files."""
    if not data.strip():
        raise IngestError(f"{relpath} is empty; add the article text or remove the file")
    text = _decode(relpath, data, html)
    if _CONTROL.search(text[:_SAMPLE]) and _looks_binary_text(text[:_SAMPLE]):
        raise IngestError(_binary(relpath))
    text = text.replace("\r\n", "\n").replace("\x00", " ")
    if not text.strip():
        raise IngestError(f"{relpath} has no text (only whitespace); add the article text or remove the file")
    return text


def _decode(relpath: str, data: bytes, html: bool) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding)
            except UnicodeDecodeError:
                raise IngestError(
                    f"{relpath} starts with a {encoding} byte-order mark but is not valid {encoding}; "
                    "save it as UTF-8"
                ) from None
    sample = data[:_SAMPLE]
    if b"\x00" in sample and _too_many(len(_CONTROL_BYTES.findall(sample)), len(sample)):
        raise IngestError(_binary(relpath))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if html:
        declared = _declared_charset(data)
        if declared is not None:
            try:
                return data.decode(declared)
            except (LookupError, UnicodeDecodeError):
                pass
    return _detect(relpath, data)


def _declared_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:4096])
    if match is None:
        return None
    name = match.group(1).decode("ascii", "replace").lower()
    # WHATWG: pages labelled latin-1 are decoded as windows-1252.
    return "cp1252" if name in {"iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii"} else name


def _detect(relpath: str, data: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise IngestError(f"{relpath} is not UTF-8 and its text encoding cannot be detected; save it as UTF-8")
    if best.encoding != WESTERN:
        # Text with few non-ASCII bytes fits several single-byte code pages equally well; English and
        # Western European news is then nearly always windows-1252 (also what "latin-1" pages really are).
        western = from_bytes(data, cp_isolation=[WESTERN]).best()
        if (western is not None and western.chaos <= best.chaos + CHAOS_MARGIN
                and western.coherence >= best.coherence - COHERENCE_MARGIN):
            return str(western)
    return str(best)


def _looks_binary_text(sample: str) -> bool:
    return _too_many(len(_CONTROL.findall(sample)), len(sample))


def _too_many(controls: int, length: int) -> bool:
    """More than 8 control characters and more than one in a hundred: binary, not text with a stray byte."""
    return controls > max(8, length // 100)


def _binary(relpath: str) -> str:
    return f"{relpath} looks like a binary file, not text; remove it or save the article as UTF-8 text"
