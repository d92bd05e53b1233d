"""Cold start of ``qa-assistant ask``: whole-process wall time on an index of the BBC folder.

    python bench/cold_start.py [--articles DIR] [--index DIR] [--runs 5] [--modes extractive,llm] [--json]

Builds the index of ``../shared/corpora/bbc-news`` (2,225 articles; or
``--articles``) under the temporary folder once (``--index`` to choose where;
an existing index there is reused), then runs ``qa-assistant ask --extractive``
and ``qa-assistant ask`` (the default model) as new processes, one warm-up
each (so the files are in the page cache, as they are for a user who asked
before) and ``--runs`` measured runs, alternating the modes so both see the
same machine load.  Wall time, CPU time and peak RSS come from ``os.wait4``;
medians are printed with the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from shared_data import shared_dir  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
QUESTIONS = (
    "Who won the Australian Open?",
    "What did the Bank of England decide about interest rates?",
    "Which company made the iPod?",
    "Why did the film win an Oscar?",
    "What did Tony Blair say about the election?",
)


def command(*args: str) -> list[str]:
    return [sys.executable, "-c", "from qa_assistant.cli import main; main()", *args]


def run(argv: list[str], env: dict[str, str]) -> dict[str, float]:
    """Run one process in its source tree (``python -c`` imports from the working folder first)."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, env=env, cwd=env["PYTHONPATH"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    assert process.stderr is not None
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(argv[3:])} failed ({code}): {errors.decode(errors='replace').strip()[-400:]}")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_mib": usage.ru_maxrss / 1024}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=Path, default=shared_dir() / "corpora" / "bbc-news")
    parser.add_argument("--index", type=Path, default=Path(tempfile.gettempdir()) / "qa-assistant-cold-start-index")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--modes", default="extractive,llm")
    parser.add_argument("--code", type=Path, action="append", default=None,
                        help="source tree(s) to run (PYTHONPATH), default this repository; give two "
                             "(before, after) to compare them run for run")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    codes = [c.resolve() for c in args.code] if args.code else [REPO]
    envs = {str(c): {**os.environ, "PYTHONPATH": str(c), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
            for c in codes}
    env = envs[str(codes[-1])]
    if not (args.index / "CURRENT").is_file():
        if not args.articles.is_dir():
            print(f"articles folder {args.articles} is absent; set QA_ASSISTANT_SHARED or --articles", file=sys.stderr)
            return 2
        print(f"building {args.index} from {args.articles} ...", file=sys.stderr)
        built = run(command("index", "rebuild", "--articles", str(args.articles), "--index", str(args.index),
                            "--json"), env)
        print(f"  built in {built['wall_s']:.1f} s, peak {built['peak_rss_mib']:.0f} MiB", file=sys.stderr)

    flags = {"extractive": ["--extractive"], "llm": []}
    modes = [(m.strip(), str(c)) for m in args.modes.split(",") if m.strip() for c in codes]
    samples: dict[tuple[str, str], list[dict[str, float]]] = {m: [] for m in modes}
    for i in range(args.runs + 1):
        for mode, code in modes:
            question = QUESTIONS[i % len(QUESTIONS)]
            figures = run(command("ask", *flags[mode], "--index", str(args.index), question), envs[code])
            if i:
                samples[(mode, code)].append(figures)
    names = {m: m[0] if len(codes) == 1 else f"{m[0]} ({m[1]})" for m in modes}
    report = {
        "index": str(args.index), "runs": args.runs, "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "median": {names[m]: {k: round(statistics.median(s[k] for s in samples[m]), 2) for k in samples[m][0]}
                   for m in modes},
        "wall_s": {names[m]: [round(s["wall_s"], 2) for s in samples[m]] for m in modes},
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"cold `qa-assistant ask` on {args.index}: medians of {args.runs} runs after a warm-up; "
          f"{report['cpus']} CPUs, load average {report['load_average']}")
    print("| mode | wall s | CPU s | peak RSS MiB | all wall s |\n|---|---:|---:|---:|---|")
    for m in report["median"]:
        med = report["median"][m]
        print(f"| {m} | {med['wall_s']} | {med['cpu_s']} | {med['peak_rss_mib']:.0f} | {report['wall_s'][m]} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
