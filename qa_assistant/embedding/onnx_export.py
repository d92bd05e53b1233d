"""ONNX exports of a sentence-transformers model, made once and cached.

The export (and, for ``onnx-int8``, the dynamic int8 quantization) takes a few
seconds, so it runs once per model folder and backend and is kept under
``<cache_dir>/embedders/<name>-<fingerprint>/<variant>/``, never inside
site-packages.  An export is written to a temporary sibling folder and renamed
into place only when complete, with a manifest recording the ONNX file's size
and SHA-256; a cache that fails that check is removed and made again.

The export runs in a child process (``python -m qa_assistant.embedding.onnx_export``):
it needs torch, optimum and the quantizer, which peak at about 1.1 GB, and a process
that imported them keeps most of that memory for its life.  In a child, the build or
chat that asked for the export goes on at its own size (about 270 MiB for a BBC build)
and never imports torch.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import re
import shutil
import subprocess
import sys
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..fsutil import fsync_path

logger = logging.getLogger(__name__)

MANIFEST_NAME = "qa-assistant-export.json"
MANIFEST_FORMAT = 1
QUANTIZATION_CONFIGS = ("avx512_vnni", "avx512", "avx2_s8", "arm64")
"""Dynamic int8 configs, best first: sentence-transformers' own, and ``avx2_s8``."""
AVX2_SIGNED = "avx2_s8"
"""optimum's ``avx2`` config with signed int8 weights instead of its unsigned ones.

On a CPU with AVX2 but no AVX-512 ONNX Runtime multiplies unsigned activations by signed
weights faster than by unsigned ones: 189 against 229 µs of CPU a token, with vectors as
close to fp32 (mean cosine 0.9916 against 0.9918; BBC sentences, one thread)."""


class ExportError(RuntimeError):
    """An ONNX export could not be made or loaded (the message says why)."""


@dataclass(frozen=True)
class OnnxExport:
    """A complete export in the cache, ready to load with ``backend="onnx"``."""

    folder: Path
    file_name: str
    """ONNX file relative to ``folder``, e.g. ``onnx/model_qint8_avx512_vnni.onnx``."""
    exported: bool
    """True when this call made the export (False: reused the cache)."""


# --- CPU features ---------------------------------------------------------------


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> frozenset[str]:
    """The CPU feature flags the kernel reports (empty where /proc/cpuinfo is absent)."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return frozenset()
    flags: set[str] = set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() in {"flags", "features"}:
            flags.update(value.split())
    return frozenset(flags)


def quantization_config_for(flags: frozenset[str], machine: str | None = None) -> str | None:
    """The int8 config that fits a CPU: avx512_vnni > avx512 > avx2 > arm64, else None."""
    machine = (machine if machine is not None else platform.machine()).lower()
    if machine in {"aarch64", "arm64"}:
        return "arm64"
    if "avx512_vnni" in flags and "avx512f" in flags:
        return "avx512_vnni"
    if "avx512f" in flags:
        return "avx512"
    if "avx2" in flags:
        return AVX2_SIGNED
    return None


# --- cache layout ---------------------------------------------------------------


def slug(name: str) -> str:
    """A folder-safe form of a model name: ``sentence-transformers/all-MiniLM-L6-v2`` -> ``sentence-transformers--all-MiniLM-L6-v2``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name.replace("/", "--")).strip("-.") or "model"


