"""`qa-assistant check`: saved answers against the articles as they are now (real files, real embedder)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from qa_assistant.citations.recheck import locate, recheck
from qa_assistant.citations.saved import SavedAnswerError, load_saved_answers
from qa_assistant.cli import main
from qa_assistant.config import Settings
from qa_assistant.ingest import parse_document

OIL = ("Oil embargo shakes the West\n\n"
       "In October 1973 the members of OPEC proclaimed an oil embargo against nations that supported Israel. "
       "By the end of the embargo in March 1974, the price of oil had risen from 3 dollars per barrel to nearly "
       "12 dollars. The crisis led to fuel rationing in several countries.\n")
MAYOR = ("Riverton elects a new mayor\n\n"
         "Maria Okafor was elected mayor of Riverton on Sunday with 61 percent of the vote. "
         "She promised to rebuild the old river bridge within two years.\n")
VOLCANO = ("Volcano erupts near Grindavik\n\n"
           "A volcano on the Reykjanes peninsula in Iceland erupted on Monday night. "
           "Authorities evacuated the fishing town of Grindavik as a precaution.\n")


def citation(folder: Path, relpath: str, n: int, sentence: str) -> dict:
    data = (folder / relpath).read_bytes()
    doc = parse_document(relpath, data, 0.0, Settings())
    start = doc.text.index(sentence)
    return {"n": n, "article": relpath, "title": doc.title, "start": start, "end": start + len(sentence),
            "text": sentence}


@pytest.fixture
def saved(tmp_path: Path) -> tuple[Path, Path]:
    """An articles folder and a JSON-lines file of two answers citing it (all citations ok)."""
    articles = tmp_path / "articles"
    (articles / "energy").mkdir(parents=True)
    (articles / "energy" / "oil.txt").write_text(OIL, encoding="utf-8")
    (articles / "mayor.txt").write_text(MAYOR, encoding="utf-8")
    (articles / "volcano.txt").write_text(VOLCANO, encoding="utf-8")
    c1 = citation(articles, "energy/oil.txt", 1, "In October 1973 the members of OPEC proclaimed an oil embargo "
                                                 "against nations that supported Israel.")
    c2 = citation(articles, "energy/oil.txt", 2, "By the end of the embargo in March 1974, the price of oil had "
                                                 "risen from 3 dollars per barrel to nearly 12 dollars.")
    c3 = citation(articles, "mayor.txt", 1, "Maria Okafor was elected mayor of Riverton on Sunday with 61 percent "
                                            "of the vote.")
    c4 = citation(articles, "volcano.txt", 2, "Authorities evacuated the fishing town of Grindavik as a precaution.")
    first = {"id": "q1", "question": "What happened to oil in 1973?",
             "answer": "OPEC proclaimed an oil embargo in October 1973 [1]. Oil rose to nearly 12 dollars [2].",
             "mode": "llm", "citations": [c1, c2],
             "sentences": [
                 {"text": "OPEC proclaimed an oil embargo in October 1973 [1].", "citations": [1],
                  "verdict": "supported", "support": 0.9},
                 {"text": "Oil rose to nearly 12 dollars [2].", "citations": [2], "verdict": "partial",
                  "support": 0.6}]}
    second = {"id": "q2", "question": "Who won in Riverton?",
              "answer": "Maria Okafor was elected mayor with 61 percent [1]. Grindavik was evacuated.",
              "mode": "llm", "citations": [c3, c4],
              "sentences": [
                  {"text": "Maria Okafor was elected mayor with 61 percent [1].", "citations": [1],
                   "verdict": "supported", "support": 0.9},
                  {"text": "Grindavik was evacuated.", "citations": [2], "verdict": "attributed", "support": 0.7}]}
    path = tmp_path / "answers.jsonl"
    path.write_text(json.dumps(first) + "\n" + json.dumps(second) + "\n", encoding="utf-8")
    return articles, path


def edit_articles(articles: Path) -> None:
    """Move the oil article's second sentence, delete the mayor article, keep the volcano."""
    (articles / "energy" / "oil.txt").write_text(OIL.replace("In October 1973", "Update: prices eased.\n\nIn October 1973"))
    (articles / "mayor.txt").unlink()


