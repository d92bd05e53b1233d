"""Evaluation metrics over gold evidence spans (definitions of ../shared/eval/README.md).

Pure functions over plain records, so they are tested on hand-made inputs and
the evaluation command only has to collect the records.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class EvidenceSpan:
    """A character range [start, end) in one article (path relative to the articles folder)."""

    article: str
    start: int
    end: int


@dataclass(frozen=True)
class Cited:
    """One sentence an answer cites, with the support score of the answer sentence citing it."""

    span: EvidenceSpan
    support: float = 1.0


@dataclass
class QuestionResult:
    """What one answered question gives the metrics."""

    id: str
    evidence: tuple[EvidenceSpan, ...]
    passages: tuple[EvidenceSpan, ...] = ()
    """Retrieved passages, best first."""
    cited: tuple[Cited, ...] = ()
    answer: str = ""
    gold_answers: tuple[str, ...] = ()
    score_answer: bool = True
    """False where gold answers are free text (multirc) and answer hit does not apply."""
    citations_exact: int = 0
    citations_total: int = 0
    latency_ms: float = 0.0
    mode: str = ""
    extra: dict[str, float] = field(default_factory=dict)
    answerable: bool | None = None
    """From sets with ``answerable`` (squad2); None elsewhere."""
    refused: bool = False
    """The answer says the articles do not say (``Answer.refused``, or it cites no sentence)."""
    all_supported: bool = False
    """Every sentence of the answer is *supported* (and there is at least one)."""
    verdicts: tuple[str, ...] = ()
    """The verdict of each answer sentence, in order."""
    close_call: bool = False
    """The answer names a runner-up that scored almost as high (``Answer.close_call``)."""


def overlaps(a: EvidenceSpan, b: EvidenceSpan) -> bool:
    """Same article and the character ranges intersect."""
    return a.article == b.article and a.start < b.end and b.start < a.end


def hits(span: EvidenceSpan, evidence: Iterable[EvidenceSpan]) -> bool:
    return any(overlaps(span, gold) for gold in evidence)


def gold_sentences(evidence: Iterable[dict[str, Any]],
                   spans: dict[str, list[tuple[int, int]]]) -> list[tuple[str, int]]:
    """(article, sentence position) of every sentence overlapping a gold evidence span, in order,
    once each; ``spans`` holds each article's sentence ``(start, end)`` ranges."""
    gold: list[tuple[str, int]] = []
    for ev in evidence:
        article = str(ev["article"])
        for i, (start, end) in enumerate(spans[article]):
            if start < int(ev["end"]) and int(ev["start"]) < end and (article, i) not in gold:
                gold.append((article, i))
    return gold


def recall_at_k(results: Sequence[QuestionResult], k: int) -> float:
    """Share of questions where one of the top-k passages hits."""
    if not results:
        return 0.0
    return sum(any(hits(p, r.evidence) for p in r.passages[:k]) for r in results) / len(results)


def citation_precision(results: Sequence[QuestionResult]) -> float:
    """Share of all cited sentences that hit their question's evidence."""
    cited = [(c, r) for r in results for c in r.cited]
    if not cited:
        return 0.0
    return sum(hits(c.span, r.evidence) for c, r in cited) / len(cited)


def citation_recall(results: Sequence[QuestionResult]) -> float:
    """Share of questions where at least one cited sentence hits."""
    if not results:
        return 0.0
    return sum(any(hits(c.span, r.evidence) for c in r.cited) for r in results) / len(results)


def evidence_coverage(results: Sequence[QuestionResult]) -> float:
    """Share of all gold spans hit by some cited sentence."""
    gold = [(g, r) for r in results for g in r.evidence]
    if not gold:
        return 0.0
    return sum(any(overlaps(g, c.span) for c in r.cited) for g, r in gold) / len(gold)


_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = str.maketrans("", "", string.punctuation)


def normalize_answer(text: str) -> str:
    """SQuAD normalisation: lowercase, no punctuation, no articles, single spaces."""
    return " ".join(_ARTICLES.sub(" ", text.lower().translate(_PUNCT)).split())


def answer_hit(answer: str, gold_answers: Iterable[str]) -> bool:
    """Whether the normalised answer contains a normalised gold answer (at word boundaries,
    so that "no" is not found in "not")."""
    padded = f" {normalize_answer(answer)} "
    return any(g and f" {g} " in padded for g in (normalize_answer(a) for a in gold_answers))


def answer_hit_rate(results: Sequence[QuestionResult]) -> float | None:
    scored = [r for r in results if r.score_answer and r.gold_answers]
    if not scored:
        return None
    return sum(answer_hit(r.answer, r.gold_answers) for r in scored) / len(scored)


def offset_integrity(results: Sequence[QuestionResult]) -> float:
    """Share of citations whose text equals the article text at their offsets (must be 1.0)."""
    total = sum(r.citations_total for r in results)
    return 1.0 if total == 0 else sum(r.citations_exact for r in results) / total