def source_fingerprint(source: Path) -> str:
    """Short hash of the model folder's location and files (path, size, mtime), to key the cache."""
    digest = hashlib.sha256(str(source.resolve()).encode())
    for path in sorted(p for p in source.rglob("*") if p.is_file() and "onnx" not in p.relative_to(source).parts):
        stat = path.stat()
        digest.update(f"\0{path.relative_to(source).as_posix()}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:12]


def variant_name(backend: str, quantization: str | None) -> str:
    """Cache subfolder of one backend: ``onnx`` or ``onnx-int8-<config>``."""
    return backend if quantization is None else f"{backend}-int8-{quantization}"


def export_folder(cache_dir: Path, name: str, fingerprint: str, backend: str, quantization: str | None) -> Path:
    """``<cache_dir>/embedders/<name-slug>-<fingerprint>/<variant>``."""
    return cache_dir / "embedders" / f"{slug(name)}-{fingerprint}" / variant_name(backend, quantization)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cache_problem(folder: Path, fingerprint: str) -> str | None:
    """Why the export in ``folder`` cannot be used, or None when it is complete and intact."""
    manifest_path = folder / MANIFEST_NAME
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return f"{manifest_path.name} is missing"
    except (OSError, ValueError) as exc:
        return f"{manifest_path.name} is unreadable ({exc})"
    if manifest.get("format") != MANIFEST_FORMAT or manifest.get("source_fingerprint") != fingerprint:
        return "it was made by another version or from another model folder"
    onnx_file = folder / str(manifest.get("file_name", ""))
    if not onnx_file.is_file():
        return f"{manifest.get('file_name')} is missing"
    if onnx_file.stat().st_size != manifest.get("size"):
        return f"{manifest['file_name']} has {onnx_file.stat().st_size} bytes, expected {manifest.get('size')}"
    if file_sha256(onnx_file) != manifest.get("sha256"):
        return f"{manifest['file_name']} does not match its recorded SHA-256"
    return None


def read_file_name(folder: Path) -> str:
    return str(json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))["file_name"])


def remove_folder(folder: Path) -> None:
    """Move a folder aside (atomic), then delete it; a missing folder is fine."""
    if not folder.exists():
        return
    trash = folder.with_name(f".{folder.name}.trash-{uuid.uuid4().hex[:8]}")
    os.replace(folder, trash)
    shutil.rmtree(trash, ignore_errors=True)


def _remove_abandoned(parent: Path, variant: str) -> None:
    """Temporary folders left by exports whose process is gone."""
    for path in parent.glob(f".{variant}.tmp-*"):
        pid = path.name.rsplit("-", 2)[-2]
        if pid.isdigit() and not _process_alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)
    for path in parent.glob(f".{variant}.trash-*"):
        shutil.rmtree(path, ignore_errors=True)


RETIRED_VARIANTS = ("onnx-int8-avx2",)
"""Exports no config makes any more: ``avx2`` (unsigned weights) gave way to ``avx2_s8``."""


def _remove_retired_variants(parent: Path) -> None:
    """Delete the exports of retired configs beside a new export (about 23 MB each)."""
    for name in RETIRED_VARIANTS:
        remove_folder(parent / name)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --- export ---------------------------------------------------------------------


@contextmanager
def quiet_export() -> Iterator[None]:
    """Silence the tracer warnings and 'save the exported model' advice an export prints."""
    names = ("sentence_transformers", "transformers", "optimum", "torch.onnx")
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    root = logging.getLogger()
    root.addFilter(_drop_root_chatter)  # onnxruntime's quantizer logs each tensor on the root logger
    try:
        for lg in loggers:
            lg.setLevel(logging.ERROR)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        root.removeFilter(_drop_root_chatter)
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def _drop_root_chatter(record: logging.LogRecord) -> bool:
    """Keep warnings; drop info/debug records logged straight on the root logger."""
    return record.levelno >= logging.WARNING


def write_export(source: Path, target: Path, quantization: str | None) -> str:
    """Export ``source`` to ONNX into the empty folder ``target``; return the ONNX file's relative name."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.backend import export_dynamic_quantized_onnx_model

    torch.set_num_threads(max(torch.get_num_threads(), os.cpu_count() or 1))  # the export runs on torch
    with quiet_export():
        model = SentenceTransformer(str(source), backend="onnx", device="cpu", model_kwargs={"export": True})
        model.save_pretrained(str(target))
        if quantization is None:
            return "onnx/model.onnx"
        if quantization == AVX2_SIGNED:
            export_dynamic_quantized_onnx_model(model, _avx2_signed_config(), str(target),
                                                file_suffix=f"qint8_{AVX2_SIGNED}")
        else:
            export_dynamic_quantized_onnx_model(model, quantization, str(target))
    file_name = quantized_file(target, quantization)
    (target / "onnx" / "model.onnx").unlink(missing_ok=True)  # the fp32 graph is not needed beside the int8 one
    return file_name


def _avx2_signed_config() -> Any:
    import dataclasses

    from onnxruntime.quantization import QuantType
    from optimum.onnxruntime.configuration import AutoQuantizationConfig

    return dataclasses.replace(AutoQuantizationConfig.avx2(is_static=False), weights_dtype=QuantType.QInt8)


def quantized_file(target: Path, quantization: str) -> str:
    """The int8 graph the quantizer wrote into ``target``: ``onnx/model_qint8_{config}.onnx``."""
    file_name = f"onnx/model_qint8_{quantization}.onnx"
    if not (target / file_name).is_file():
        raise ExportError(f"quantization wrote no {file_name}")
    return file_name


FP32 = "fp32"
"""The child's argument for an export without quantization."""


