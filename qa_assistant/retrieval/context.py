"""From ranked sentences to the numbered sources [1]..[n] given to the model.

The best sentences are taken in score order; a chosen sentence that leans on
the one before it (starts with a pronoun or a connective) brings that sentence
along.  Sources of one article that touch are kept together in document order,
groups ordered by their best sentence, and numbered from 1.  ``fits`` (the
model's window, counted with its tokenizer) can refuse a source: then the
context stops growing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from ..ingest.instructions import addresses_model
from ..models import Citation, Sentence
from .scoring import ScoredSentence

_LEANS_BACK = re.compile(
    r"^[\"'“‘(]*(?:he|she|it|they|him|her|his|its|their|them|this|these|those|that|there|such|however|but|"
    r"also|then|thus|therefore|meanwhile|instead|still|yet|the latter|the former|both|neither|either|"
    r"in addition|furthermore|moreover|as a result|after that|afterwards|later)\b",
    re.I,
)


def leans_back(text: str) -> bool:
    """Whether a sentence needs the one before it to be understood."""
    return bool(_LEANS_BACK.match(text))


@dataclass(frozen=True)
class Context:
    citations: tuple[Citation, ...]
    by_sentence: dict[int, int]
    """sentence id -> citation number."""


def number_sources(picked: Sequence[Sentence], priority: dict[int, int],
                   article: Callable[[int], tuple[str, str]]) -> Context:
    """Number sentences [1]..[n]: touching sentences of one article together, best group first."""
    ordered = sorted(picked, key=lambda s: (s.article_id, s.position))
    groups: list[list[Sentence]] = []
    for s in ordered:
        last = groups[-1][-1] if groups else None
        if last is not None and last.article_id == s.article_id and s.position == last.position + 1:
            groups[-1].append(s)
        else:
            groups.append([s])
    groups.sort(key=lambda g: min(priority[s.id] for s in g))
    citations: list[Citation] = []
    for s in (s for g in groups for s in g):
        path, title = article(s.article_id)
        citations.append(Citation(n=len(citations) + 1, article=path, title=title, start=s.start,
                                  end=s.end, text=s.text, sentence_id=s.id))
    return Context(tuple(citations), {c.sentence_id: c.n for c in citations})


def build_context(
    ranked: Sequence[ScoredSentence],
    limit: int,
    previous_sentence: Callable[[Sentence], Sentence | None],
    article: Callable[[int], tuple[str, str]],
    fits: Callable[[Sequence[Citation]], bool] | None = None,
) -> Context:
    """Up to ``limit`` sources: the best sentences, with the sentence before where one leans back.

    A sentence that addresses a model (``ingest.instructions.addresses_model``) is
    never a source, not even as the sentence before another.
    """
    picked: dict[int, Sentence] = {}
    priority: dict[int, int] = {}
    order = [item for item in ranked if not addresses_model(item.hit.sentence.text)]

    def add(sentence: Sentence, rank: int) -> bool:
        if sentence.id in picked:
            return True
        if len(picked) >= limit:
            return False
        picked[sentence.id] = sentence
        priority[sentence.id] = rank
        if fits is not None and not fits(number_sources(list(picked.values()), priority, article).citations):
            del picked[sentence.id]
            del priority[sentence.id]
            return False
        return True

    for rank, item in enumerate(order):
        sentence = item.hit.sentence
        if sentence.id in picked:
            continue
        before = previous_sentence(sentence) if leans_back(sentence.text) and len(picked) + 2 <= limit else None
        if before is not None and addresses_model(before.text):
            before = None
        new_before = before is not None and before.id not in picked
        if before is not None and not add(before, rank):
            break
        if not add(sentence, rank):
            if new_before and before is not None:
                del picked[before.id]
                del priority[before.id]
            break
    return number_sources(list(picked.values()), priority, article)


def led_by(first: Context, closest: Context) -> Context:
    """``first``'s sources numbered [1]..[k], then the other sources of ``closest``: the model reads
    the first ones, and the others stay for checking its answer and for alternatives."""
    taken = {c.sentence_id for c in first.citations}
    ordered = [*first.citations, *(c for c in closest.citations if c.sentence_id not in taken)]
    citations = tuple(replace(c, n=n) for n, c in enumerate(ordered, start=1))
    return Context(citations, {c.sentence_id: c.n for c in citations})

