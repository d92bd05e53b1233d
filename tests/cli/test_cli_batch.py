"""``ask --batch`` reads its file line by line: a bad line is reported by number and skipped, never fatal."""

from __future__ import annotations

import codecs
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from qa_assistant.cli import main
from qa_assistant.cli.ask_cmds import batch_lines

ARTICLE = ("Volcano erupts near Grindavik\n\nA volcano on the Reykjanes peninsula in Iceland erupted on Monday "
           "night. Authorities evacuated the fishing town of Grindavik as a precaution.\n")


def line(item: object) -> bytes:
    return json.dumps(item, ensure_ascii=False).encode("utf-8") + b"\n"


def test_batch_lines_decode_each_line_on_its_own() -> None:
    data = (codecs.BOM_UTF8 + line({"id": "a", "question": "Where did the volcano erupt?"})
            + b'{"id": "b", "question": "caf\xe9?"}\n'
            + b"\n"
            + line({"id": "c", "question": "Qu'a-t-on évacué ?"}))
    found = list(batch_lines(io.BytesIO(data)))
    assert [(n, item["id"] if item else None) for n, item, _ in found] == [(1, "a"), (2, None), (4, "c")]
    assert found[1][2] == "not UTF-8 text (byte 0xe9 at column 29)"


def test_a_lone_surrogate_escape_is_reported_not_asked() -> None:
    data = b'{"id": "a", "question": "\\ud800 where?"}\n' + line({"id": "b", "question": "Where?"})
    found = list(batch_lines(io.BytesIO(data)))
    assert [(n, item["id"] if item else None) for n, item, _ in found] == [(1, None), (2, "b")]
    assert "lone surrogate" in found[0][2]


def test_a_question_argument_that_is_not_utf8_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["ask", "coach \udcff?"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.strip().splitlines()[-1] == (
        "Error: the QUESTION is not valid UTF-8 text; type it again in a UTF-8 terminal")


@pytest.mark.slow
def test_an_undecodable_line_is_skipped_and_the_rest_answered(runner_with_embedder: CliRunner,
                                                              tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "volcano.txt").write_text(ARTICLE, encoding="utf-8")
    batch = tmp_path / "questions.jsonl"
    batch.write_bytes(line({"id": "a", "question": "Where did the volcano erupt?"})
                      + b'{"id": "b", "question": "\xff\xfe bad bytes"}\n'
                      + line({"id": "c", "question": "Which town was evacuated?"}))
    result = runner_with_embedder.invoke(main, ["ask", "--batch", str(batch), "--extractive", "--articles",
                                                str(articles), "--index", str(tmp_path / "index")])
    assert result.exit_code == 1, result.output  # a malformed line makes the exit status 1
    assert "Traceback" not in result.output
    answers = [json.loads(row) for row in result.stdout.splitlines()]
    assert [a["id"] for a in answers] == ["a", "c"] and all(a["citations"] for a in answers)
    assert f"{batch}: line 2: not UTF-8 text" in result.stderr
    assert "answered 2 question(s); 1 malformed" in result.stderr
    # the first ask built the index, with the progress bar of `index update` (its label alone when not a terminal)
    assert [line.strip() for line in result.stderr.splitlines()].count("Indexing") == 1
