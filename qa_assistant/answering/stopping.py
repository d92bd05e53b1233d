"""When generation stops: the answer has enough sentences, or the model goes round in circles.

Greedy decoding with the copy bias makes SmolLM2 repeat itself: "Ted Heath's
successor, Ted Heath's successor, …" until ``max_tokens``, or count citation
markers "[4] [5] [6] …" past the sources it was given, or stutter inside one word
("1.1.1.1.1.…", 1 of the first 80 squad answers with one source), or write one digit or a
run of digits over and over ("111111…", "123456789123456789…": 5 of the 288 squad answers
with one source, 4 of squad2's 486, each to ``max_tokens``).  On squad questions
1–40, 18 of 40 answers repeated a run of five words.  Generation stops where the
repetition begins; what came before is the answer.

Given one source, the model answers in its first sentence and then goes on with a
list number ("2.") or talk about its answer ("The answer is [1].") that adds no word to
the question: 55 of the 103 second sentences of all 288 squad answers were *unsupported*,
most of them such.  Generation stops at the first sentence after the first that says
nothing (:func:`says_nothing`): through ``qa-assistant eval`` on squad's 288, with the digit
runs below, unsupported answer sentences 0.189 → 0.036 of all, answer hit 0.663 → 0.674
(README, "How the LLM is asked").
"""

from __future__ import annotations

import re

from ..citations import split_answer, strip_markers
from ..citations.lexical import terms

MAX_ANSWER_SENTENCES = 3
"""The prompt asks for one to three sentences; generation stops when a fourth begins."""

LOOP_WORDS = 5
"""A run of this many words written a second time is a loop (4 cut right answers short)."""

_WORD = re.compile(r"\S+")
_STUTTER = re.compile(r"(\S{1,4}?)\1{4,}")
"""A piece of up to four characters written five times in a row without a space."""
DIGIT_STUTTER_LENGTH = 16
"""Digits repeating a piece over at least this many are a loop (a billion written out, "1000000000",
repeats "0" over nine; sixteen digits without a separator are no number an article writes)."""
_DIGITS = re.compile(rf"\d{{{DIGIT_STUTTER_LENGTH},}}")
_MARKER = re.compile(r"\[(\d+)(?:\s*[-–,]\s*(\d+))*\]")
_EDGE = ".,;:!?\"'“”‘’()"


def _key(word: str) -> str:
    return word.strip(_EDGE).lower()


def loop_start(text: str, sources: int, words: int = LOOP_WORDS) -> int | None:
    """Where ``text`` starts going round in circles, as a character offset, else None.

    Either the first place a run of ``words`` words (case and edge punctuation
    aside) appears again with nothing new written since it last did,
    the first citation marker naming a source beyond ``sources``,
    or the first stutter inside a word (a number's digits, "1000000", are not one, unless a piece of
    them repeats over :data:`DIGIT_STUTTER_LENGTH` digits or more).
    """
    found = [m.start() for m in _STUTTER.finditer(text) if not m.group(1).isdigit()][:1]
    found += [m.start() for m in _DIGITS.finditer(text) if _repeats(m.group(0))][:1]
    found += [m.start() for m in _MARKER.finditer(text)
              if any(int(n) > sources for n in re.findall(r"\d+", m.group(0)))][:1]
    word_loop = _word_loop(text, words)
    if word_loop is not None:
        found.append(word_loop)
    return min(found, default=None)


def _repeats(digits: str) -> bool:
    """Whether some piece of up to nine digits repeats over :data:`DIGIT_STUTTER_LENGTH` digits of ``digits``."""
    for period in range(1, 10):
        same = 0
        for i in range(period, len(digits)):
            same = same + 1 if digits[i] == digits[i - period] else 0
            if same + period >= DIGIT_STUTTER_LENGTH:
                return True
    return False


