"""Every set in both modes through ``qa-assistant eval``: the README's figures table per set and mode.

    python bench/eval_table.py                          # all four sets, extractive and LLM
    python bench/eval_table.py --modes extractive       # one mode
    python bench/eval_table.py --sets squad2 --limit 120
    python bench/eval_table.py --table FILE.json   # print the table of an earlier run's --out again

Each (set, mode) runs the product's own command, ``qa-assistant eval ../shared/eval/<set>
--json [--extractive]``, in a process of its own, one after the other (the cached eval
indexes are built on the first run), and its summary is written to ``--out`` as it comes,
so an interrupted run keeps what it finished.  The table holds the figures issue 7 asks
for: retrieval recall, citation precision and recall, answer hit, the right-vs-wrong claim
AUROC and the supported shares on sets with wrong answer options (multirc), refusals on
sets with unanswerable questions (squad2), answers replaced by extractive sentences,
answers all supported but wrong, and the median latency.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SETS = ("squad", "multirc", "hotpotqa", "squad2")
MODES = ("extractive", "llm")
COLUMNS = (
    ("questions", "questions", "{}"),
    ("recall@5", "recall@5", "{:.3f}"),
    ("citation_precision", "citation precision", "{:.3f}"),
    ("citation_recall", "citation recall", "{:.3f}"),
    ("answer_hit", "answer hit", "{:.3f}"),
    ("right_wrong_auroc", "claims AUROC right vs wrong", "{:.3f}"),
    ("wrong_supported", "wrong claims supported", "{:.3f}"),
    ("supported_right", "supported claims right", "{:.3f}"),
    ("refused_unanswerable", "unanswerable refused", "{:.3f}"),
    ("refused_answerable", "answerable refused", "{:.3f}"),
    ("mode_fallbacks", "replaced by extractive", "{}"),
    ("supported_but_wrong", "all supported but wrong", "{:.3f}"),
    ("close_calls_of_right", "close calls of right answers", "{:.3f}"),
    ("close_calls_of_wrong", "close calls of wrong answers", "{:.3f}"),
    ("supported_but_wrong_without_close_call", "all supported but wrong, no close call", "{:.3f}"),
    ("sentences_supported", "sentences supported", "{:.3f}"),
    ("sentences_unsupported", "sentences unsupported", "{:.3f}"),
    ("latency_p50_ms", "p50", "{:.0f} ms"),
)


def run_one(shared: Path, name: str, mode: str, limit: int | None) -> dict[str, Any]:
    """One ``qa-assistant eval`` run, whole process; its JSON summary plus the wall time."""
    command = [str(Path(sys.executable).with_name("qa-assistant")), "eval", str(shared / "eval" / name), "--json"]
    if mode == "extractive":
        command.append("--extractive")
    if limit:
        command += ["--limit", str(limit)]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()[-400:]}")
    summary: dict[str, Any] = json.loads(done.stdout)
    summary["wall_s"] = round(time.perf_counter() - started, 1)
    return summary


def table(results: list[dict[str, Any]]) -> str:
    """A markdown table, a row per (set, mode); "–" where a figure does not apply to the set."""
    head = "| set | mode | " + " | ".join(label for _, label, _ in COLUMNS) + " |"
    rule = "|" + "---|" * (len(COLUMNS) + 2)
    rows = [head, rule]
    for r in results:
        cells = []
        for key, _, fmt in COLUMNS:
            value = r.get(key)
            cells.append("–" if value is None else fmt.format(value))
        rows.append(f"| {r['set']} | {r['mode']} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated sets of ../shared/eval")
    parser.add_argument("--modes", default=",".join(MODES), help="extractive, llm or both")
    parser.add_argument("--limit", type=int, default=None, help="only the first N questions of each set")
    parser.add_argument("--out", type=Path, default=None,
                        help="where the summaries go (default: cache_dir/eval-table.json)")
    parser.add_argument("--table", type=Path, help="print the table of an earlier run's --out file and stop")
    args = parser.parse_args()
    if args.table:
        print(table(json.loads(args.table.read_text(encoding="utf-8"))))
        return
    shared = Path(os.environ.get("QA_ASSISTANT_SHARED") or REPO.parent / "shared")
    if not (shared / "eval").is_dir():
        raise SystemExit(f"{shared / 'eval'}: no such folder; set QA_ASSISTANT_SHARED to the shared data folder")
    if args.out is None:
        sys.path.insert(0, str(REPO))
        from qa_assistant.config import load_settings

        args.out = load_settings({}).cache_dir / "eval-table.json"
        args.out.parent.mkdir(parents=True, exist_ok=True)
    results: list[dict[str, Any]] = []
    for name in args.sets.split(","):
        for mode in args.modes.split(","):
            if mode not in MODES:
                raise SystemExit(f"--modes: {mode!r} is not one of {', '.join(MODES)}")
            print(f"{name} {mode} …", file=sys.stderr, flush=True)
            results.append(run_one(shared, name, mode, args.limit))
            args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(table(results))
    print(f"\n(summaries in {args.out}; load average {os.getloadavg()[0]:.1f} at the end)")


if __name__ == "__main__":
    main()
