"""A close call: another source sentence scored almost as high as the one the answer rests on.

The ranker picks one sentence to answer from (extractively, or as the model's source [1]).
When the runner-up scores within ``close_call_margin`` of it, the pick was nearly a tie:
an answer true to the articles may still not answer the question.  Two things follow:

- in LLM mode, where the model reads only the best source of one article, it reads the
  runner-up too (``sources_to_read``, with the wider ``read_runner_up_margin``), so it can
  answer from either;
- an answer that does not cite the runner-up names it (``Answer.close_call``), so the
  reader can look instead of reading a *supported* verdict as "this answers it".

The margin's score is the ranker's (``retrieval/scoring.py``).  It is set with
``bench/rank_sentences.py --close-calls`` on the dev halves of every set: the widest
margin that flags at most 10% of right extractive answers; it flags about a quarter of
the wrong ones (see the README's "Close calls").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the chat imports close_call_line while it starts: nothing heavy here
    from ..config import Settings
    from ..models import Answer, AnswerEvent
    from ..retrieval import ScoredSentence


def tie_gap(ranked: Sequence[ScoredSentence], question: str) -> float | None:
    """How far the runner-up scores below the best; None when there is no tie to speak of: fewer
    than two sentences, a runner-up that is a heading (it names a topic, it states nothing), or
    the best holds what the question asks for and the runner-up does not (a number for "how
    many", a date for "when"; for "how many stops", a number of stops)."""
    from ..retrieval.scoring import counted_thing, counts_it, is_heading

    if len(ranked) < 2 or (ranked[0].kind_match and not ranked[1].kind_match) \
            or is_heading(ranked[1].hit.sentence.text, ""):
        return None
    thing = counted_thing(question)
    if thing is not None and counts_it(ranked[0].hit.sentence.text, thing) \
            and not counts_it(ranked[1].hit.sentence.text, thing):
        return None
    return ranked[0].score - ranked[1].score


def runner_up(ranked: Sequence[ScoredSentence], question: str, margin: float) -> ScoredSentence | None:
    """The second-best sentence when it scores within ``margin`` of the best, else None."""
    gap = tie_gap(ranked, question)
    return ranked[1] if gap is not None and gap <= margin else None


def close_call_line(n: int) -> str:
    """What the reader is told (the CLI and the chat show it under the answer)."""
    return (f"Close call: source [{n}] scored almost as high as the sentence this answer rests on, "
            "and may be the one that answers the question.")


def sources_to_read(ranked: Sequence[ScoredSentence], question: str, settings: Settings) -> int:
    """How many sources the LLM reads when the best all come from one article: ``one_article_sources``,
    and one more when the runner-up is within ``read_runner_up_margin`` (a tie by the same rules as a
    close call, with a wider margin), so that the model sees the sentence that may answer instead."""
    close = runner_up(ranked, question, settings.read_runner_up_margin) is not None
    return settings.one_article_sources + int(close)


def with_close_call(answer: Answer, ranked: Sequence[ScoredSentence], margin: float) -> Answer:
    """The answer, naming the runner-up (``Answer.close_call``) when the pick was a near tie.

    Nothing changes for a refusal, an answer without sentences, an answer that already
    cites the runner-up, or a runner-up that is not among the answer's sources.
    """
    second = runner_up(ranked, answer.standalone_question or answer.question, margin)
    if second is None or answer.refused or not answer.sentences:
        return answer
    numbers = {c.sentence_id: c.n for c in answer.citations}
    n = numbers.get(second.hit.sentence.id)
    cited = {m for s in answer.sentences for m in s.citations}
    if n is None or n in cited:
        return answer
    return replace(answer, close_call=n)


def name_close_call(events: Iterable[AnswerEvent], ranked: Sequence[ScoredSentence],
                    settings: Settings) -> Iterator[AnswerEvent]:
    """The engine's events as they come, the final answer naming its close call (``with_close_call``)."""
    from ..models import Done

    for event in events:
        yield Done(with_close_call(event.answer, ranked, settings.close_call_margin)) \
            if isinstance(event, Done) else event
