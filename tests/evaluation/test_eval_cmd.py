"""``qa-assistant eval`` reports the verifier's figures: right vs wrong claims, refusals (real models)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from qa_assistant.cli import main

ARTICLE = ("A U.S. airstrike at Baghdad's international airport on Friday killed Iran's top general, "
           "Qassem Soleimani, the commander of the elite Quds Force.\n"
           "Oil prices rose by 4 percent after the attack.\n")


@pytest.mark.slow
def test_eval_reports_claims_and_refusals(tmp_path: Path) -> None:
    root = tmp_path / "tiny"
    (root / "articles").mkdir(parents=True)
    (root / "articles" / "strike.txt").write_text(ARTICLE, encoding="utf-8")
    first = ARTICLE.index("A U.S.")
    second = ARTICLE.index("Oil prices")
    questions = [
        {"id": "1", "dataset": "tiny", "question": "Who was killed by the U.S. airstrike at Baghdad airport?",
         "answers": ["Qassem Soleimani", "Iran's top general"],
         "wrong_answers": ["A senior Syrian government official", "Hassan Nasrallah"],
         "answerable": True, "evidence": [{"article": "strike.txt", "start": first, "end": first + 40}]},
        {"id": "2", "dataset": "tiny", "question": "How much did oil prices rise after the attack?",
         "answers": ["4 percent"], "wrong_answers": ["9 percent"], "answerable": True,
         "evidence": [{"article": "strike.txt", "start": second, "end": second + 20}]},
        {"id": "3", "dataset": "tiny", "question": "What is the capital of Australia?", "answers": [],
         "answerable": False, "evidence": []},
    ]
    (root / "questions.jsonl").write_text("".join(json.dumps(q) + "\n" for q in questions), encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", str(root), "--extractive", "--json",
                                       "--index", str(tmp_path / "index")])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["claims_right"], summary["claims_wrong"]) == (3, 3)
    assert summary["right_wrong_auroc"] > 0.5
    assert summary["wrong_supported"] == 0.0  # none of the wrong options passes
    assert summary["refused_unanswerable"] in (0.0, 1.0) and summary["refused_answerable"] is not None
    for key in ("right_supported", "supported_right", "supported_but_wrong", "mode_fallbacks"):
        assert key in summary

    table = CliRunner().invoke(main, ["eval", str(root), "--extractive", "--index", str(tmp_path / "index")])
    assert table.exit_code == 0, table.output
    for label in ("claims AUROC right vs wrong", "wrong claims supported", "unanswerable refused",
                  "all supported but wrong", "answers replaced by extractive"):
        assert label in table.stdout
