"""``qa-assistant eval``: answer an evaluation set and print its metrics."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import click

from .common import build_settings, model_options, user_errors

_LABELS = (
    ("questions", "questions", "{:d}"),
    ("recall@{k}", "retrieval recall@{k}", "{:.3f}"),
    ("citation_precision", "citation precision", "{:.3f}"),
    ("citation_recall", "citation recall", "{:.3f}"),
    ("evidence_coverage", "evidence coverage", "{:.3f}"),
    ("answer_hit", "answer hit", "{:.3f}"),
    ("offset_integrity", "offset integrity", "{:.1%}"),
    ("verdict_auroc", "verdict AUROC", "{:.3f}"),
    ("citations_per_answer", "citations per answer", "{:.2f}"),
    ("not_covered", "answered 'not covered'", "{:d}"),
    ("mode_fallbacks", "answers replaced by extractive", "{:d}"),
    ("supported_but_wrong", "all supported but wrong", "{:.3f}"),
    ("supported_but_wrong_without_close_call", "same, answers naming no close call", "{:.3f}"),
    ("close_calls", "answers naming a close call", "{:.3f}"),
    ("close_calls_of_right", "close calls of right answers", "{:.3f}"),
    ("close_calls_of_wrong", "close calls of wrong answers", "{:.3f}"),
    ("sentences_supported", "sentences supported", "{:.3f}"),
    ("sentences_attributed", "sentences attributed", "{:.3f}"),
    ("sentences_partial", "sentences partial", "{:.3f}"),
    ("sentences_unsupported", "sentences unsupported", "{:.3f}"),
    ("refused_unanswerable", "unanswerable refused", "{:.3f}"),
    ("refused_answerable", "answerable refused", "{:.3f}"),
    ("claims_right", "claims right / wrong", "{}"),
    ("right_wrong_auroc", "claims AUROC right vs wrong", "{:.3f}"),
    ("right_supported", "right claims supported", "{:.3f}"),
    ("wrong_supported", "wrong claims supported", "{:.3f}"),
    ("supported_right", "supported claims right", "{:.3f}"),
    ("latency_p50_ms", "latency p50 (ms)", "{:.0f}"),
    ("latency_p95_ms", "latency p95 (ms)", "{:.0f}"),
)


def format_table(name: str, mode: str, summary: Mapping[str, object], k: int) -> str:
    rows = [f"{name} ({mode})", "-" * 44]
    for key, label, fmt in _LABELS:
        value = summary.get(key.format(k=k))
        if key == "claims_right" and value is not None:
            value = f"{value} / {summary.get('claims_wrong')}"
        text = "n/a" if value is None else fmt.format(value)
        rows.append(f"{label.format(k=k):<32}{text:>12}")
    return "\n".join(rows)


@click.command("eval")
@click.argument("set_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Answer only the first N questions.")
@model_options
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as one JSON object.")
@click.option("--index", "index_dir", type=click.Path(path_type=Path), default=None,
              help="Index folder for the set's articles. Default: a cached one under cache_dir/eval-indexes.")
@click.option("--k", "k", type=click.IntRange(min=1), default=5, show_default=True,
              help="Passages counted by retrieval recall@k.")
@user_errors
def eval_command(set_dir: Path, limit: int | None, model_path: Path | None, judge_model_path: Path | None,
                 extractive: bool | None,
                 as_json: bool, index_dir: Path | None, k: int) -> None:
    """Answer every question of SET_DIR (articles/ + questions.jsonl) and print the metrics.

    Metrics as defined in the sets' README: retrieval recall@k, citation
    precision and recall, evidence coverage, answer hit, offset integrity,
    verdict AUROC and latency; on sets with ``answerable``, the refusal rates;
    on sets with ``wrong_answers``, the checker on right vs wrong options
    (AUROC, share of right and wrong claims supported, share of supported right).
    """
    from ..answering.engine import NOT_COVERED, Engine
    from ..citations import SupportChecker
    from ..embedding.embedder import load_embedder
    from ..evaluation.claims import score_claims
    from ..evaluation.metrics import claim_metrics, summarize
    from ..evaluation.runner import eval_settings, load_eval_set, run_eval

    eval_set = load_eval_set(set_dir, limit)
    settings = build_settings(model_path=model_path, judge_model_path=judge_model_path, extractive=extractive)
    settings = eval_settings(settings, eval_set, index_dir).replace(top_k_passages=max(k, settings.top_k_passages))
    embedder = load_embedder(settings)
    engine = Engine(settings, embedder=embedder)
    engine.load(on_status=lambda m: click.echo(m, err=True), update="always")
    if engine.notice:
        click.echo(f"Note: {engine.notice}", err=True)

    def progress(done: int, total: int) -> None:
        if done % 25 == 0 or done == total:
            click.echo(f"  answered {done}/{total}", err=True)

    try:
        results = list(run_eval(engine, eval_set, progress))
        claims = []
        if any(q.get("wrong_answers") for q in eval_set.questions):
            click.echo("Scoring right and wrong answer options…", err=True)
            # the engine's own checker (with its LLM judge in llm mode), else the lexical one
            checker = engine.checker or SupportChecker(embedder)
            claims = score_claims(eval_set.questions, engine.reader, checker)
    finally:
        engine.close()
    summary: dict[str, object] = dict(summarize(results, k))
    summary.update(claim_metrics(claims))
    summary["not_covered"] = sum(r.answer == NOT_COVERED for r in results)
    summary["mode_fallbacks"] = sum(r.mode != engine.mode for r in results)
    summary["set"] = eval_set.name
    summary["mode"] = engine.mode
    if as_json:
        click.echo(json.dumps(summary))
    else:
        click.echo(format_table(eval_set.name, engine.mode, summary, k))
