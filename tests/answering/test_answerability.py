"""Refusals read by a judging model: weights per model, one-line errors, and a stronger GGUF when QA_TEST_GGUF names it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from answer_helpers import final_answer

from qa_assistant.answering.engine import NOT_COVERED, Engine
from qa_assistant.answering.refusal import Evidence, RefusalModel, load_judged, refusal_for
from qa_assistant.errors import ModelLoadError

AIRPORT = ("A U.S. airstrike at Baghdad's international airport on Friday killed Iran's top general, "
           "Qassem Soleimani, the commander of the elite Quds Force.")
OIL = "Oil prices rose more than 4 percent after the strike, and gold climbed to a six-year high."
QUESTION = "Who was killed by the U.S. airstrike at Baghdad airport?"


def stronger_gguf() -> Path:
    path = os.environ.get("QA_TEST_GGUF")
    if not path or not Path(path).is_file():
        pytest.skip("set QA_TEST_GGUF to a stronger instruct GGUF (bench/assemble_gguf.py makes them)")
    return Path(path)


def test_fitted_judge_weights_are_read_by_model_name(tmp_path: Path) -> None:
    path = tmp_path / "refusal.json"
    path.write_text(json.dumps({"judged": {"some-model": {"bias": 1.0, "cosine": -2.0, "coverage": -1.0,
                                                          "judge": -0.5, "threshold": 0.7}}}))
    judged = load_judged(path)
    assert set(judged) == {"some-model"} and judged["some-model"].uses_judge
    model = judged["some-model"]
    close = Evidence(best_cosine=0.6, coverage=0.8)
    # the same retrieval evidence: a judge that reads "no answer here" tips it to a refusal, "yes" does not
    assert model.refuse(Evidence(0.6, 0.8, judge=-6.0)) and not model.refuse(Evidence(0.6, 0.8, judge=6.0))
    assert model.probability(close) == pytest.approx(model.probability(Evidence(0.6, 0.8, judge=0.0)))
    assert not refusal_for(None).uses_judge and refusal_for(None) == RefusalModel()
    assert not refusal_for("a model nobody fitted").uses_judge


@pytest.mark.slow
def test_a_judge_model_without_fitted_weights_is_a_one_line_error(engine_settings: Any, embedder: Any,
                                                                  built_index: Path) -> None:
    from qa_assistant.answering.llm import packaged_model_path

    settings = engine_settings.replace(extractive=True, judge_model_path=packaged_model_path())
    with pytest.raises(ModelLoadError) as caught:
        Engine(settings, embedder=embedder).load()
    message = str(caught.value)
    assert "\n" not in message and message.startswith("judge_model_path ")
    assert "bench/calibrate_refusal.py --model" in message


def test_a_missing_judge_model_file_names_the_setting(engine_settings: Any, tmp_path: Path) -> None:
    settings = engine_settings.replace(extractive=True, judge_model_path=tmp_path / "nope.gguf")
    with pytest.raises(ModelLoadError, match=r"^judge_model_path .*nope\.gguf: no such file"):
        Engine(settings).load()


@pytest.mark.slow
def test_the_default_model_answers_without_a_judge(llm_engine: Any) -> None:
    answer = final_answer(llm_engine.ask("Who was elected mayor of Riverton?"))
    assert not answer.refused and "judge" not in answer.timings_ms


@pytest.mark.slow
def test_a_stronger_model_reads_whether_the_sources_answer() -> None:
    from qa_assistant.answering.answerability import AnswerabilityJudge
    from qa_assistant.answering.llm import LocalLLM
    from qa_assistant.config import Settings

    path = stronger_gguf()
    if not refusal_for(path.stem).uses_judge:  # the product asks only a judge fitted weights trust
        pytest.skip(f"no refusal weights fitted for {path.stem} (bench/calibrate_refusal.py --model): "
                    "its judge is never asked")
    llm = LocalLLM.load(Settings(model_path=path, n_threads=2))
    try:
        judge = AnswerabilityJudge(llm.llama, llm.lock)
        assert judge.log_odds(QUESTION, [AIRPORT, OIL]) > 0 > judge.log_odds(QUESTION, [OIL])
    finally:
        llm.close()


@pytest.mark.slow
def test_with_a_fitted_judge_an_unanswerable_question_that_looks_answerable_is_refused(
        engine_settings: Any, embedder: Any, built_index: Path) -> None:
    path = stronger_gguf()
    if not refusal_for(path.stem).uses_judge:
        pytest.skip(f"no refusal weights fitted for {path.stem} (bench/calibrate_refusal.py --model)")
    engine = Engine(engine_settings.replace(extractive=True, judge_model_path=path), embedder=embedder)
    engine.load()
    try:
        answered = final_answer(engine.ask("Who was elected mayor of Riverton?"))
        assert not answered.refused and "Okafor" in answered.answer and "judge" in answered.timings_ms
        # the library's article is retrieved, but it never says who designed the library
        refused = final_answer(engine.ask("Who designed the new Riverton library?"))
        assert refused.refused and refused.answer == NOT_COVERED
        assert any(c.article == "city/library.txt" for c in refused.citations)
    finally:
        engine.close()


@pytest.mark.slow
def test_a_judging_model_with_a_fitted_head_also_verifies_the_answer(
        engine_settings: Any, embedder: Any, built_index: Path) -> None:
    """In LLM mode the judging model is the verifier's judge too when verifier.json holds its head."""
    from qa_assistant.citations import load_heads
    from qa_assistant.models import Citation

    path = stronger_gguf()
    if path.stem not in load_heads():
        pytest.skip(f"no verifier head fitted for {path.stem} (bench/fit_verifier.py --model)")
    engine = Engine(engine_settings.replace(judge_model_path=path), embedder=embedder)
    engine.load()
    try:
        checker = engine.checker
        assert checker is not None and checker.head.name == path.stem and checker.judge_model is not None
        sources = [Citation(1, "world/strike.txt", "Strike", 0, len(AIRPORT), AIRPORT),
                   Citation(2, "world/strike.txt", "Strike", 0, len(OIL), OIL)]
        right, = checker.check("The airstrike killed Iran's top general, Qassem Soleimani. [1]", sources,
                               question=QUESTION)
        wrong, = checker.check("The airstrike killed a senior Syrian government official. [1]", sources,
                               question=QUESTION)
        assert right.verdict == "supported" and wrong.verdict != "supported"
        assert wrong.support < right.support
    finally:
        engine.close()