def export_in_child(source: Path, target: Path, quantization: str | None) -> str:
    """``write_export`` in a child process of the same Python; its last stdout line is the file name."""
    command = [sys.executable, "-m", __name__, str(source), str(target), quantization or FP32]
    done = subprocess.run(command, capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        reason = lines[-1] if lines else f"exit status {done.returncode}"
        raise ExportError(f"the ONNX export of {source} failed: {reason}")
    lines = done.stdout.strip().splitlines()
    if not lines:
        raise ExportError(f"the ONNX export of {source} named no file")
    return lines[-1]


def ensure_export(
    source: Path,
    cache_dir: Path,
    name: str,
    quantization: str | None,
    exporter: Callable[[Path, Path, str | None], str] = export_in_child,
) -> OnnxExport:
    """The cached ONNX export of the model folder ``source`` (int8 when ``quantization`` names a
    config), made atomically when missing or broken.  Raises OSError or the exporter's error."""
    fingerprint = source_fingerprint(source)
    folder = export_folder(cache_dir, name, fingerprint, "onnx", quantization)
    problem = cache_problem(folder, fingerprint) if folder.exists() else "not exported yet"
    if problem is None:
        return OnnxExport(folder, read_file_name(folder), exported=False)
    if folder.exists():
        logger.warning("ONNX cache %s is unusable (%s); exporting again", folder, problem)
        remove_folder(folder)

    folder.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(folder.parent, folder.name)
    _remove_retired_variants(folder.parent)
    tmp = folder.with_name(f".{folder.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    tmp.mkdir()
    try:
        started = time.perf_counter()
        file_name = exporter(source, tmp, quantization)
        onnx_file = tmp / file_name
        manifest: dict[str, Any] = {
            "format": MANIFEST_FORMAT,
            "source": str(source),
            "source_fingerprint": fingerprint,
            "quantization": quantization,
            "file_name": file_name,
            "size": onnx_file.stat().st_size,
            "sha256": file_sha256(onnx_file),
            "seconds": round(time.perf_counter() - started, 2),
        }
        _write_synced(tmp / MANIFEST_NAME, json.dumps(manifest, indent=2))
        fsync_path(onnx_file)
        try:
            os.rename(tmp, folder)
        except OSError:
            if cache_problem(folder, fingerprint) is not None:  # not a complete export made meanwhile by another process
                raise
            logger.info("ONNX cache %s was made meanwhile by another process; using it", folder)
            return OnnxExport(folder, read_file_name(folder), exported=False)
        logger.info("exported ONNX model to %s in %.1f s", folder, manifest["seconds"])
        return OnnxExport(folder, file_name, exported=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _write_synced(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())



def _main(argv: list[str]) -> int:
    """Child entry point: ``SOURCE TARGET QUANTIZATION|fp32``; prints the ONNX file's relative name."""
    if len(argv) != 3:
        print("usage: python -m qa_assistant.embedding.onnx_export SOURCE TARGET QUANTIZATION|fp32", file=sys.stderr)
        return 2
    source, target, quantization = Path(argv[0]), Path(argv[1]), argv[2]
    try:
        print(write_export(source, target, None if quantization == FP32 else quantization))
    except Exception as exc:  # one line for the parent's error message
        reason = " ".join(str(exc).split())
        reason = reason if len(reason) <= 300 else reason[:299] + "…"
        print(f"{type(exc).__name__}: {reason}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
