"""A question that asks about the opposite of what the best sentence says.

SQuAD 2.0's unanswerable questions are often an answerable question with one word
turned into its opposite: "What is Europe's *smallest* inland port?" over a sentence
naming its *largest*.  Retrieval ranks that sentence first, since every other word
matches, and nothing that scores word overlap or cosine can tell.  This module
notices it: the question uses a word the best sentence never uses, and the best
sentence uses that word's opposite (``antonyms.txt``: general English opposites
of size, direction, time, change and quality, and closed classes whose members
exclude each other, such as the four directions or the seasons).

Only the best sentence is read: the more sentences, the likelier one of them uses
the question's word somewhere else (squad2 dev, the cached 432 questions of
``bench/calibrate_refusal.py``: 16 of 97 unanswerable questions found with the best
sentence, 13 with the best two, 12 with three; no answerable one).  Relational
opposites, where both wordings can state the same fact ("A before B" is "B after A"),
are left out of the table.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ANTONYMS_FILE = Path(__file__).with_name("antonyms.txt")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@dataclass(frozen=True)
class Contrast:
    """The question's word and the opposite the best sentence uses instead."""

    asked: str
    stated: str


@dataclass(frozen=True)
class Opposites:
    """Each word's opposites: the words that exclude it (symmetric)."""

    of: Mapping[str, frozenset[str]]

    @classmethod
    def load(cls, path: Path = ANTONYMS_FILE) -> Opposites:
        """Groups from ``path``: words that exclude each other, two or more a line; ``#`` starts a comment."""
        pairs: dict[str, set[str]] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            words = [w.lower() for w in line.split("#", 1)[0].split()]
            if not words:
                continue
            if len(words) < 2:
                raise ValueError(f"{path}: {line!r} is a single word; a line lists words that exclude each other")
            for word in words:
                pairs.setdefault(word, set()).update(w for w in words if w != word)
        return cls({word: frozenset(others) for word, others in pairs.items()})

    def contrast(self, question: str, best_sentence: str) -> Contrast | None:
        """The first question word (in question order) the sentence never uses while it uses
        that word's opposite, and the question does not use the opposite itself."""
        asked = _WORD.findall(question.lower())
        asked_set = set(asked)
        stated = set(_WORD.findall(best_sentence.lower()))
        for word in asked:
            others = self.of.get(word)
            if not others or word in stated or others & asked_set:
                continue
            found = sorted(others & stated)
            if found:
                return Contrast(word, found[0])
        return None
