"""Time from starting ``qa-assistant chat`` to its first frame (goal: ≤ 0.5 s).

Two measures, each the median of several fresh processes:

* headless: a new Python process imports the CLI, builds the settings and runs the
  chat headless; the time is taken when Textual reports the first screen ready
  (includes interpreter start-up and every import);
* terminal: the real command runs in tmux (120x40); the screen is polled until
  the question input is drawn (skipped when tmux is missing).

Models load after the first frame in a worker, so no model or index is needed:
the chat starts on an empty index folder.

    python bench/tui_first_frame.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
"""This checkout: its code is measured, whatever copy the virtualenv has installed."""
HEADLESS = r"""
import time
start = time.perf_counter()
from qa_assistant.cli.common import build_settings
from qa_assistant.cli import main  # registers every command, as the real entry point does
imported = time.perf_counter()
from qa_assistant.tui.app import QAApp

settings = build_settings(index_dir={index!r}, articles_dir={articles!r}, extractive=True)
app = QAApp(settings, watch=False)

async def first_frame(pilot):
    print(f"{{imported - start:.4f}} {{time.perf_counter() - start:.4f}}", flush=True)
    await pilot.pause(0.2)  # let the mounting finish before exiting
    pilot.app.exit()

app.run(headless=True, auto_pilot=first_frame, size=(120, 40))
"""


def headless_run(index: Path, articles: Path) -> tuple[float, float, float]:
    """(process wall time to first frame, in-process import time, in-process time to first frame)."""
    code = HEADLESS.format(index=str(index), articles=str(articles))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(CHECKOUT)}
    began = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    wall = time.perf_counter() - began
    proc.wait(timeout=60)
    imports, frame = (float(x) for x in line.split())
    return wall, imports, frame


def terminal_run(tmux: str, index: Path, articles: Path, run: int, baseline: bool = False) -> float:
    """Seconds until "Ask a question" shows; ``baseline``: a bare Python printing it (tmux + interpreter)."""
    name = f"qa-bench-{os.getpid()}-{run}-{int(baseline)}"
    program = Path(sys.executable).with_name("qa-assistant")
    chat = [str(program), "chat", "--index", str(index), "--articles", str(articles), "--extractive", "--no-watch"]
    bare = [sys.executable, "-c", "import time; print('Ask a question'); time.sleep(5)"]
    command = shlex.join(["env", "-u", "COLUMNS", "-u", "LINES", "HF_HUB_OFFLINE=1", f"PYTHONPATH={CHECKOUT}",
                          *(bare if baseline else chat)])
    base = [tmux, "-L", name]
    began = time.perf_counter()
    subprocess.run([*base, "new-session", "-d", "-s", name, "-x", "120", "-y", "40", command], check=True)
    try:
        while time.perf_counter() - began < 30:
            screen = subprocess.run([*base, "capture-pane", "-p", "-t", name], capture_output=True,
                                    text=True).stdout
            if "Ask a question" in screen:
                return time.perf_counter() - began
            time.sleep(0.005)
        raise RuntimeError("the chat drew nothing within 30 s")
    finally:
        subprocess.run([*base, "kill-server"], capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from qa_assistant.config import sample_articles_dir

    articles = sample_articles_dir()
    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "index"
        headless_run(index, articles)  # warm the file cache (.pyc files) once
        runs = [headless_run(index, articles) for _ in range(args.runs)]
        wall = statistics.median(r[0] for r in runs)
        imports = statistics.median(r[1] for r in runs)
        frame = statistics.median(r[2] for r in runs)
        print(f"headless, process start -> first frame: {wall:.3f} s (median of {args.runs})")
        print(f"  in-process: imports {imports:.3f} s, imports + app + first frame {frame:.3f} s")
        tmux = shutil.which("tmux")
        if tmux is None:
            print("terminal: skipped (tmux is not installed)")
            return
        terminal = [terminal_run(tmux, index, articles, run) for run in range(args.runs)]
        bare = [terminal_run(tmux, index, articles, run, baseline=True) for run in range(args.runs)]
        print(f"terminal (tmux 120x40), command start -> input drawn: {statistics.median(terminal):.3f} s "
              f"(median of {args.runs}; min {min(terminal):.3f}, max {max(terminal):.3f})")
        print(f"  baseline, a bare Python printing one line in tmux: {statistics.median(bare):.3f} s")


if __name__ == "__main__":
    main()
