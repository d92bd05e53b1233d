"""Deciding that the articles do not say: evidence from retrieval and from the model itself.

- retrieval: the best cosine between the question and a retrieved sentence, the
  IDF-weighted share of the question's terms the three best sentences hold, and
  whether the question asks about the opposite of what the best sentence says
  (``contrast.py``: "smallest" where it says "largest"), combined by a logistic
  model fitted on SQuAD 2.0 dev (``../shared/eval/squad2``, 486 questions, 208
  unanswerable) and checked on the answerable questions of squad, multirc and
  hotpotqa;
- the model (LLM mode): its answer says the sources do not say;
- a judging model, when weights are fitted for it (``refusal.json``, by the
  GGUF's name): its log-odds that the two best sentences answer the question
  (``answerability.py``).  This is the only evidence here that reads the
  sources against the question; the packaged SmolLM2 cannot (AUROC 0.44).

Nothing close at all (``covers`` false) is a refusal without asking the model.

Measured and not kept: the log-probability SmolLM2 gives "The sources do not
say." as the start of its answer (104 squad2 questions, 5-fold AUROC 0.63 with
the retrieval features against 0.68 without).  Retrieval alone: 5-fold AUROC on
all of squad2 0.758 (0.707 without the contrast).  The threshold keeps answerable
refusals at or under 0.10 on every set, which refuses 20% of squad2's
unanswerable questions (0.19-0.20 cross-validated; 5-8% without the contrast):
apart from the turned words, their wording is written to match the article, and
nothing else here reads closely enough to tell.  Also measured on the dev sets and
not kept: the answer type (a "when" or "how many" question whose best sentences hold
no date or number: 10 of 208 unanswerable found, 11 answerable refused), a year or
number of the question the best sentence does not state (no unanswerable question
found, 11 answerable), and a "when" question's last word (its verb) missing from the
three best sentences (22 of 54 unanswerable, 16 of 77 answerable).

Also measured and not kept: fitting on the four dev sets pooled, with two more kinds of
evidence (a question term none of the eight best sentences holds, and the best sentence
lacking exactly one of the question's terms), threshold at 0.08 answerable on every set.
Cross-validated on the dev sets it refused 0.38 of squad2's unanswerable questions, but
it did so by weighting the cosine less, and it refused 0.10 of off-topic questions
(questions of one set asked of another set's articles, ``bench/calibrate_refusal.py``)
against 0.98 for these weights: "What is the capital of Australia?" was answered.  With
the off-topic questions in the fit, a linear model is back at 0.21 (0.24 at 0.10
answerable); a model with every pairwise product of the evidence reaches 0.27-0.29 at
0.96 off-topic, a flexible fit on one squad2 article that was not worth its risk.  A second model beside
these weights, refusing where either does (so the off-topic questions stay refused by this
one), fitted on squad2 with seven more kinds of evidence (the share and the rarest of the
question's terms the eight best sentences lack, the share the best sentence lacks, exactly
one term missing from it, the gap between the two best cosines, the ranker's best score),
both thresholds chosen together: 0.21-0.24 of squad2's unanswerable questions refused,
5-fold cross-validated, against 0.207; multirc's answerable questions are refused 0.10 by
these weights already and bind every threshold.

Also measured and not kept (squad2 fitted, threshold at 0.10 answerable on every set, in-sample):
the question's tokens aligned to the three best sentences' tokens by MiniLM's contextual token
states (the worst-aligned question token, BERTScore-style: AUROC 0.64 alone, refused 0.19-0.21
with the evidence above); and the question's kind ("how many", "when", "who", "where", "why"):
0.40 refused, but only because the Rhine article's unanswerable questions ask "how long" and
"when" more often than its answerable ones (89 of 208 against 57 of 278), a trait of the set's
writers rather than evidence, and off-topic questions refused fell from 0.96 to 0.78.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..retrieval import PassageHits, ScoredSentence
from ..retrieval.lexical import TermStats, overlap_share
from .contrast import Contrast, Opposites


@dataclass(frozen=True)
class Evidence:
    """What one question's retrieval (and, in LLM mode, the model) says about answerability."""

    best_cosine: float
    coverage: float
    """IDF-weighted share of the question's terms found in the three best sentences."""
    contrast: Contrast | None = None
    """The question's word whose opposite the best sentence uses instead (``contrast.py``)."""
    model_declined: bool = False
    """The model's answer itself says the sources do not say."""
    judge: float | None = None
    """The model's log-odds that the best sources answer the question (``answerability.py``), when asked."""


@dataclass(frozen=True)
class RefusalModel:
    """Logistic weights: P(unanswerable) = sigmoid(bias + Σ weight × feature); refuse at ``threshold``.

    Fitted on squad2 (sklearn LogisticRegression, C=1); the threshold is the lowest
    that keeps answerable questions refused ≤ 0.10 on squad2, squad, multirc and hotpotqa.
    """

    bias: float = 2.99
    cosine: float = -4.22
    coverage: float = -0.71
    threshold: float = 0.63
    judge: float = 0.0
    """Weight of the answerability judge's log-odds; 0 means the judge is not asked."""
    contrast: float = 2.67
    """Added when the question asks about the opposite of what the best sentence says."""
    declined_threshold: float = 0.5
    """With the model's own "not stated", retrieval needs only lean towards unanswerable:
    the model's decline alone refused 6 of the first 40 (answerable) squad questions."""

    @property
    def uses_judge(self) -> bool:
        return self.judge != 0.0

    def probability(self, e: Evidence) -> float:
        z = self.bias + self.cosine * e.best_cosine + self.coverage * e.coverage
        if e.contrast is not None:
            z += self.contrast
        if self.uses_judge and e.judge is not None:
            z += self.judge * e.judge
        return 1.0 / (1.0 + math.exp(-z))

    def refuse(self, e: Evidence) -> bool:
        p = self.probability(e)
        return p >= self.threshold or (e.model_declined and p >= self.declined_threshold)


REFUSED_NOTICE = "Nothing in the articles answers this question; the closest sentences found are listed."


def refusal_notice(e: Evidence) -> str:
    """What a refusal tells the reader: nothing answers, and the turned word when that is why."""
    if e.contrast is None:
        return REFUSED_NOTICE
    return f'{REFUSED_NOTICE} The closest one says "{e.contrast.stated}", not "{e.contrast.asked}".'


JUDGED_FILE = Path(__file__).with_name("refusal.json")
"""Weights with the answerability judge, by the judging model's name (its GGUF's file stem),
written by ``bench/calibrate_refusal.py --model FILE --write``."""


def load_judged(path: Path = JUDGED_FILE) -> dict[str, RefusalModel]:
    """The fitted refusal models that use a judge, by model name ({} when the file is absent)."""
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {name: RefusalModel(**weights) for name, weights in data.get("judged", {}).items()}


def refusal_for(model_name: str | None) -> RefusalModel:
    """The refusal model for a judging model's name (None or unfitted: retrieval evidence alone)."""
    return load_judged().get(model_name or "", RefusalModel())


def retrieval_evidence(question: str, hits: PassageHits, ranked: Sequence[ScoredSentence], stats: TermStats,
                       opposites: Opposites) -> Evidence:
    """The retrieval half of the evidence (no model involved)."""
    best_cosine = max((h.cosine for h in hits.sentences), default=0.0)
    top_terms = [t for item in ranked[:3] for t in item.hit.tokens]
    contrast = opposites.contrast(question, ranked[0].hit.sentence.text) if ranked else None
    return Evidence(best_cosine=best_cosine, coverage=overlap_share(hits.question_tokens, top_terms, stats),
                    contrast=contrast)
