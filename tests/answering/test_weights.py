"""The packaged Q4_1 model loads through a Q8_0 copy made once (real llama.cpp, real files)."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from qa_assistant.answering.llm import LocalLLM, packaged_model_path
from qa_assistant.answering.weights import COPY_FOLDER, weights_to_load
from qa_assistant.config import Settings

pytestmark = pytest.mark.slow

PROMPT = "Sources:\n[1] In October 1973 OPEC proclaimed an oil embargo.\nQuestion: When did OPEC proclaim it?\nAnswer:"


def _next_token_logits(llm: LocalLLM) -> np.ndarray:
    llama = llm.llama
    llama.reset()
    llama.eval(llama.tokenize(PROMPT.encode()))
    from llama_cpp import llama_get_logits

    return np.ctypeslib.as_array(llama_get_logits(llama.ctx), shape=(llama.n_vocab(),)).astype(np.float64)


def test_q4_1_model_loads_through_one_q8_0_copy(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    settings = Settings(cache_dir=tmp_path)
    llm = LocalLLM.load(settings)
    try:
        copy = llm.weights
        assert copy.parent == tmp_path / COPY_FOLDER and copy.name.endswith(".q8_0.gguf")
        assert copy.read_bytes()[:4] == b"GGUF"
        assert llm.path == packaged_model_path() and llm.name == packaged_model_path().stem
        assert not capfd.readouterr().err  # llama.cpp's quantizer prints nothing at the user
        made = copy.stat().st_mtime_ns
        with_copy = _next_token_logits(llm)
    finally:
        llm.close()
    assert weights_to_load(packaged_model_path(), settings) == copy and copy.stat().st_mtime_ns == made

    direct = LocalLLM.load(Settings(cache_dir=tmp_path, q4_1_as_q8_0=False))
    try:
        assert direct.weights == packaged_model_path()
        from_file = _next_token_logits(direct)
    finally:
        direct.close()
    # the copy holds the Q4_1 weights to within 8-bit rounding: the same next token, nearly the same logits
    assert int(np.argmax(with_copy)) == int(np.argmax(from_file))
    assert np.corrcoef(with_copy, from_file)[0, 1] > 0.995  # 0.998 measured
    # near-ties may swap places by CPU (an AVX2-only one moved the 2nd likeliest token to 6th), but
    # each side's five likeliest tokens stay among the other's eight likeliest
    assert set(np.argsort(with_copy)[-5:]) <= set(np.argsort(from_file)[-8:])
    assert set(np.argsort(from_file)[-5:]) <= set(np.argsort(with_copy)[-8:])


def test_other_weight_types_load_as_they_are(tmp_path: Path) -> None:
    settings = Settings(cache_dir=tmp_path / "cache")
    q8 = weights_to_load(packaged_model_path(), settings)
    own = tmp_path / "own-q8_0.gguf"
    shutil.copyfile(q8, own)
    assert weights_to_load(own, settings) == own
    assert list((tmp_path / "cache" / COPY_FOLDER).glob("own-q8_0.*.as-is"))  # its type is read once


def test_an_unwritable_cache_loads_the_file_itself(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache folder should be")
    with caplog.at_level(logging.WARNING):
        assert weights_to_load(packaged_model_path(), Settings(cache_dir=blocked)) == packaged_model_path()
    assert "no Q8_0 copy could be made" in caplog.text


def test_a_damaged_copy_falls_back_to_the_file_and_is_made_again(tmp_path: Path) -> None:
    settings = Settings(cache_dir=tmp_path)
    copy = weights_to_load(packaged_model_path(), settings)
    copy.write_bytes(copy.read_bytes()[:8192])
    llm = LocalLLM.load(settings)
    try:
        assert llm.weights == packaged_model_path()
        assert next(llm.stream_chat([{"role": "user", "content": "Say yes."}], max_tokens=3), "")
    finally:
        llm.close()
    assert not copy.exists()
    assert weights_to_load(packaged_model_path(), settings) == copy and copy.stat().st_size > 10_000_000
