"""The index commands through click's CliRunner (the real embedder, loaded once per session)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from index_helpers import NEW_ARTICLE, many_articles

from qa_assistant.cli import main
from qa_assistant.config import Settings

pytestmark = pytest.mark.slow


@pytest.fixture()
def runner(real_embedder: Any, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A CliRunner whose commands reuse the session's embedder instead of loading it again."""
    import qa_assistant.embedding.embedder

    monkeypatch.setattr(qa_assistant.embedding.embedder, "load_embedder", lambda settings: real_embedder)
    return CliRunner()


def test_update_json_and_status_json(runner: CliRunner, settings: Settings) -> None:
    flags = ["--articles", str(settings.articles_dir), "--index", str(settings.index_dir)]
    result = runner.invoke(main, ["index", "update", *flags, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)  # exactly one JSON object on stdout
    assert set(report) == {"added", "changed", "removed", "moved", "moves", "unchanged", "failed", "generation",
                           "seconds"}
    assert (report["added"], report["changed"], report["removed"], report["unchanged"]) == (3, 0, 0, 0)
    assert report["failed"] == [] and isinstance(report["seconds"], float)

    (settings.articles_dir / "bad.txt").write_bytes(b"")
    (settings.articles_dir / "new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    result = runner.invoke(main, ["index", "status", "--index", str(settings.index_dir), "--json"])
    assert result.exit_code == 0, result.output
    status = json.loads(result.stdout)
    assert {k: v for k, v in status.items() if k != "storage"} == {
        "articles": 3, "sentences": status["sentences"], "passages": status["passages"],
        "embedder": "sentence-transformers/all-MiniLM-L6-v2", "pending": 2, "failed": []}
    assert status["storage"]["base_passages"] == status["passages"] and status["storage"]["delta_passages"] == 0

    result = runner.invoke(main, ["index", "update", *flags, "--json"])
    report = json.loads(result.stdout)
    assert (report["added"], report["unchanged"]) == (1, 3)
    assert report["failed"] == [{"path": "bad.txt", "error": "bad.txt is empty; add the article text or remove the file"}]

    (settings.articles_dir / "new.txt").rename(settings.articles_dir / "renamed.txt")
    result = runner.invoke(main, ["index", "update", *flags, "--json"])
    report = json.loads(result.stdout)
    assert report["moved"] == 1 and report["moves"] == [{"from": "new.txt", "to": "renamed.txt"}]
    result = runner.invoke(main, ["index", "status", "--index", str(settings.index_dir), "--json"])
    status = json.loads(result.stdout)
    assert status["pending"] == 0 and [f["path"] for f in status["failed"]] == ["bad.txt"]


def test_human_output_and_verify(runner: CliRunner, settings: Settings) -> None:
    (settings.articles_dir / "bad.txt").write_bytes(b"")
    result = runner.invoke(main, ["index", "update", "--articles", str(settings.articles_dir),
                                  "--index", str(settings.index_dir)])
    assert result.exit_code == 0, result.output
    assert "3 added" in result.stdout and "1 failed" in result.stdout
    assert "  bad.txt: bad.txt is empty" in result.stdout

    # without --articles, the index keeps mirroring the folder it was built from
    result = runner.invoke(main, ["index", "update", "--index", str(settings.index_dir), "--json"])
    assert json.loads(result.stdout)["unchanged"] == 3

    result = runner.invoke(main, ["index", "status", "--index", str(settings.index_dir)])
    assert result.exit_code == 0 and "Pending:   none" in result.stdout  # bad.txt failed before: not pending
    assert "Failed:    1 file (each skipped until it changes)" in result.stdout and "  bad.txt: bad.txt is empty" in result.stdout
    assert "Storage:   " in result.stdout and "in the delta" in result.stdout

    result = runner.invoke(main, ["index", "verify", "--index", str(settings.index_dir)])
    assert result.exit_code == 0 and result.stdout.startswith("OK:")

    result = runner.invoke(main, ["index", "rebuild", "--index", str(settings.index_dir), "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["added"] == 3

    (settings.index_dir / "CURRENT").write_text('{"format": 2, "epoch": 42}')
    result = runner.invoke(main, ["index", "verify", "--index", str(settings.index_dir)])
    assert result.exit_code == 1 and "qa-assistant index rebuild" in result.stdout
    result = runner.invoke(main, ["index", "status", "--index", str(settings.index_dir)])
    assert result.exit_code == 1 and "qa-assistant index rebuild" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_status_without_an_index(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["index", "status", "--index", str(tmp_path / "none")])
    assert result.exit_code == 1 and "qa-assistant index update" in result.output


def test_a_build_shows_one_progress_bar_not_one_line_per_group(runner: CliRunner, settings: Settings,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import qa_assistant.index.apply as apply

    monkeypatch.setattr(apply, "_GROUP_TEXTS", 40)  # reading and embedding take turns, as in a big folder
    many_articles(settings.articles_dir, 30)
    result = runner.invoke(main, ["index", "rebuild", "--articles", str(settings.articles_dir),
                                  "--index", str(settings.index_dir)])
    assert result.exit_code == 0, result.output
    assert "33 added" in result.stdout
    assert result.stderr.count("Indexing") == 1 and "Reading" not in result.stderr
