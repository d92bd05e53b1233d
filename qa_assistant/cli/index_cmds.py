"""``qa-assistant index update|rebuild|status|verify`` and ``qa-assistant watch``."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..models import UpdateReport
from .common import build_settings, index_options, user_errors
from .progress import ProgressBars

if TYPE_CHECKING:
    from ..config import Settings

def settings_for_update(index_dir: Path | None, articles_dir: Path | None) -> Settings:
    """Settings for a command that updates; without --articles (and none configured), an
    existing index keeps mirroring the folder it was built from."""
    from ..index.source import follow_index_folder

    settings = build_settings(index_dir=index_dir, articles_dir=articles_dir)
    return follow_index_folder(settings, articles_given=articles_dir is not None)


def _count(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def summary(report: UpdateReport, settings: Settings) -> str:
    parts = [f"{report.added} added", f"{report.changed} changed", f"{report.removed} removed"]
    if report.renamed:
        parts.append(f"{report.renamed} moved")
    parts.append(f"{report.unchanged} unchanged")
    if report.failed:
        parts.append(f"{len(report.failed)} failed")
    return (f"Index {settings.index_dir} (generation {report.generation}) from {settings.articles_dir}: "
            f"{', '.join(parts)} in {report.seconds:.1f} s")


def _print_report(report: UpdateReport, settings: Settings, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(report.to_json()))
        return
    click.echo(summary(report, settings))
    for move in report.moves:
        click.echo(f"  moved {move.old} -> {move.new}")
    if report.failed:
        from ..ingest import shown_path

        click.echo("Not indexed (a file indexed before keeps its previous version):")
        for failure in report.failed:
            click.echo(f"  {shown_path(failure.path)}: {failure.error}")


def _run_update(index_dir: Path | None, articles_dir: Path | None, as_json: bool, rebuild: bool) -> None:
    from ..index import update_index

    settings = settings_for_update(index_dir, articles_dir)
    bars = None if as_json else ProgressBars()
    try:
        report = update_index(settings, rebuild=rebuild, progress=bars)
    finally:
        if bars is not None:
            bars.close()
    _print_report(report, settings, as_json)


@click.group()
def index() -> None:
    """Build, update, inspect and check the index of an articles folder."""


@index.command("update")
@index_options
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (counts, moves, failures, seconds).")
@user_errors
def update_command(index_dir: Path | None, articles_dir: Path | None, as_json: bool) -> None:
    """Index new, changed, moved and removed articles (only what changed is embedded)."""
    _run_update(index_dir, articles_dir, as_json, rebuild=False)


@index.command("rebuild")
@index_options
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (counts, failures, seconds).")
@user_errors
def rebuild_command(index_dir: Path | None, articles_dir: Path | None, as_json: bool) -> None:
    """Build the index again from scratch (the old one stays live until the new one is complete)."""
    _run_update(index_dir, articles_dir, as_json, rebuild=True)


@index.command("status")
@index_options
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@user_errors
def status_command(index_dir: Path | None, articles_dir: Path | None, as_json: bool) -> None:
    """Counts, embedder, and how many files an update would add, change or remove."""
    from ..index import index_status

    settings = build_settings(index_dir=index_dir)
    status = index_status(settings, articles_dir.absolute() if articles_dir is not None else None)
    if as_json:
        click.echo(json.dumps(status.to_json()))
        return
    if status.pending < 0:
        pending = f"unknown: articles folder {status.articles_dir} is missing"
    elif status.pending:
        pending = f"{_count(status.pending, 'file')} to add, change or remove; run `qa-assistant index update`"
    else:
        pending = "none, the index is up to date"
    lines = [f"Index:     {settings.index_dir} (generation {status.generation})",
             f"Articles:  {status.articles} from {status.articles_dir}",
             f"Sentences: {status.sentences}", f"Passages:  {status.passages}",
             f"Embedder:  {status.embedder} (passage vectors: {status.passage_vectors})"]
    if status.storage is not None:
        st = status.storage
        lines.append(f"Storage:   {st.base_passages} passages in the base ({st.faiss_kind}), {st.delta_passages} "
                     f"in the delta, {st.tombstones} tombstones; {st.bytes_on_disk / 1e6:.1f} MB on disk")
    lines.append(f"Pending:   {pending}")
    if status.failed:
        lines.append(f"Failed:    {_count(len(status.failed), 'file')} (each skipped until it changes)")
        from ..ingest import shown_path

        lines += [f"  {shown_path(f.path)}: {f.error}" for f in status.failed]
    click.echo("\n".join(lines))


@index.command("verify")
@click.option("--index", "index_dir", type=click.Path(path_type=Path), default=None,
              help="Index folder. Default: the config's index_dir (indexes/default).")
@user_errors
def verify_command(index_dir: Path | None) -> None:
    """Check that the store and FAISS agree and every offset holds; exit 1 listing problems."""
    from ..index import verify_index

    settings = build_settings(index_dir=index_dir)
    problems = verify_index(settings)
    if problems:
        for problem in problems:
            click.echo(f"problem: {problem}")
        click.echo(f"{_count(len(problems), 'problem')} in {settings.index_dir}; "
                   f"run `qa-assistant index rebuild --index {settings.index_dir}`", err=True)
        raise SystemExit(1)
    click.echo(f"OK: {settings.index_dir} schema, checksums, store, FAISS and BM25 agree, all offsets hold")


@click.command()
@index_options
@user_errors
def watch(index_dir: Path | None, articles_dir: Path | None) -> None:
    """Update the index now, then again whenever articles arrive or change (Ctrl-C stops)."""
    from ..index.watch import watch_articles

    settings = settings_for_update(index_dir, articles_dir)
    stop = threading.Event()
    click.echo(f"Watching {settings.articles_dir} for {settings.index_dir} (Ctrl-C stops)...", err=True)

    def on_update(report: UpdateReport) -> None:
        _print_report(report, settings, as_json=False)

    def on_error(exc: Exception) -> None:
        click.echo(f"Error: {exc}", err=True)

    try:
        watch_articles(settings, on_update, stop, on_error=on_error)
    except KeyboardInterrupt:
        stop.set()
        click.echo("Stopped watching.", err=True)
