"""``qa-assistant ask``: one question (streamed, or --json) or a batch of JSON lines."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import click

from .common import build_settings, index_options, model_options, user_errors
from .progress import ProgressBars

VERDICT_MARKS = {"supported": "✓", "partial": "~", "attributed": "→", "unsupported": "✗"}


def _status(message: str) -> None:
    click.echo(message, err=True)


def load_engine(settings: Any) -> Any:
    """An Engine with everything loaded; builds the index first if it does not exist yet."""
    from ..answering.engine import Engine

    engine = Engine(settings)
    bars = ProgressBars()  # the first ask builds the index: the same bars as `index update`
    try:
        engine.load(on_status=_status, update="missing", progress=bars)
    finally:
        bars.close()
    if engine.notice:
        click.echo(f"Note: {engine.notice}", err=True)
    return engine


def _final(events: Iterator[Any], stream: bool) -> tuple[Any, str]:
    """Consume the events (echoing tokens when ``stream``); the answer and the text streamed."""
    from ..models import Done, Token

    streamed: list[str] = []
    answer = None
    for event in events:
        if isinstance(event, Token):
            streamed.append(event.text)
            if stream:
                click.echo(event.text, nl=False)
        elif isinstance(event, Done):
            answer = event.answer
    if answer is None:
        raise click.ClickException("the engine ended without an answer")
    return answer, "".join(streamed)


def print_answer(answer: Any, streamed: str) -> None:
    """What follows the streamed tokens: the final answer if it changed, sources, verdicts, alternatives."""
    from ..answering.close_call import close_call_line
    from ..ingest import shown_path

    click.echo()
    kept, written = " ".join(answer.answer.split()), " ".join(streamed.split())
    if kept not in written:
        click.echo(f"\nAnswer: {answer.answer}")
    elif not answer.refused and len(written) > len(kept):  # generation was cut: say what was kept
        click.echo(f"\nAnswer, without what the model wrote after it: {answer.answer}")
    if answer.notice:
        click.echo(f"\nNote: {answer.notice}")
    if answer.close_call is not None:
        click.echo(f"\n{close_call_line(answer.close_call)}")
    by_n = {c.n: c for c in answer.citations}
    if answer.refused:
        shown = [c.n for c in answer.citations]
        heading = "Closest sentences found (none answers the question):"
    else:
        shown = sorted({n for s in answer.sentences for n in (*s.citations, *s.alternatives)}
                       | ({answer.close_call} if answer.close_call in by_n else set()))
        heading = "Sources:"
    if shown:
        click.echo(f"\n{heading}")
        for n in shown:
            c = by_n[n]
            click.echo(f"  [{n}] {c.title} — \"{c.text}\" ({shown_path(c.article)}:{c.start}-{c.end})")
    if answer.sentences:
        click.echo("\nChecked:")
        for s in answer.sentences:
            refs = "".join(f"[{n}]" for n in s.citations) or "no source"
            click.echo(f"  {VERDICT_MARKS.get(s.verdict, '?')} {s.verdict:<11} {refs} ({s.support:.2f}) {s.text}")
            if s.alternatives:
                click.echo(f"      closer sources: {''.join(f'[{n}]' for n in s.alternatives)}")


def batch_lines(handle: BinaryIO) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    """(line number, item or None, problem) for every non-blank line of a JSONL file read as bytes.

    Each line is decoded on its own, so one line that is not UTF-8 is reported and skipped
    instead of ending the batch; a byte-order mark at the start is ignored.
    """
    for number, raw in enumerate(handle, start=1):
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            yield number, None, f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})"
            continue
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, None, f"not JSON ({exc.msg})"
            continue
        except RecursionError:
            yield number, None, "not a question (JSON nested too deeply)"
            continue
        question = item.get("question") if isinstance(item, dict) else None
        if not isinstance(question, str) or not question.strip():
            yield number, None, "needs a non-empty \"question\" string"
            continue
        if not is_text(question) or not is_text(str(item.get("id"))):
            yield number, None, "the question or id holds an invalid \\u escape (a lone surrogate)"
            continue
        yield number, item, ""


def is_text(value: str) -> bool:
    """False for a string no UTF-8 can hold: lone surrogates from a bad ``\\ud800`` escape or
    from command-line bytes that are not UTF-8."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def run_batch(engine: Any, path: Path) -> int:
    """Answer every good line (one JSON object a line on stdout); returns the malformed count."""
    from ..errors import QAError

    answered = malformed = 0
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise QAError(f"batch file {path} cannot be read ({exc.strerror or exc})") from None
    with handle:
        for number, item, problem in batch_lines(handle):
            if item is None:
                malformed += 1
                click.echo(f"{path}: line {number}: {problem}; skipped", err=True)
                continue
            qid = item.get("id")
            answer, _ = _final(engine.ask(item["question"], question_id=None if qid is None else str(qid)), False)
            click.echo(json.dumps(answer.to_json(), ensure_ascii=False))
            answered += 1
    click.echo(f"answered {answered} question(s); {malformed} malformed line(s)", err=True)
    return malformed


@click.command()
@click.argument("question", required=False)
@index_options
@model_options
@click.option("--json", "as_json", is_flag=True, help="Print the answer as one JSON object.")
@click.option("--batch", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Answer every {\"id\", \"question\"} line of a JSONL file; one JSON answer a line.")
@user_errors
def ask(question: str | None, index_dir: Path | None, articles_dir: Path | None, model_path: Path | None,
        judge_model_path: Path | None, extractive: bool | None, as_json: bool, batch: Path | None) -> None:
    """Answer QUESTION from the articles, citing the exact source sentences.

    The answer streams as it is generated; the sources and each sentence's
    verdict (supported, partial, attributed, unsupported) follow.  The index is
    built first if it does not exist yet.
    """
    if (question is None) == (batch is None):
        raise click.UsageError("give either a QUESTION or --batch FILE.jsonl")
    if question is not None and not is_text(question):
        raise click.UsageError("the QUESTION is not valid UTF-8 text; type it again in a UTF-8 terminal")
    if question is not None and not question.strip():
        raise click.UsageError('the QUESTION is empty; ask something, e.g. qa-assistant ask "Who won the election?"')
    settings = build_settings(index_dir=index_dir, articles_dir=articles_dir, model_path=model_path,
                              judge_model_path=judge_model_path, extractive=extractive)
    engine = load_engine(settings)
    try:
        if batch is not None:
            if run_batch(engine, batch):
                raise SystemExit(1)
            return
        assert question is not None
        answer, streamed = _final(engine.ask(question), stream=not as_json)
        if as_json:
            click.echo(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
        else:
            print_answer(answer, streamed)
    finally:
        engine.close()
