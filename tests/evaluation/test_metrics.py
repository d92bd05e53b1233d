"""Metric functions on hand-made inputs (definitions of the eval sets' README)."""

from __future__ import annotations

import pytest

from qa_assistant.evaluation.metrics import (
    Cited,
    ClaimResult,
    EvidenceSpan,
    QuestionResult,
    answer_hit,
    auroc,
    citation_precision,
    citation_recall,
    claim_metrics,
    close_call_rates,
    evidence_coverage,
    normalize_answer,
    offset_integrity,
    overlaps,
    percentile,
    recall_at_k,
    refusal_rates,
    summarize,
    supported_but_wrong,
    verdict_auroc,
)

GOLD = (EvidenceSpan("a.txt", 100, 120),)


def result(**kw: object) -> QuestionResult:
    base: dict[str, object] = {"id": "q", "evidence": GOLD}
    base.update(kw)
    return QuestionResult(**base)  # type: ignore[arg-type]


def test_overlap_needs_same_article_and_intersecting_ranges() -> None:
    assert overlaps(EvidenceSpan("a.txt", 90, 101), GOLD[0])
    assert not overlaps(EvidenceSpan("a.txt", 120, 130), GOLD[0])  # end is exclusive
    assert not overlaps(EvidenceSpan("a.txt", 0, 100), GOLD[0])
    assert not overlaps(EvidenceSpan("b.txt", 100, 120), GOLD[0])


def test_recall_at_k_counts_only_the_first_k_passages() -> None:
    found_third = result(passages=(EvidenceSpan("a.txt", 0, 10), EvidenceSpan("b.txt", 0, 500), EvidenceSpan("a.txt", 50, 150)))
    missing = result(passages=(EvidenceSpan("a.txt", 0, 10),))
    assert recall_at_k([found_third, missing], 3) == 0.5
    assert recall_at_k([found_third, missing], 2) == 0.0
    assert recall_at_k([], 5) == 0.0


def test_citation_precision_recall_and_coverage() -> None:
    two_gold = (EvidenceSpan("a.txt", 100, 120), EvidenceSpan("b.txt", 0, 10))
    answers = [
        result(cited=(Cited(EvidenceSpan("a.txt", 95, 130)), Cited(EvidenceSpan("a.txt", 0, 50)))),  # 1 of 2 hit
        result(cited=(Cited(EvidenceSpan("c.txt", 0, 50)),)),  # miss
        result(evidence=two_gold, cited=(Cited(EvidenceSpan("b.txt", 5, 8)),)),  # hit, covers 1 of 2 gold
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
    answers = [result(cited=(Cited(EvidenceSpan("a.txt", 100, 110), support=0.9),
                             Cited(EvidenceSpan("a.txt", 0, 10), support=0.3)))]
    assert verdict_auroc(answers) == 1.0
    quoted = [result(cited=(Cited(EvidenceSpan("a.txt", 100, 110)), Cited(EvidenceSpan("a.txt", 0, 10))))]
    assert verdict_auroc(quoted) is None  # extractive answers all have support 1.0


def test_percentile_interpolates() -> None:
    assert percentile([10, 20, 30, 40], 50) == 25
    assert percentile([5], 95) == 5
    assert percentile([], 50) == 0.0


def test_summarize_reports_every_metric() -> None:
    summary = summarize([result(passages=(EvidenceSpan("a.txt", 0, 200),), cited=(Cited(GOLD[0]),), answer="Iran",
                                gold_answers=("Iran",), citations_exact=1, citations_total=1, latency_ms=12.0)])
    assert summary["recall@5"] == 1.0 and summary["citation_precision"] == 1.0
    assert summary["answer_hit"] == 1.0 and summary["offset_integrity"] == 1.0
    assert summary["latency_p50_ms"] == 12.0 and summary["verdict_auroc"] is None


def test_refusal_rates_count_each_kind_of_question() -> None:
    results = [result(answerable=False, refused=True), result(answerable=False, refused=False),
               result(answerable=True, refused=False), result(answerable=True, refused=False),
               result(answerable=True, refused=True), result()]  # the last has no "answerable": not counted
    assert refusal_rates(results) == {"refused_unanswerable": 0.5, "refused_answerable": 1 / 3}
    assert refusal_rates([result()]) == {"refused_unanswerable": None, "refused_answerable": None}


def test_supported_but_wrong_counts_confident_misses_only() -> None:
    results = [result(answer="Tehran", gold_answers=("Iran",), all_supported=True),  # supported, wrong
               result(answer="Iran", gold_answers=("Iran",), all_supported=True),  # supported, right
               result(answer="Tehran", gold_answers=("Iran",), all_supported=False),  # flagged, wrong
               result(answer="x", gold_answers=("Iran",), all_supported=True, refused=True)]  # refusal: left out
    assert supported_but_wrong(results) == pytest.approx(1 / 3)
    assert supported_but_wrong([result(score_answer=False, gold_answers=("a",))]) is None


def test_close_call_rates_split_right_and_wrong_answers() -> None:
    results = [result(answer="Tehran", gold_answers=("Iran",), all_supported=True, close_call=True),  # caught
               result(answer="Tehran", gold_answers=("Iran",), all_supported=True),  # missed
               result(answer="Iran", gold_answers=("Iran",), all_supported=True, close_call=True),  # false alarm
               result(answer="Iran", gold_answers=("Iran",), all_supported=True),
               result(answer="x", gold_answers=("Iran",), refused=True, close_call=True)]  # refusal: left out
    rates = close_call_rates(results)
    assert rates["close_calls"] == 0.5
    assert rates["close_calls_of_right"] == 0.5 and rates["close_calls_of_wrong"] == 0.5
    assert rates["supported_but_wrong_without_close_call"] == 0.5  # Tehran missed, Iran right
    assert close_call_rates([]) == {"close_calls": None, "close_calls_of_right": None, "close_calls_of_wrong": None,
                                    "supported_but_wrong_without_close_call": None}


def test_sentence_verdicts_are_shares_of_all_answer_sentences() -> None:
    results = [result(verdicts=("supported", "unsupported")), result(verdicts=("supported", "partial")), result()]
    shares = summarize(results)
    assert shares["sentences_supported"] == 0.5 and shares["sentences_partial"] == 0.25
    assert shares["sentences_unsupported"] == 0.25 and shares["sentences_attributed"] == 0.0
    assert summarize([result()])["sentences_supported"] is None


def test_claim_metrics_on_right_and_wrong_options() -> None:
    claims = [ClaimResult("q", True, 0.9, "supported"), ClaimResult("q", True, 0.6, "partial"),
              ClaimResult("q", False, 0.7, "supported"), ClaimResult("q", False, 0.1, "unsupported"),
              ClaimResult("q", False, 0.2, "unsupported")]
    m = claim_metrics(claims)
    assert (m["claims_right"], m["claims_wrong"]) == (2, 3)
    assert m["right_wrong_auroc"] == pytest.approx(5 / 6)
    assert m["right_supported"] == 0.5 and m["wrong_supported"] == pytest.approx(1 / 3)
    assert m["supported_right"] == 0.5
    assert claim_metrics([]) == {}
