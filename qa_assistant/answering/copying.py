"""Which sources the LLM reads, and how strongly it is pushed to copy each: a logit bias per source.

When the best sentences all come from one article, the model is given the best one alone
(``one_article_sources = 1``): the packaged 135M model, given three, often answers from one
that does not hold the answer, or mixes them.  Through ``qa-assistant eval`` on this rule's first run (3 → 1
source, back to back): squad answer hit 0.622 → 0.663, citation precision 0.37 → 0.70;
squad2 first 120 0.617 → 0.716, unanswerable refused 0.308 → 0.359 (the model says "not
stated" of a lone source that does not answer), answerable refused 0.049 both; hotpotqa
(sources from two articles, kept) 0.250 both.  Two sources gave squad 0.639.  The price:
more answer sentences went beyond their one source and were marked unsupported (squad 0.075 →
0.195 of sentences), most of them list numbers and talk about the answer, which now end
generation (``stopping.says_nothing``: 0.036).

The packaged 135M model invents less when the tokens of its sources are favoured
(``copy_bias``).  Which source deserves the most depends on where the answer is likely to be:

- every source from one article: the answer is most often in source [1], the best-ranked
  sentence's group, so [1] gets ``copy_bias`` and the others ``copy_bias_others``;
- sources from several articles: the question may join facts (a multi-hop question's answer
  sits in the second article), so every source gets ``copy_bias``.

Measured through the engine (greedy, 3 sources), answer hit on squad questions 41–120 and
hotpotqa's 52: every source at +3, 0.512 / 0.288; [1] at +3 and the others at +1.5 whatever
their articles, 0.613 / 0.192.  With the one-article rule, through ``qa-assistant eval``: all
288 squad questions 0.545 → 0.604, hotpotqa unchanged (README, "How the LLM is asked").
"""

from __future__ import annotations

from collections.abc import Sequence

from ..config import Settings
from ..models import Citation


def one_article(sources: Sequence[Citation]) -> bool:
    """Every source comes from the same article."""
    return len({c.article for c in sources}) == 1


def source_biases(sources: Sequence[Citation], settings: Settings) -> list[tuple[str, float]]:
    """(text, logit bias) for each numbered source, in order."""
    single = one_article(sources)
    return [(c.text, settings.copy_bias if i == 0 or not single else settings.copy_bias_others)
            for i, c in enumerate(sources)]
