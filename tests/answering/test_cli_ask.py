"""``qa-assistant ask`` and ``qa-assistant eval`` through click's CliRunner (real models)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from answer_helpers import write_articles
from click.testing import CliRunner

from qa_assistant.cli import main


def test_model_path_that_does_not_exist_is_a_one_line_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["ask", "Where?", "--articles", str(tmp_path),
                                       "--index", str(tmp_path / "index"), "--model", str(tmp_path / "nope.gguf")])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1 and "model_path" in lines[0]


def test_ask_needs_a_question_or_a_batch() -> None:
    result = CliRunner().invoke(main, ["ask"])
    assert result.exit_code == 2 and "--batch" in result.output


@pytest.mark.parametrize("blank", ["", "   ", "\n\t"])
def test_an_empty_question_is_a_usage_error(blank: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["ask", blank, "--index", str(tmp_path / "index")])
    assert result.exit_code == 2 and "the QUESTION is empty" in result.output
    assert not (tmp_path / "index").exists()  # nothing was loaded or built


@pytest.mark.slow
def test_first_ask_builds_the_index_and_json_matches_the_answer_record(
    articles_dir: Path, tmp_path: Path
) -> None:
    index = tmp_path / "fresh-index"
    result = CliRunner().invoke(main, ["ask", "Which countries banned driving on Sundays?", "--json",
                                       "--extractive", "--articles", str(articles_dir), "--index", str(index)])
    assert result.exit_code == 0, result.output
    assert "Indexing" in result.stderr
    data = json.loads(result.stdout)
    assert set(data) >= {"id", "question", "answer", "mode", "sentences", "citations", "passages", "timings_ms"}
    assert data["mode"] == "extractive" and data["citations"]
    assert set(data["citations"][0]) == {"n", "article", "title", "start", "end", "text"}
    assert set(data["sentences"][0]) >= {"text", "citations", "verdict", "support"}
    assert "Norway" in data["answer"]

    shown = CliRunner().invoke(main, ["ask", "Where did the volcano erupt?", "--extractive",
                                      "--articles", str(articles_dir), "--index", str(index)])
    assert shown.exit_code == 0, shown.output
    assert "Indexing" not in shown.stderr
    assert "Sources:" in shown.stdout and "science/volcano.txt:" in shown.stdout
    assert "supported" in shown.stdout


@pytest.mark.slow
def test_batch_answers_every_good_line_and_reports_malformed_ones(articles_dir: Path, tmp_path: Path) -> None:
    batch = tmp_path / "questions.jsonl"
    batch.write_text("\n".join([
        json.dumps({"id": "a", "question": "Where did the volcano erupt?"}),
        "{not json",
        json.dumps({"id": 7, "question": "Who was elected mayor of Riverton?"}),
        json.dumps({"id": "c"}),
        "",
        json.dumps({"id": "d", "question": "What will the new library have?"}),
    ]) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["ask", "--batch", str(batch), "--extractive",
                                       "--articles", str(articles_dir), "--index", str(tmp_path / "index")])
    assert result.exit_code == 1
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["id"] for a in answers] == ["a", "7", "d"]
    assert all(a["citations"] for a in answers)
    assert "line 2:" in result.stderr and "line 4:" in result.stderr
    assert "3 question(s); 2 malformed" in result.stderr


@pytest.mark.slow
def test_eval_reports_the_metrics_of_a_small_set(tmp_path: Path) -> None:
    text = "Bobby Fischer won the 1972 World Chess Championship. The match was played in Reykjavik.\n"
    root = tmp_path / "tiny"
    write_articles(root / "articles", {"chess.txt": text, "garden.txt": "Tomatoes need full sun and water.\n"})
    start = text.index("Reykjavik")
    questions = [
        {"id": "1", "dataset": "tiny", "question": "Where was the 1972 chess match played?",
         "answers": ["Reykjavik"], "evidence": [{"article": "chess.txt", "start": start, "end": start + 9}]},
        {"id": "2", "dataset": "tiny", "question": "What do tomatoes need?", "answers": ["full sun"],
         "evidence": [{"article": "garden.txt", "start": 17, "end": 25}]},
    ]
    (root / "questions.jsonl").write_text("".join(json.dumps(q) + "\n" for q in questions), encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", str(root), "--extractive", "--json",
                                       "--index", str(tmp_path / "index")])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["questions"] == 2 and summary["offset_integrity"] == 1.0
    assert summary["recall@5"] == 1.0 and summary["citation_recall"] == 1.0 and summary["answer_hit"] == 1.0

    table = CliRunner().invoke(main, ["eval", str(root), "--extractive", "--limit", "1",
                                      "--index", str(tmp_path / "index")])
    assert table.exit_code == 0, table.output
    assert "retrieval recall@5" in table.stdout and "offset integrity" in table.stdout


def test_a_cut_answer_is_printed_again_as_kept(capsys: pytest.CaptureFixture[str]) -> None:
    from qa_assistant.cli.ask_cmds import print_answer
    from qa_assistant.models import Answer, AnswerSentence

    kept = "The council approved 12 million dollars. [1]"
    answer = Answer(question="How much?", answer=kept, mode="llm", citations=(), passages=(),
                    sentences=(AnswerSentence(text=kept, citations=(), verdict="unsupported", support=0.1),))
    print_answer(answer, kept + " 2. The")  # the model went on with a list number: generation was cut
    assert f"Answer, without what the model wrote after it: {kept}" in capsys.readouterr().out
    print_answer(answer, kept)  # nothing was cut: the streamed text stands
    assert "Answer" not in capsys.readouterr().out.replace(kept, "")
