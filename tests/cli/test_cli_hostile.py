"""A hostile articles folder through the real commands: update, a second update, status and check survive it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from qa_assistant.cli import main

pytestmark = pytest.mark.slow

ARTICLE = ("Tram line approved\n\nThe council voted 9-4 on Tuesday to build the Eastside tram line.\n"
           "Work on the first stop starts in May.\n")
CITED = "The council voted 9-4 on Tuesday to build the Eastside tram line."


def hostile_folder(root: Path) -> Path:
    root.mkdir()
    (root / "ok.txt").write_text(ARTICLE, encoding="utf-8")
    (root / "a.txt").symlink_to("b.txt")
    (root / "b.txt").symlink_to("a.txt")
    (root / os.fsdecode(b"bad\xff\xfe.txt")).write_text(ARTICLE, encoding="utf-8")
    os.mkfifo(root / "pipe.txt")
    (root / "two\nlines.txt").write_bytes(b"")
    (root / "good\nname.txt").write_text(ARTICLE, encoding="utf-8")  # a valid name, indexed
    with (root / "huge.txt").open("wb") as handle:
        handle.truncate(100_000_000)  # sparse: 100 MB long
    return root


def test_update_twice_status_and_check_survive_a_hostile_folder(runner_with_embedder: CliRunner,
                                                                 tmp_path: Path) -> None:
    runner = runner_with_embedder
    articles = hostile_folder(tmp_path / "articles")
    flags = ["--articles", str(articles), "--index", str(tmp_path / "index")]

    first = runner.invoke(main, ["index", "update", *flags])
    assert first.exit_code == 0, first.output
    assert "Traceback" not in first.output and "2 added" in first.stdout
    report = first.stdout.splitlines()
    failed = report[report.index("Not indexed (a file indexed before keeps its previous version):") + 1:]
    assert [line.split(":", 1)[0].strip() for line in failed] == [
        "a.txt", "b.txt", r"bad\xff\xfe.txt", "huge.txt", "pipe.txt", r"two\nlines.txt"]
    assert "loops back on itself" in failed[0] and "not valid UTF-8" in failed[2] and "rename" in failed[2]
    assert "max_file_bytes" in failed[3] and "named pipe" in failed[4] and "is empty" in failed[5]

    again = runner.invoke(main, ["index", "update", *flags, "--json"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["unchanged"] == 2

    status = runner.invoke(main, ["index", "status", "--index", str(tmp_path / "index")])
    assert status.exit_code == 0, status.output
    assert "Articles:  2 from" in status.stdout

    start = ARTICLE.index(CITED)
    saved = {"question": "How did the council vote?", "answer": "It voted 9-4 [1]. [2] [3]",
             "sentences": [{"text": "It voted 9-4 [1].", "citations": [1], "verdict": "supported",
                            "support": 0.9}],
             "citations": [{"n": 1, "article": "ok.txt", "start": start, "end": start + len(CITED), "text": CITED},
                           {"n": 2, "article": "a.txt", "start": 0, "end": 4, "text": "Tram"},
                           {"n": 3, "article": "huge.txt", "start": 0, "end": 4, "text": "Tram"},
                           {"n": 4, "article": "good\nname.txt", "start": 0, "end": 4, "text": "Tram"}]}
    answer = tmp_path / "answer.json"
    answer.write_text(json.dumps(saved), encoding="utf-8")
    checked = runner.invoke(main, ["check", str(answer), "--articles", str(articles), "--json"])
    assert checked.exit_code == 1, checked.output  # two citations are gone
    citations = json.loads(checked.stdout)["answers"][0]["citations"]
    assert [c["status"] for c in citations] == ["ok", "gone", "gone", "ok"]
    assert "loops back on itself" in citations[1]["reason"]
    assert "max_file_bytes" in citations[2]["reason"]
    shown = runner.invoke(main, ["check", str(answer), "--articles", str(articles)])
    assert "  [4] ok    good\\nname.txt 0-4\n" in shown.stdout  # the name escaped, the report on one line

    saved["citations"][1]["article"] = "ok\x00.txt"
    answer.write_text(json.dumps(saved), encoding="utf-8")
    nul = runner.invoke(main, ["check", str(answer), "--articles", str(articles)])
    assert nul.exit_code == 1 and "Traceback" not in nul.output
    assert nul.output.startswith("Error: ") and len(nul.output.strip().splitlines()) == 1
    assert "NUL byte" in nul.output
