"""Answer text → sentences, and the citation markers the model wrote in them.

Markers: ``[1]``, ``[1, 2]``, ``[1][2]``, ``[1; 2]``, ``[1-3]``, ``[Source 1]``.
A marker written after the full stop (``... embargo. [1] The price ...``)
belongs to the sentence before it, unless the answer's first sentence starts with
a marker: then the model numbers each sentence before it (``[1] Iran was ... [2] The
Shah said ...``, 34 of 80 SmolLM2 answers on squad), and a marker leading a sentence
is moved to that sentence's end, where the rest of the program reads it.  A marker at
the very end, leading nothing, still belongs to the sentence before it ("[1] These Boots
... Nancy Sinatra. [2]" copies source [2]).
"""

from __future__ import annotations

import re

MARKER = re.compile(
    r"\[\s*(?:sources?\s*|src\s*)?(\d{1,4}(?:\s*(?:,|;|-|–|and)\s*(?:sources?\s*)?\d{1,4})*)\s*\]",
    re.IGNORECASE,
)
_MARKER_RUN = re.compile(rf"^(?:\s*{MARKER.pattern})+", re.IGNORECASE)
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "gen", "gov", "sen", "rep", "col", "lt", "sgt",
    "capt", "mt", "ft", "inc", "ltd", "co", "corp", "vs", "etc", "e.g", "i.e", "u.s", "u.k", "u.n",
    "no", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "approx",
}
_BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+)")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+")
_MAX_RANGE = 20


def _is_abbreviation(before: str) -> bool:
    word = re.search(r"([A-Za-z][A-Za-z.]*)$", before)
    if word is None:
        return False
    token = word.group(1).lower().rstrip(".")
    return token in _ABBREVIATIONS or (len(token) == 1 and word.group(1).isupper())


def _split_line(line: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(line):
        end = match.end()
        rest = line[end:].lstrip()
        if not rest:
            break
        if match.group(0).startswith(".") and _is_abbreviation(line[start:match.start()]):
            continue
        if not (rest[0].isupper() or rest[0].isdigit() or rest[0] in "\"'“‘[("):
            continue
        pieces.append(line[start:end])
        start = end
    pieces.append(line[start:])
    return pieces


def split_answer(text: str) -> list[str]:
    """The answer's sentences, stripped, each with the markers that belong to it at its end."""
    sentences: list[str] = []
    leading: bool | None = None  # whether markers lead their sentences; the first sentence decides
    for line in text.splitlines():
        line = _BULLET.sub("", line)
        for piece in _split_line(line):
            piece = piece.strip()
            run = _MARKER_RUN.match(piece)
            rest = piece[run.end():].strip() if run else piece
            if leading is None and rest:
                leading = run is not None
            if run and leading and rest:
                piece = f"{rest} {run.group(0).strip()}"
            elif run and sentences:
                sentences[-1] = f"{sentences[-1]} {run.group(0).strip()}"
                piece = rest
            if re.search(r"\w", piece):  # not a cut-off "[" or a lone dash
                sentences.append(piece)
    return sentences


def marker_numbers(group: str) -> list[int]:
    """The numbers inside one marker's brackets (``"1, 3-4"`` → [1, 3, 4])."""
    numbers: list[int] = []
    for part in re.split(r"\s*(?:,|;|\band\b)\s*", group):
        part = re.sub(r"(?i)sources?\s*", "", part).strip()
        if not part:
            continue
        bounds = re.split(r"\s*[-–]\s*", part)
        if len(bounds) == 2 and bounds[0].isdigit() and bounds[1].isdigit():
            low, high = int(bounds[0]), int(bounds[1])
            if low <= high and high - low <= _MAX_RANGE:
                numbers.extend(range(low, high + 1))
                continue
        numbers.extend(int(b) for b in bounds if b.isdigit())
    return numbers


def _unique(values: list[int]) -> tuple[int, ...]:
    return tuple(dict.fromkeys(values))


def parse_markers_in(sentence: str, valid_numbers: set[int]) -> tuple[str, tuple[int, ...], tuple[int, ...]]:
    """(sentence with markers naming no source removed, valid numbers, invalid numbers), first-seen order."""
    valid: list[int] = []
    invalid: list[int] = []

    def rewrite(match: re.Match[str]) -> str:
        numbers = marker_numbers(match.group(1))
        good = [n for n in numbers if n in valid_numbers]
        valid.extend(good)
        invalid.extend(n for n in numbers if n not in valid_numbers)
        if len(good) == len(numbers):
            return match.group(0)
        return f"[{', '.join(str(n) for n in _unique(good))}]" if good else ""

    text = MARKER.sub(rewrite, sentence)
    if invalid:
        text = re.sub(r"\s+([.,;:!?])", r"\1", re.sub(r"[ \t]{2,}", " ", text))
    return text.strip(), _unique(valid), _unique(invalid)


def parse_markers(sentence: str, n_sources: int) -> tuple[str, tuple[int, ...], tuple[int, ...]]:
    """(text, valid, invalid): sources are numbered 1..n_sources; the text keeps its valid markers."""
    return parse_markers_in(sentence, set(range(1, n_sources + 1)))


def strip_markers(text: str) -> str:
    """The sentence without any citation markers (what gets scored)."""
    cleaned = MARKER.sub("", text)
    return re.sub(r"\s+([.,;:!?])", r"\1", re.sub(r"\s{2,}", " ", cleaned)).strip()
