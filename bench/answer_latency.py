"""Warm answer latency with the default model over ~20 squad questions.

    python bench/answer_latency.py [--questions 20] [--extractive]
    python bench/answer_latency.py --contend      # while an index build runs beside it

Prints p50/p95 of: first token, verified answer (generation + checking done),
retrieval + checking, for the packaged SmolLM2 (targets: first token p50 ≤ 0.5 s
and p95 ≤ 1.0 s, verified answer p50 ≤ 3 s, retrieval + checking ≤ 100 ms), and
how many answers were refusals.  Uses the cached eval index of
../shared/eval/squad (built on the first run).  Quote ``uptime`` with the figures.

``--contend`` starts a full index build of ../shared/corpora/bbc-news in another
process (restarted if it ends) and asks every question twice, on every core and
with ``Engine.share_cores`` (one thread), in alternating order: what a chat
answering during an index update sees.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from shared_data import shared_dir  # noqa: E402

from qa_assistant.answering.engine import Engine  # noqa: E402
from qa_assistant.config import load_settings  # noqa: E402
from qa_assistant.evaluation.metrics import percentile  # noqa: E402
from qa_assistant.evaluation.runner import eval_settings, load_eval_set  # noqa: E402
from qa_assistant.models import Done  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--extractive", action="store_true")
    parser.add_argument("--contend", action="store_true",
                        help="measure while an index build of the BBC folder runs in another process")
    parser.add_argument("--context-sentences", type=int, default=None,
                        help="Override settings.context_sentences (sources in the prompt).")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    shared = shared_dir()
    squad = shared / "eval" / "squad"
    if not squad.is_dir():
        sys.exit(f"{squad} is absent: this benchmark needs the shared eval sets")
    eval_set = load_eval_set(squad, args.questions + 2)
    settings = eval_settings(load_settings({"extractive": args.extractive or None,
                                            "context_sentences": args.context_sentences}), eval_set)

    started = time.perf_counter()
    engine = Engine(settings)
    engine.load(on_status=lambda m: print(m, file=sys.stderr), update="always")
    print(f"load: {time.perf_counter() - started:.1f} s, mode {engine.mode}", file=sys.stderr)
    if args.contend:
        contended(engine, eval_set.questions, shared / "corpora" / "bbc-news")
        return
    timings: list[dict[str, float]] = []
    refused = 0
    for i, question in enumerate(eval_set.questions):
        answer = next(e.answer for e in engine.ask(question["question"]) if isinstance(e, Done))
        if i >= 2:  # the first two warm the caches
            timings.append(answer.timings_ms)
            refused += answer.refused
    engine.close()

    def row(name: str, values: list[float], p50_target: float | None,
            p95_target: float | None = None) -> dict[str, object]:
        p50, p95 = percentile(values, 50), percentile(values, 95)
        line = f"{name:<24} p50 {p50:8.0f} ms   p95 {p95:8.0f} ms"
        if p50_target is not None:
            line += f"   p50 ≤ {p50_target:.0f} ms: {'met' if p50 <= p50_target else 'over'}"
        if p95_target is not None:
            line += f"   p95 ≤ {p95_target:.0f} ms: {'met' if p95 <= p95_target else 'over'}"
        print(line)
        return {"p50_ms": round(p50, 1), "p95_ms": round(p95, 1)}

    print(f"{len(timings)} warm questions, mode {engine.mode}, model {settings.model_path or 'packaged SmolLM2'}, "
          f"{settings.context_sentences} context sentences, {refused} refused; load {os.getloadavg()[0]:.1f}")
    report = {
        "first_token": row("first token", [t.get("first_token", t["total"]) for t in timings], 500, 1000),
        "verified_answer": row("verified answer", [t["total"] for t in timings], 3000),
        "retrieve_plus_check": row("retrieval + checking",
                                   [t["retrieve"] + t.get("check", 0.0) for t in timings], None, 100),
        "retrieve": row("retrieval", [t["retrieve"] for t in timings], None),
        "check": row("checking", [t.get("check", 0.0) for t in timings], None),
        "generate": row("generation", [t.get("generate", 0.0) for t in timings], None),
    }
    print(json.dumps(report))


def contended(engine: Engine, questions: Sequence[dict[str, Any]], articles: Path) -> None:
    """Each question on every core and on one (``share_cores``), alternating, beside a build."""
    if not articles.is_dir():
        sys.exit(f"{articles} is absent: --contend builds it in another process")
    with tempfile.TemporaryDirectory() as scratch:
        command = [str(Path(sys.executable).with_name("qa-assistant")), "index", "rebuild", "--articles", str(articles),
                   "--index", str(Path(scratch) / "index")]
        build = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(8)  # past the embedder's load: the build is embedding
        totals: dict[bool, list[float]] = {False: [], True: []}
        try:
            for i, question in enumerate(questions):
                for shared in ((False, True) if i % 2 else (True, False)):
                    if build.poll() is not None:
                        build = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    engine.share_cores(shared)
                    answer = next(e.answer for e in engine.ask(question["question"]) if isinstance(e, Done))
                    if i >= 2:
                        totals[shared].append(answer.timings_ms["total"])
        finally:
            build.terminate()
            build.wait()
            engine.close()
    for shared, values in totals.items():
        print(f"beside a build, {'one thread (share_cores)' if shared else 'every core':<26} verified answer "
              f"p50 {percentile(values, 50):6.0f} ms   p95 {percentile(values, 95):6.0f} ms   ({len(values)} answers)")


if __name__ == "__main__":
    main()