def _word_loop(text: str, words: int) -> int | None:
    """Where a run of ``words`` words comes again with nothing new written since, else None."""
    spans = [(m.start(), m.group(0)) for m in _WORD.finditer(text)]
    keys = [_key(word) for _, word in spans]
    sentence = 0  # index of the word the current sentence starts with
    last: dict[tuple[str, ...], int] = {}
    for i in range(len(keys) - words + 1):
        if i and _ENDS_SENTENCE.search(spans[i - 1][1]):
            sentence = i
        run = tuple(keys[i:i + words])
        j = last.get(run)
        if j is not None and not _adds_words(keys, max(sentence, j + words), i):
            return spans[i][0]
        last[run] = i
    return None


_ENDS_SENTENCE = re.compile(r"(?:[.!?][\"'”’)]*|\[[\d,\s–-]+\][.,;]?)$")


def _adds_words(keys: list[str], start: int, end: int) -> bool:
    """Whether ``keys[start:end]`` holds a word not written before ``start``.

    Only what the current sentence wrote since the run's last time counts.  A sentence
    that restates the one before with something new ("On August 15, 1971, the US
    unilaterally pulled out of …" after "The United States unilaterally pulled out of
    …") is not a loop: the new words may be the answer.
    """
    before = set(keys[:start])
    return any(key and key not in before for key in keys[start:end])


def before_loop(text: str, cut: int) -> str:
    """The text before a loop, without the dangling comma or conjunction it leaves."""
    head = text[:cut].rstrip()
    return re.sub(r"(?:[,;:–-]|\b(?:and|or|but))\s*$", "", head, flags=re.I).rstrip()


_FINISHED = re.compile(r"[.!?][\"'”’)]*(?:\s*\[[^\]]*\])*$")


def finished(sentences: list[str]) -> list[str]:
    """The sentences without a last one the loop broke off, unless it is the only one."""
    if len(sentences) > 1 and not _FINISHED.search(sentences[-1]):
        return sentences[:-1]
    return sentences


ABOUT_THE_ANSWER = frozenset(terms("answer answers question questions source sources text texts "
                                   "article articles information").weights)
"""The terms of the words a model uses to talk about its answer rather than give one."""

_LIST_NUMBER = re.compile(r"\W*(?:the\s+)?\d{1,2}\W*", re.IGNORECASE)


def says_nothing(sentence: str, question: str) -> bool:
    """Whether ``sentence`` adds no content word to ``question``: a list number ("2."), talk about
    the answer ("The answer is [1]."), or the question's own words."""
    bare = strip_markers(sentence)
    if _LIST_NUMBER.fullmatch(bare):
        return True
    asked = set(terms(question).weights)
    return not [key for key in terms(bare).weights if key not in asked and key not in ABOUT_THE_ANSWER]


def _after_something(sentences: list[str], question: str, complete: int) -> list[str] | None:
    """The sentences before the first of ``sentences[1:complete]`` that says nothing, else None."""
    for i in range(1, min(complete, len(sentences))):
        if says_nothing(sentences[i], question):
            return sentences[:i]
    return None


def enough(written: str, sources: int, question: str) -> list[str] | None:
    """The sentences to keep once the answer is long enough, repeats itself or says nothing more
    of ``question``, else None (go on)."""
    loop = loop_start(written, sources)
    if loop is not None:  # going round in circles: the answer is what came before
        kept = finished(split_answer(before_loop(written, loop)))
        if not terms(strip_markers(" ".join(kept))).weights:
            return []  # the loop began before a word was written ("The 1212222…"): no answer
        return (_after_something(kept, question, len(kept)) or kept)[:MAX_ANSWER_SENTENCES]
    sentences = split_answer(written)
    # the last sentence may still be growing: only the ones before it are judged
    said = _after_something(sentences, question, len(sentences) - 1)
    if said is not None:
        return said
    if len(sentences) > MAX_ANSWER_SENTENCES:
        return sentences[:MAX_ANSWER_SENTENCES]
    if len(sentences) >= 3 and sentences[-2] in sentences[:-2]:
        return sentences[:-2]
    return None


def before_nothing(written: str, question: str) -> list[str] | None:
    """A finished answer's sentences before the first after the first that says nothing, else None."""
    sentences = split_answer(written)
    return _after_something(sentences, question, len(sentences))
