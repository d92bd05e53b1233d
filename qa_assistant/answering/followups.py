"""Follow-up questions in a conversation, rewritten into standalone ones before retrieval.

Deterministic rules over the previous turn (no LLM: a 135M model rewrites
worse than these rules and costs a second a turn):

* "What about X?" / "How about X?" / "And X?": the previous question with its
  topic replaced by X (or X appended when X is a phrase like "in 1975").
* A third-person pronoun (he, she, it, they, his, its, this, that ...) is
  replaced by the last turn's main entity: for he/she/him/her/his/hers after a
  "who" question, the name the previous answer gave; otherwise the previous
  question's named entity, its subject phrase, or the title of the article the
  previous answer cited most.
* A question left short and without a topic of its own ("Why?", "How many?")
  gets the previous question's content in parentheses.

A question that needs none of this comes back unchanged.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from ..models import Answer

_PERSON = {"he", "she", "him", "her", "his", "hers", "himself", "herself"}
_THING = {"it", "its", "they", "them", "their", "theirs", "this", "that", "these", "those", "itself"}
_POSSESSIVE = {"his", "its", "their", "hers", "theirs"}
_DEMONSTRATIVE = {"this", "that", "these", "those"}
_AUX = {"is", "was", "are", "were", "do", "does", "did", "has", "have", "had", "will", "would", "can",
        "could", "should", "may", "might", "must", "shall"}
_WH = {"who", "whom", "whose", "what", "when", "where", "why", "how", "which"}
_FUNCTION = _AUX | _WH | {
    "a", "an", "the", "and", "or", "but", "of", "in", "on", "at", "to", "for", "from", "by", "with", "about",
    "as", "into", "than", "then", "so", "not", "no", "yes", "there", "here", "many", "much", "else", "other",
    "others", "any", "some", "more", "less", "also", "too", "be", "been", "being", "get", "got", "i", "you",
    "we", "me", "us", "my", "your", "our", "after", "before", "during", "since", "until", "happen", "happened",
    "mean", "cause", "caused", "start", "started", "end", "ended", "say", "said",
} | _PERSON | _THING
_PREPOSITIONS = {"in", "on", "at", "for", "from", "by", "with", "during", "after", "before", "since", "under",
                 "over", "among", "between", "without", "to", "into", "against"}
_FOLLOW = re.compile(r"^\s*(?:and\s+)?(?:what|how)\s+about\s+(?P<x>.+?)\s*\??\s*$"
                     r"|^\s*(?:and|what\s+of)\s+(?P<y>.+?)\s*\?\s*$", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][\w'’-]*|\d[\d,.]*")
_ENTITY = re.compile(r"\b(?:[A-Z][\w'’.-]*|\d{3,4})(?:\s+(?:of|the|de|and|for|von|van|al)?\s*"
                     r"(?:[A-Z][\w'’.-]*|\d{3,4}))*")
_SUBJECT = re.compile(r"^(?:when|why|how|where|what|which|who)\s+(?:\w+\s+)?(?:" + "|".join(_AUX)
                      + r")\s+(?P<np>(?:the|a|an)\s+.+?)\s+\w+\s*\??$", re.IGNORECASE)


def _content_words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text) if w.lower() not in _FUNCTION]


def _entities(text: str, skip_first: bool = True) -> list[str]:
    """Capitalised phrases (names, titles); a sentence's first word only when it is not a common word."""
    found: list[str] = []
    for match in _ENTITY.finditer(text):
        phrase = match.group(0).strip()
        words = phrase.split()
        if skip_first and match.start() == len(text) - len(text.lstrip()) and words[0].lower() in _FUNCTION:
            words = words[1:]
        while words and words[0].lower() in _FUNCTION:
            words = words[1:]
        while words and words[-1].lower() in {"of", "the", "de", "and", "for"}:
            words = words[:-1]
        if words and not all(w.isdigit() for w in words):
            found.append(" ".join(words))
    return found


def _main_entity(text: str) -> str | None:
    entities = _entities(text)
    if not entities:
        return None
    return max(entities, key=lambda e: (len(e.split()), -entities.index(e)))


