"""The LLM judge on real GGUFs: the packaged SmolLM2, and a stronger one when QA_TEST_GGUF names it."""

from __future__ import annotations

import math
import os
import threading
from pathlib import Path

import pytest

from qa_assistant.citations import LLMJudge

SOURCE = ("A U.S. airstrike at Baghdad's international airport on Friday killed Iran's top general, "
          "Qassem Soleimani, the commander of the elite Quds Force.")
QUESTION = "Who was killed by the U.S. airstrike at Baghdad airport?"
RIGHT = "The U.S. airstrike at Baghdad airport killed Iranian general Qassem Soleimani."
WRONG = "The U.S. airstrike at Baghdad airport killed a senior Syrian government official."

pytestmark = pytest.mark.slow


def load(path: Path | None):
    from qa_assistant.answering.llm import LocalLLM
    from qa_assistant.config import Settings

    return LocalLLM.load(Settings(model_path=path, n_threads=1))


@pytest.fixture(scope="module")
def default_llm():
    llm = load(None)
    yield llm
    llm.close()


def test_the_judge_reads_log_odds_from_the_default_model(default_llm) -> None:
    judge = LLMJudge(default_llm.llama, default_llm.lock)
    first = judge.log_odds(RIGHT, [SOURCE], QUESTION)
    assert math.isfinite(first)
    # the evaluated prefix is reused between claims; the score must not depend on what came before
    other = judge.log_odds(WRONG, [SOURCE], QUESTION)
    assert judge.log_odds(RIGHT, [SOURCE], QUESTION) == pytest.approx(first, abs=0.02)
    assert judge.log_odds_many([RIGHT, WRONG], [SOURCE], QUESTION) == pytest.approx([first, other], abs=0.02)


def test_the_judge_waits_for_the_models_lock(default_llm) -> None:
    judge = LLMJudge(default_llm.llama, default_llm.lock)
    done = threading.Event()
    with default_llm.lock:  # as a generation holds it
        worker = threading.Thread(target=lambda: (judge.log_odds(RIGHT, [SOURCE], QUESTION), done.set()))
        worker.start()
        assert not done.wait(0.5)
    worker.join(timeout=120)
    assert done.is_set()


def test_a_stronger_model_tells_the_right_claim_from_the_wrong_one() -> None:
    path = os.environ.get("QA_TEST_GGUF")
    if not path or not Path(path).is_file():
        pytest.skip("set QA_TEST_GGUF to a stronger instruct GGUF (bench/assemble_gguf.py makes them)")
    llm = load(Path(path))
    try:
        judge = LLMJudge(llm.llama, llm.lock)
        assert judge.log_odds(RIGHT, [SOURCE], QUESTION) > judge.log_odds(WRONG, [SOURCE], QUESTION)
    finally:
        llm.close()