def test_locate() -> None:
    text = "Alpha beta. Gamma delta. Gamma delta."
    assert locate(text, "Gamma delta.", 12, 24) == ("ok", 12, 24)
    assert locate(text, "Gamma delta.", 26, 38) == ("moved", 25, 37)
    assert locate("Alpha beta.  Gamma\n delta.", "Gamma delta.", 0, 12) == ("moved", 13, 26)
    assert locate(text, "Epsilon.", 0, 8) == ("gone", -1, -1)


@pytest.mark.slow
def test_unchanged_articles_are_ok(saved: tuple[Path, Path], checker) -> None:
    articles, path = saved
    report = recheck(path, Settings(), articles, checker=checker)
    assert not report.changed
    assert report.counts["ok"] == 4 and report.counts["citations"] == 4
    first, second = report.answers
    # judged against the question, as live: the rise to 12 dollars is stated, but not as "in 1973"
    assert [s.verdict for s in first.sentences] == ["supported", "partial"]
    assert second.sentences[1].verdict == "attributed" and second.sentences[1].citations == (2,)


@pytest.mark.slow
def test_moved_and_gone_citations(saved: tuple[Path, Path], checker) -> None:
    articles, path = saved
    edit_articles(articles)
    report = recheck(path, Settings(), articles, checker=checker)
    assert report.changed
    assert report.counts == {"answers": 2, "citations": 4, "ok": 1, "moved": 2, "gone": 1, "verdicts_changed": 1}
    first, second = report.answers
    text = parse_document("energy/oil.txt", (articles / "energy" / "oil.txt").read_bytes(), 0.0, Settings()).text
    for check in first.citations:
        assert check.status == "moved"
        assert text[check.new_start:check.new_end] == check.text
    # judged against the question, as live: the rise to 12 dollars is stated, but not as "in 1973"
    assert [s.verdict for s in first.sentences] == ["supported", "partial"]
    gone, ok = second.citations
    assert (gone.status, gone.reason) == ("gone", "article missing")
    assert ok.status == "ok"
    lost = second.sentences[0]
    assert (lost.verdict, lost.citations, lost.invalid_citations) == ("unsupported", (), (1,))


@pytest.mark.slow
def test_cli_report_json_and_exit_codes(saved: tuple[Path, Path]) -> None:
    articles, path = saved
    runner = CliRunner()
    clean = runner.invoke(main, ["check", str(path), "--articles", str(articles)])
    assert clean.exit_code == 0, clean.output
    assert "4 citation(s): 4 ok, 0 moved, 0 gone" in clean.output

    edit_articles(articles)
    result = runner.invoke(main, ["check", str(path), "--articles", str(articles)])
    assert result.exit_code == 1, result.output
    assert "MOVED energy/oil.txt" in result.output and "GONE  mayor.txt" in result.output
    assert "(article missing)" in result.output and "(was supported)" in result.output

    as_json = runner.invoke(main, ["check", str(path), "--articles", str(articles), "--json"])
    assert as_json.exit_code == 1
    report = json.loads(as_json.output)
    assert report["summary"]["moved"] == 2 and report["summary"]["gone"] == 1
    statuses = [c["status"] for a in report["answers"] for c in a["citations"]]
    assert statuses == ["moved", "moved", "gone", "ok"]
    assert report["answers"][1]["sentences"][0]["saved_verdict"] == "supported"


@pytest.mark.slow
def test_markdown_export_is_checked(saved: tuple[Path, Path], checker) -> None:
    articles, path = saved
    record = json.loads(path.read_text().splitlines()[0])
    markdown = path.with_suffix(".md")
    markdown.write_text(f"# {record['question']}\n\nSome prose.\n\n## Answer record\n\n```json\n"
                        f"{json.dumps(record, indent=2)}\n```\n", encoding="utf-8")
    report = recheck(markdown, Settings(), articles, checker=checker)
    assert [a.line for a in report.answers] == [8]
    assert report.counts["ok"] == 2