def _top_title(answer: Answer) -> str | None:
    cited = Counter(n for s in answer.sentences for n in s.citations)
    titles = {c.n: c.title for c in answer.citations if c.title}
    ranked = [titles[n] for n, _ in cited.most_common() if n in titles]
    return ranked[0] if ranked else (next(iter(titles.values()), None))


def _previous_question(answer: Answer) -> str:
    return (answer.standalone_question or answer.question).strip()


def _referent(pronoun: str, previous: Answer) -> str | None:
    question = _previous_question(previous)
    copula = re.match(r"(?i)who\s+(?:is|was|are|were)\s+\S", question)
    if pronoun in _PERSON and question.lower().startswith(("who ", "whom ", "whose ")) and not copula:
        asked = {e.lower() for e in _entities(question)}
        named = [e for e in _entities(previous.answer) if e.lower() not in asked]
        if named:
            return named[0]
    entity = _main_entity(question)
    if entity:
        return entity
    subject = _SUBJECT.match(question)
    if subject:
        return subject.group("np")
    return _top_title(previous) or _main_entity(previous.answer)


def _pronoun_at(words: list[re.Match[str]], i: int) -> bool:
    word = words[i].group(0).lower()
    if word not in _DEMONSTRATIVE:
        return word in _PERSON or word in _THING
    after = words[i + 1].group(0).lower() if i + 1 < len(words) else ""
    return after == "" or after in _AUX or after in {"be", "been", "not"} or after.endswith("ed") or after in {"happen", "mean", "cause", "start",
                                                                           "end", "affect", "lead"}


def _replace_pronoun(question: str, previous: Answer) -> str | None:
    words = list(_WORD.finditer(question))
    for i, match in enumerate(words):
        if not _pronoun_at(words, i):
            continue
        pronoun = match.group(0).lower()
        own = [e for e in _entities(question[: match.start()]) if e]
        if own:
            return None  # the question names its own referent before the pronoun
        referent = _referent(pronoun, previous)
        if not referent or referent.lower() in question.lower():
            return None
        nxt = words[i + 1].group(0).lower() if i + 1 < len(words) else ""
        possessive = pronoun in _POSSESSIVE or (pronoun == "her" and nxt and nxt not in _FUNCTION)
        replacement = f"{referent}'s" if possessive else referent
        if match.start() == 0 and replacement[0].islower():
            replacement = replacement[0].upper() + replacement[1:]
        return question[: match.start()] + replacement + question[match.end():]
    return None


def _what_about(question: str, previous: Answer) -> str | None:
    match = _FOLLOW.match(question)
    if not match:
        return None
    topic = (match.group("x") or match.group("y") or "").strip().rstrip("?").strip()
    if not topic or (match.group("y") and (topic.split()[0].lower() in _WH | _AUX or len(topic.split()) > 4)):
        return None
    topic = _replace_pronoun(topic, previous) or topic
    base = _previous_question(previous).rstrip("?").strip()
    first = topic.split()[0].lower()
    if first in _PREPOSITIONS or re.fullmatch(r"\d{3,4}", topic):
        year = re.search(r"\b\d{4}\b", base)
        if year and re.fullmatch(r"\d{4}", topic):
            return f"{base[: year.start()]}{topic}{base[year.end():]}?"
        extra = topic if first in _PREPOSITIONS else f"in {topic}"
        return f"{base} {extra}?"
    entity = _referent("it", previous)
    if entity and entity in base:
        return base.replace(entity, topic, 1) + "?"
    return f"{base}: {topic}?"


def _is_elliptical(question: str) -> bool:
    return len(_content_words(question)) <= 1 and not _entities(question)


def standalone_question(question: str, history: Sequence[Answer]) -> str:
    """``question`` made understandable without the conversation (unchanged when it already is)."""
    text = question.strip()
    if not history or not text:
        return question
    previous = history[-1]
    rewritten = _what_about(text, previous) or _replace_pronoun(text, previous)
    if rewritten:
        return rewritten
    if _is_elliptical(text):
        base = _previous_question(previous).rstrip("?").strip()
        return f"{text} ({base})"
    return question
