"""The export cache's bookkeeping: atomic writes, crash leftovers, damaged files.

The exporter is replaced by one that writes a small file (or fails), to inject
faults without spending seconds on a real export; the real export is covered in
test_embed.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qa_assistant.embedding import onnx_export


@pytest.fixture()
def source(tmp_path: Path) -> Path:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "modules.json").write_text("[]")
    (folder / "model.safetensors").write_bytes(b"weights")
    return folder


class Exporter:
    """Writes ``onnx/model.onnx``; counts calls; fails when told to."""

    def __init__(self) -> None:
        self.calls = 0
        self.fail: Exception | None = None

    def __call__(self, source: Path, target: Path, quantization: str | None) -> str:
        self.calls += 1
        (target / "onnx").mkdir()
        (target / "onnx" / "model.onnx").write_bytes(b"graph" * 1000)
        if self.fail is not None:
            raise self.fail
        return "onnx/model.onnx"


def test_export_is_made_once_then_reused(source: Path, tmp_path: Path) -> None:
    exporter = Exporter()
    first = onnx_export.ensure_export(source, tmp_path / "cache", "acme/encoder", None, exporter)
    assert first.exported and exporter.calls == 1
    assert first.folder == tmp_path / "cache" / "embedders" / first.folder.parent.name / "onnx"
    assert first.folder.parent.name.startswith("acme--encoder-")
    again = onnx_export.ensure_export(source, tmp_path / "cache", "acme/encoder", None, exporter)
    assert not again.exported and exporter.calls == 1
    assert again.folder == first.folder and again.file_name == "onnx/model.onnx"


def test_a_failed_export_leaves_no_cache_and_no_temporary_folder(source: Path, tmp_path: Path) -> None:
    exporter = Exporter()
    exporter.fail = RuntimeError("disk full")
    with pytest.raises(RuntimeError, match="disk full"):
        onnx_export.ensure_export(source, tmp_path / "cache", "m", "avx2_s8", exporter)
    parent = next((tmp_path / "cache" / "embedders").iterdir())
    assert list(parent.iterdir()) == []
    exporter.fail = None
    made = onnx_export.ensure_export(source, tmp_path / "cache", "m", "avx2_s8", exporter)
    assert made.exported and made.folder.name == "onnx-int8-avx2_s8"


@pytest.mark.parametrize("damage", ["truncate", "flip-bytes", "delete-manifest", "delete-onnx"])
def test_a_damaged_cache_is_detected_and_made_again(source: Path, tmp_path: Path, damage: str) -> None:
    exporter = Exporter()
    made = onnx_export.ensure_export(source, tmp_path / "cache", "m", None, exporter)
    onnx_file = made.folder / made.file_name
    if damage == "truncate":
        onnx_file.write_bytes(onnx_file.read_bytes()[:100])
    elif damage == "flip-bytes":
        onnx_file.write_bytes(onnx_file.read_bytes().replace(b"g", b"G"))
    elif damage == "delete-manifest":
        (made.folder / onnx_export.MANIFEST_NAME).unlink()
    else:
        onnx_file.unlink()
    again = onnx_export.ensure_export(source, tmp_path / "cache", "m", None, exporter)
    assert again.exported and exporter.calls == 2
    assert not onnx_export.ensure_export(source, tmp_path / "cache", "m", None, exporter).exported


def test_a_changed_model_folder_gets_its_own_export(source: Path, tmp_path: Path) -> None:
    exporter = Exporter()
    first = onnx_export.ensure_export(source, tmp_path / "cache", "m", None, exporter)
    (source / "model.safetensors").write_bytes(b"new weights")
    second = onnx_export.ensure_export(source, tmp_path / "cache", "m", None, exporter)
    assert second.exported and second.folder != first.folder


def test_leftovers_of_a_killed_export_are_removed(source: Path, tmp_path: Path) -> None:
    exporter = Exporter()
    made = onnx_export.ensure_export(source, tmp_path / "cache", "m", None, exporter)
    onnx_export.remove_folder(made.folder)
    dead = made.folder.with_name(".onnx.tmp-999999999-deadbeef")  # no such process
    dead.mkdir()
    (dead / "half.onnx").write_bytes(b"half")
    onnx_export.ensure_export(source, tmp_path / "cache", "m", None, exporter)
    assert not dead.exists()
    assert sorted(p.name for p in made.folder.parent.iterdir()) == ["onnx"]


def test_the_quantized_graph_is_found(tmp_path: Path) -> None:
    (tmp_path / "onnx").mkdir()
    (tmp_path / "onnx" / "model_qint8_avx2_s8.onnx").write_bytes(b"graph")
    assert onnx_export.quantized_file(tmp_path, "avx2_s8") == "onnx/model_qint8_avx2_s8.onnx"


def test_a_quantizer_that_wrote_nothing_is_an_export_error(tmp_path: Path) -> None:
    (tmp_path / "onnx").mkdir()
    with pytest.raises(onnx_export.ExportError, match="model_qint8_avx512.onnx"):
        onnx_export.quantized_file(tmp_path, "avx512")


def test_the_avx2_config_quantizes_to_signed_weights() -> None:
    # on AVX2 without AVX-512, ONNX Runtime multiplies by signed weights ~18% faster than by
    # optimum's unsigned ones, at the same closeness to fp32 (bench/int8_weights.py)
    from onnxruntime.quantization import QuantType
    from optimum.onnxruntime.configuration import AutoQuantizationConfig

    config = onnx_export._avx2_signed_config()
    optimum_avx2 = AutoQuantizationConfig.avx2(is_static=False)
    assert config.weights_dtype == QuantType.QInt8 and optimum_avx2.weights_dtype == QuantType.QUInt8
    assert config.activations_dtype == QuantType.QUInt8 and config.per_channel and not config.reduce_range
    assert config.operators_to_quantize == optimum_avx2.operators_to_quantize


def test_a_new_export_removes_the_retired_unsigned_avx2_export(source: Path, tmp_path: Path) -> None:
    exporter = Exporter()
    onnx_export.ensure_export(source, tmp_path / "cache", "m", None, exporter)
    parent = next((tmp_path / "cache" / "embedders").iterdir())
    retired = parent / "onnx-int8-avx2"
    (retired / "onnx").mkdir(parents=True)
    (retired / "onnx" / "model_quint8_avx2.onnx").write_bytes(b"old graph")
    made = onnx_export.ensure_export(source, tmp_path / "cache", "m", "avx2_s8", exporter)
    assert sorted(p.name for p in parent.iterdir()) == ["onnx", made.folder.name]