def auroc(scores: Sequence[float], labels: Sequence[bool]) -> float | None:
    """Area under the ROC curve (ties count half); None unless both classes are present."""
    positives = [s for s, y in zip(scores, labels, strict=True) if y]
    negatives = [s for s, y in zip(scores, labels, strict=True) if not y]
    if not positives or not negatives:
        return None
    ordered = sorted(scores)
    rank: dict[float, float] = {}
    i = 0
    while i < len(ordered):
        j = i
        while j < len(ordered) and ordered[j] == ordered[i]:
            j += 1
        rank[ordered[i]] = (i + j + 1) / 2  # average 1-based rank of the tie block
        i = j
    rank_sum = sum(rank[s] for s in positives)
    n_pos, n_neg = len(positives), len(negatives)
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def verdict_auroc(results: Sequence[QuestionResult]) -> float | None:
    """How well support scores separate cited sentences that hit gold from those that do not.

    None when every support score is the same (extractive answers quote their source: 1.0).
    """
    pairs = [(c.support, hits(c.span, r.evidence)) for r in results for c in r.cited]
    if len({s for s, _ in pairs}) < 2:
        return None
    return auroc([s for s, _ in pairs], [y for _, y in pairs])


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100); 0.0 for no values."""
    return float(np.percentile(values, q)) if len(values) else 0.0


def refusal_rates(results: Sequence[QuestionResult]) -> dict[str, float | None]:
    """Share of unanswerable questions refused and of answerable ones refused (sets with ``answerable``)."""
    rated = [r for r in results if r.answerable is not None]
    if not rated:
        return {"refused_unanswerable": None, "refused_answerable": None}

    def share(group: list[QuestionResult]) -> float | None:
        return sum(r.refused for r in group) / len(group) if group else None

    return {"refused_unanswerable": share([r for r in rated if not r.answerable]),
            "refused_answerable": share([r for r in rated if r.answerable])}


def supported_but_wrong(results: Sequence[QuestionResult]) -> float | None:
    """Share of scored answers whose every sentence is *supported* but that miss every gold answer."""
    scored = [r for r in results if r.score_answer and r.gold_answers and not r.refused]
    if not scored:
        return None
    return sum(r.all_supported and not answer_hit(r.answer, r.gold_answers) for r in scored) / len(scored)


def close_call_rates(results: Sequence[QuestionResult]) -> dict[str, float | None]:
    """How often answers name a close call: of all answered questions, of the right and of the
    wrong scored answers; and all-supported-but-wrong among answers that name none (what a
    reader who trusts an answer without a close call meets)."""
    answered = [r for r in results if not r.refused]
    scored = [r for r in answered if r.score_answer and r.gold_answers]
    right = [r for r in scored if answer_hit(r.answer, r.gold_answers)]
    wrong = [r for r in scored if not answer_hit(r.answer, r.gold_answers)]

    def share(group: list[QuestionResult]) -> float | None:
        return sum(r.close_call for r in group) / len(group) if group else None

    return {"close_calls": share(answered), "close_calls_of_right": share(right),
            "close_calls_of_wrong": share(wrong),
            "supported_but_wrong_without_close_call": supported_but_wrong([r for r in results if not r.close_call])}


@dataclass(frozen=True)
class ClaimResult:
    """One stated answer option (right or wrong) and what the checker made of it."""

    question_id: str
    right: bool
    support: float
    verdict: str


def claim_metrics(claims: Sequence[ClaimResult]) -> dict[str, float | int | None]:
    """Right vs wrong claims (sets with ``wrong_answers``): AUROC of support and supported shares."""
    if not claims:
        return {}
    right = [c for c in claims if c.right]
    wrong = [c for c in claims if not c.right]
    supported = [c for c in claims if c.verdict == "supported"]
    return {
        "claims_right": len(right),
        "claims_wrong": len(wrong),
        "right_wrong_auroc": auroc([c.support for c in claims], [c.right for c in claims]),
        "right_supported": sum(c.verdict == "supported" for c in right) / len(right) if right else None,
        "wrong_supported": sum(c.verdict == "supported" for c in wrong) / len(wrong) if wrong else None,
        "supported_right": sum(c.right for c in supported) / len(supported) if supported else None,
    }


VERDICTS = ("supported", "attributed", "partial", "unsupported")


def sentence_verdicts(results: Sequence[QuestionResult]) -> dict[str, float | None]:
    """The share of all answer sentences given each verdict (None when no answer has a sentence)."""
    every = [v for r in results for v in r.verdicts]
    return {f"sentences_{v}": (sum(x == v for x in every) / len(every) if every else None) for v in VERDICTS}


def summarize(results: Sequence[QuestionResult], k: int = 5) -> dict[str, float | int | None]:
    """Every metric for one set of answered questions."""
    latencies = [r.latency_ms for r in results]
    cited = [c for r in results for c in r.cited]
    return {
        "questions": len(results),
        f"recall@{k}": recall_at_k(results, k),
        "citation_precision": citation_precision(results),
        "citation_recall": citation_recall(results),
        "evidence_coverage": evidence_coverage(results),
        "answer_hit": answer_hit_rate(results),
        "offset_integrity": offset_integrity(results),
        "verdict_auroc": verdict_auroc(results),
        "citations_per_answer": len(cited) / len(results) if results else 0.0,
        "supported_but_wrong": supported_but_wrong(results),
        **sentence_verdicts(results),
        **refusal_rates(results),
        **close_call_rates(results),
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
    }
