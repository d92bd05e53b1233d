"""Which weights llama.cpp loads for a GGUF: the file itself, or an 8-bit copy of a Q4_1 file.

llama.cpp evaluates a prompt in batches, and for most weight types (Q8_0, Q4_0, the K-quants) it
has matrix kernels built for batches; for Q4_1, the packaged SmolLM2's type, it falls back to
one dot product per row.  On this project's 2-core machine the packaged model evaluated a
question's 172 prompt tokens (median of 20 squad questions) in 522 ms from its Q4_1 file and in
209 ms from a Q8_0 copy, and generated a token in 8.7 ms against 7.7 ms (timed around
``Llama.eval`` in a one-off script); ``python bench/answer_latency.py`` gives the first token
p50 0.557 s against 0.294 s (README, "Figures").

So a Q4_1 GGUF is loaded through a Q8_0 copy, made once by llama.cpp's own quantizer (about
0.4 s for the packaged model) under ``<cache_dir>/models``.  Q8_0 stores each weight with 8 bits
against Q4_1's 4, so the copy holds the Q4_1 weights to within 8-bit rounding; it is 1.5× the
file's size (145 MB for the packaged 98 MB).  Answers change only where that rounding tips a
greedy choice (squad, first 40 questions: answer hit 0.575 from the Q4_1 file, 0.600 from the
copy).  Other weight types load as they are.  ``settings.q4_1_as_q8_0 = false`` turns it off.

Whatever goes wrong making the copy (no room, a read-only cache, llama.cpp refusing the file)
leaves the file itself to load, with a warning in the log: the copy only saves time.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from ..config import Settings

logger = logging.getLogger(__name__)

FTYPE_Q4_1 = 3
"""``general.file_type`` of a GGUF whose weights are mostly Q4_1 (llama.cpp's ``LLAMA_FTYPE_MOSTLY_Q4_1``)."""
FTYPE_Q8_0 = 7
"""``LLAMA_FTYPE_MOSTLY_Q8_0``: what a Q4_1 file is copied to."""
COPY_FOLDER = "models"
"""Folder of ``cache_dir`` holding the copies and the notes that a file needs none."""


def weights_to_load(path: Path, settings: Settings) -> Path:
    """The file llama.cpp should load for the GGUF ``path``: a Q8_0 copy of a Q4_1 file, else ``path``.

    The copy is made the first time and found again by the file's path, size and modification
    time; a file that needs no copy is noted so, so its type is read only once.
    """
    if not settings.q4_1_as_q8_0:
        return path
    try:
        folder = settings.cache_dir / COPY_FOLDER
        copy, as_is = _names(path, folder)
        if copy.is_file():
            return copy
        if as_is.is_file():
            return path
        folder.mkdir(parents=True, exist_ok=True)
        if _file_type(path) != FTYPE_Q4_1:
            as_is.touch()
            return path
        _forget_older(path, folder, keep=copy)
        _quantize(path, copy)
        return copy
    except (OSError, RuntimeError, ValueError) as exc:
        logger.warning("loading %s as it is: no Q8_0 copy could be made (%s)", path, exc)
        return path


def forget_copy(path: Path, settings: Settings) -> None:
    """Remove the copy made for ``path`` (it failed to load), so the file itself is used from now on
    and the copy is made again next time."""
    copy, _ = _names(path, settings.cache_dir / COPY_FOLDER)
    copy.unlink(missing_ok=True)


def _names(path: Path, folder: Path) -> tuple[Path, Path]:
    """The copy's file and the "needs no copy" note for ``path``, keyed by its path, size and time."""
    stat = path.stat()
    key = hashlib.sha256(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:12]
    stem = f"{path.stem}.{key}"
    return folder / f"{stem}.q8_0.gguf", folder / f"{stem}.as-is"


def _forget_older(path: Path, folder: Path, keep: Path) -> None:
    """Remove copies of earlier versions of the same file (same name, other key)."""
    for old in folder.glob(f"{path.stem}.*.q8_0.gguf"):
        if old != keep:
            old.unlink(missing_ok=True)


def _file_type(path: Path) -> int | None:
    """``general.file_type`` from the GGUF's metadata (llama.cpp reads its vocabulary only)."""
    import llama_cpp

    params = llama_cpp.llama_model_default_params()
    params.vocab_only = True
    with _quiet_stderr():
        llama_cpp.llama_backend_init()  # what Llama() does first; doing it again is harmless
        model = llama_cpp.llama_model_load_from_file(str(path).encode(), params)
    if not model:
        raise ValueError("llama.cpp could not read its metadata")
    try:
        value = ctypes.create_string_buffer(32)
        if llama_cpp.llama_model_meta_val_str(model, b"general.file_type", value, len(value)) < 0:
            return None
        return int(value.value.decode("ascii", "replace") or "-1")
    finally:
        llama_cpp.llama_model_free(model)


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Keep llama.cpp's loader and quantizer reports from the user's terminal meanwhile: they go to
    file descriptor 2, or through llama-cpp-python's logger, which prints what it lets through."""
    relay = logging.getLogger("llama-cpp-python")
    level = relay.level
    relay.setLevel(logging.ERROR)
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        relay.setLevel(level)


def _quantize(source: Path, copy: Path) -> None:
    """Write the Q8_0 copy beside its final name, then move it there (a half-made copy is never found)."""
    import llama_cpp

    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = FTYPE_Q8_0
    params.allow_requantize = True
    params.nthread = max(1, os.cpu_count() or 1)
    partial = copy.with_name(f"{copy.name}.{os.getpid()}.partial")
    try:
        with _quiet_stderr():
            code = llama_cpp.llama_model_quantize(str(source).encode(), str(partial).encode(), params)
        if code != 0 or not partial.is_file():
            raise RuntimeError(f"llama.cpp's quantizer returned {code}")
        os.replace(partial, copy)
    finally:
        partial.unlink(missing_ok=True)
