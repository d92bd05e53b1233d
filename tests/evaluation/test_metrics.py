"""Metric functions on hand-made inputs (definitions of the eval sets' README)."""

from __future__ import annotations

import pytest

from qa_assistant.evaluation.metrics import (
    Cited,
    QuestionResult,
    Span,
    answer_hit,
    auroc,
    citation_precision,
    citation_recall,
    evidence_coverage,
    normalize_answer,
    offset_integrity,
    overlaps,
    percentile,
    recall_at_k,
    summarize,
    verdict_auroc,
)

GOLD = (Span("a.txt", 100, 120),)


def result(**kw: object) -> QuestionResult:
    base: dict[str, object] = {"id": "q", "evidence": GOLD}
    base.update(kw)
    return QuestionResult(**base)  # type: ignore[arg-type]


def test_overlap_needs_same_article_and_intersecting_ranges() -> None:
    assert overlaps(Span("a.txt", 90, 101), GOLD[0])
    assert not overlaps(Span("a.txt", 120, 130), GOLD[0])  # end is exclusive
    assert not overlaps(Span("a.txt", 0, 100), GOLD[0])
    assert not overlaps(Span("b.txt", 100, 120), GOLD[0])


def test_recall_at_k_counts_only_the_first_k_passages() -> None:
    found_third = result(passages=(Span("a.txt", 0, 10), Span("b.txt", 0, 500), Span("a.txt", 50, 150)))
    missing = result(passages=(Span("a.txt", 0, 10),))
    assert recall_at_k([found_third, missing], 3) == 0.5
    assert recall_at_k([found_third, missing], 2) == 0.0
    assert recall_at_k([], 5) == 0.0


def test_citation_precision_recall_and_coverage() -> None:
    two_gold = (Span("a.txt", 100, 120), Span("b.txt", 0, 10))
    answers = [
        result(cited=(Cited(Span("a.txt", 95, 130)), Cited(Span("a.txt", 0, 50)))),  # 1 of 2 hit
        result(cited=(Cited(Span("c.txt", 0, 50)),)),  # miss
        result(evidence=two_gold, cited=(Cited(Span("b.txt", 5, 8)),)),  # hit, covers 1 of 2 gold
    ]
    assert citation_precision(answers) == pytest.approx(2 / 4)
    assert citation_recall(answers) == pytest.approx(2 / 3)
    assert evidence_coverage(answers) == pytest.approx(2 / 4)


def test_squad_normalisation_and_answer_hit() -> None:
    assert normalize_answer("The  Eiffel-Tower, in Paris!") == "eiffeltower in paris"
    assert answer_hit("It took five to ten years [1].", ["five to ten years"])
    assert answer_hit("The answer is an Iran.", ["Iran"])
    assert not answer_hit("Nothing here.", ["Iran"])
    assert not answer_hit("It is not known.", ["no"])  # whole words only


def test_offset_integrity_is_exact_over_all_citations() -> None:
    assert offset_integrity([result(citations_exact=3, citations_total=4), result(citations_total=0)]) == 0.75
    assert offset_integrity([]) == 1.0


def test_auroc_handles_ties_and_single_class() -> None:
    assert auroc([0.9, 0.8, 0.1, 0.2], [True, True, False, False]) == 1.0
    assert auroc([0.1, 0.2, 0.9], [True, True, False]) == 0.0
    assert auroc([0.5, 0.5], [True, False]) == 0.5
    assert auroc([0.5, 0.7], [True, True]) is None


def test_verdict_auroc_uses_the_support_of_each_cited_sentence() -> None:
    answers = [result(cited=(Cited(Span("a.txt", 100, 110), support=0.9), Cited(Span("a.txt", 0, 10), support=0.3)))]
    assert verdict_auroc(answers) == 1.0
    quoted = [result(cited=(Cited(Span("a.txt", 100, 110)), Cited(Span("a.txt", 0, 10))))]
    assert verdict_auroc(quoted) is None  # extractive answers all have support 1.0


def test_percentile_interpolates() -> None:
    assert percentile([10, 20, 30, 40], 50) == 25
    assert percentile([5], 95) == 5
    assert percentile([], 50) == 0.0


def test_summarize_reports_every_metric() -> None:
    summary = summarize([result(passages=(Span("a.txt", 0, 200),), cited=(Cited(GOLD[0]),), answer="Iran",
                                gold_answers=("Iran",), citations_exact=1, citations_total=1, latency_ms=12.0)])
    assert summary["recall@5"] == 1.0 and summary["citation_precision"] == 1.0
    assert summary["answer_hit"] == 1.0 and summary["offset_integrity"] == 1.0
    assert summary["latency_p50_ms"] == 12.0 and summary["verdict_auroc"] is None