def test_bad_json_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "answers.jsonl"
    path.write_text('{"citations": []}\n{"citations": [}\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path), "--articles", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {path} line 2: invalid JSON")
    assert len(result.output.strip().splitlines()) == 1


def test_unreadable_inputs(tmp_path: Path) -> None:
    pretty = tmp_path / "one.json"
    pretty.write_text('{\n  "citations": [\n    {"n": 1,}\n  ]\n}\n')
    with pytest.raises(SavedAnswerError, match=r"one\.json line 3: invalid JSON"):
        load_saved_answers(pretty)
    fenced = tmp_path / "a.md"
    fenced.write_text("# Q\n\n```json\n{\n  \"citations\": 5\n}\n```\n")
    with pytest.raises(SavedAnswerError, match=r"a\.md line 4: not a saved answer"):
        load_saved_answers(fenced)
    with pytest.raises(SavedAnswerError, match="no such file"):
        load_saved_answers(tmp_path / "missing.jsonl")
    blank = tmp_path / "blank.jsonl"
    blank.write_text("\n  \n")
    with pytest.raises(SavedAnswerError, match=r"blank\.jsonl is empty"):
        load_saved_answers(blank)
    array = tmp_path / "many.json"
    array.write_text(json.dumps([{"citations": []}, {"citations": []}]))
    assert len(load_saved_answers(array)) == 2


def test_hostile_saved_answer_files_are_one_line_errors(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(SavedAnswerError, match=r"deep\.json: its JSON is nested too deeply"):
        load_saved_answers(deep)
    nul = tmp_path / "nul.json"
    nul.write_text(json.dumps({"citations": [{"n": 1, "article": "a\x00.txt", "start": 0, "end": 1, "text": "x"}]}))
    with pytest.raises(SavedAnswerError, match=r"nul\.json line 1: citation \[1\] names an article path with a NUL"):
        load_saved_answers(nul)
    bad_type = tmp_path / "bad.json"
    bad_type.write_text(json.dumps({"citations": [{"n": "one", "article": "a.txt", "start": 0, "end": 1,
                                                   "text": "x"}]}))
    with pytest.raises(SavedAnswerError, match=r"bad\.json line 1: the answer record is malformed"):
        load_saved_answers(bad_type)


def test_a_lone_surrogate_in_a_saved_answer_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "surrogate.json"
    path.write_text('{"answer": "The coach \\ud800 left [1].", "citations": [{"n": 1, "article": "a.txt", '
                    '"start": 0, "end": 4, "text": "Harb"}]}\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path), "--articles", str(tmp_path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().splitlines() == [
        f"Error: {path} line 1: the answer record holds text that is not valid Unicode "
        "(a lone surrogate such as \\ud800)"]


@pytest.mark.slow
def test_an_unchanged_answer_is_rechecked_to_the_verdicts_it_was_given(saved: tuple[Path, Path], checker,
                                                                       tmp_path: Path) -> None:
    """The re-check judges against the question, as the live check did: same verdicts, same support."""
    from qa_assistant.models import Citation

    articles, _ = saved
    c1 = citation(articles, "mayor.txt", 1, "Maria Okafor was elected mayor of Riverton on Sunday with 61 percent "
                                            "of the vote.")
    c2 = citation(articles, "energy/oil.txt", 2, "By the end of the embargo in March 1974, the price of oil had "
                                                 "risen from 3 dollars per barrel to nearly 12 dollars.")
    question = "Who was elected mayor of Riverton, and with what share of the vote?"
    text = "Maria Okafor was elected mayor of Riverton with 61 percent [1]. She won with 80 percent [1]."
    live = checker.check(text, [Citation(**c1), Citation(**c2)], question=question)
    answer = {"id": "q", "question": question, "answer": text, "mode": "llm", "citations": [c1, c2],
              "sentences": [{"text": s.text, "citations": list(s.citations), "verdict": s.verdict,
                             "support": s.support} for s in live]}
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(answer) + "\n", encoding="utf-8")
    today = recheck(path, Settings(), articles, checker=checker).answers[0].sentences
    assert [s.verdict for s in today] == [s.verdict for s in live]
    assert [s.support for s in today] == pytest.approx([s.support for s in live], abs=1e-6)
    assert live[0].verdict == "supported" and live[1].verdict != "supported"
