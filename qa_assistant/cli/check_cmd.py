"""``qa-assistant check FILE``: are saved answers' citations still true of the articles on disk?"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from .common import build_settings, index_options, user_errors

MARKS = {"ok": "ok", "moved": "MOVED", "gone": "GONE"}


def _short(text: str, width: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def format_report(report: Any) -> str:
    """The report for people: per answer, each citation's status and each sentence's verdict today."""
    from ..ingest import shown_path

    c = report.counts
    lines = [f"{report.file}: {c['answers']} answer(s), {c['citations']} citation(s): {c['ok']} ok, "
             f"{c['moved']} moved, {c['gone']} gone; {c['verdicts_changed']} verdict(s) changed "
             f"(articles: {report.articles_dir})"]
    for answer in report.answers:
        lines.append("")
        lines.append(f"line {answer.line}: {_short(answer.question) or '(no question)'}")
        for cit in answer.citations:
            where = f"{shown_path(cit.article)} {cit.start}-{cit.end}"
            if cit.status == "moved":
                where += f" -> {cit.new_start}-{cit.new_end}"
            reason = f" ({cit.reason})" if cit.reason else ""
            lines.append(f"  [{cit.n}] {MARKS[cit.status]:5s} {where}{reason}")
        for i, sentence in enumerate(answer.sentences):
            before = answer.saved_verdicts[i] if i < len(answer.saved_verdicts) else ""
            change = f" (was {before})" if before and before != sentence.verdict else ""
            cited = ",".join(str(n) for n in sentence.citations) or "-"
            lost = f" lost [{','.join(str(n) for n in sentence.invalid_citations)}]" if sentence.invalid_citations else ""
            lines.append(f"    {sentence.verdict:11s} {sentence.support:.2f} [{cited}]{lost}{change}  "
                         f"{_short(sentence.text, 70)}")
    return "\n".join(lines)


@click.command("check")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@index_options
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (for scripts).")
@user_errors
def check(file: Path, articles_dir: Path | None, index_dir: Path | None, as_json: bool) -> None:
    """Re-check saved answers against the articles as they are now.

    FILE holds answers printed by `ask --json` or `ask --batch` (JSON lines), or
    a Markdown answer exported from the chat.  Every citation is reported ok
    (same text at the same place), moved (found elsewhere: new offsets) or gone
    (article missing or text not found), and every answer sentence gets today's
    support verdict.  Exits with 1 when any citation moved or is gone.
    """
    from ..citations.recheck import recheck

    settings = build_settings(articles_dir=articles_dir, index_dir=index_dir)
    root = articles_dir.absolute() if articles_dir is not None else _indexed_articles(settings)
    report = recheck(file, settings, root)
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(format_report(report))
    if report.changed:
        raise SystemExit(1)


def _indexed_articles(settings: Any) -> Path:
    """The folder the index mirrors (when it has one on disk), else the configured articles_dir."""
    from ..index.source import built_from

    recorded = built_from(settings.index_dir)
    return recorded if recorded is not None and recorded.is_dir() else settings.articles_dir
