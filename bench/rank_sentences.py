"""How well the sentence ranker (retrieval/scoring.py) puts the answer first, per set and half.

    python bench/rank_sentences.py                       # the shipped Weights
    python bench/rank_sentences.py --vary counted=0,0.6,1.2  # one weight at several values
    python bench/rank_sentences.py --search 2              # coordinate search of every weight on dev
    python bench/rank_sentences.py --close-calls           # the close-call margin (answering/close_call.py)

For every answerable question of ../shared/eval/{squad,squad2,hotpotqa,multirc} and the
sample questions it runs the real retrieval once (cached eval indexes, built on the first
run), then scores the retrieved sentences with each candidate ``Weights`` and reports:

- *answer hit*: the extractive answer (``answering/extractive.choose``, the best sentence
  and a runner-up within the margin) holds a gold answer, as ``qa-assistant eval`` counts it
  (sets with short answers: squad, squad2, hotpotqa, samples);
- *evidence at 1*: the best sentence overlaps a gold evidence span (every set).

Questions are split in two by a hash of their article, as ``bench/fit_verifier.py`` does:
choose on the *dev* half, read the *test* half and the other sets (squad2's one article
falls in one half).  ``--vary`` takes ``name=v1,v2,...`` for any ``Weights`` field.

``--close-calls`` reports, for margins from 0.15 to 1.0, the share of right and of wrong
extractive answers that ``answering/close_call.py`` would flag as a near tie (right = the
answer hit where answers are scored, the best sentence on gold evidence on multirc), and
picks the widest margin that flags at most 10% of the right answers of the dev halves pooled.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from fit_verifier import split_of  # noqa: E402
from shared_data import eval_dir  # noqa: E402

from qa_assistant.answering.close_call import tie_gap  # noqa: E402
from qa_assistant.answering.engine import Engine  # noqa: E402
from qa_assistant.answering.extractive import choose  # noqa: E402
from qa_assistant.config import load_settings  # noqa: E402
from qa_assistant.evaluation.metrics import EvidenceSpan, answer_hit, overlaps  # noqa: E402
from qa_assistant.evaluation.runner import eval_settings, evidence_spans, load_eval_set  # noqa: E402
from qa_assistant.retrieval import PassageHits, score_sentences  # noqa: E402
from qa_assistant.retrieval.scoring import Weights  # noqa: E402

SETS = ("squad", "squad2", "hotpotqa", "multirc")
SCORES_ANSWERS = {"squad", "squad2", "hotpotqa", "samples"}


@dataclass(frozen=True)
class Case:
    set_name: str
    half: str
    hits: PassageHits
    answers: tuple[str, ...]
    evidence: tuple[EvidenceSpan, ...]
    paths: dict[int, str]


def cases_of(root: Path) -> tuple[list[Case], Any]:
    eval_set = load_eval_set(root)
    settings = eval_settings(load_settings({"extractive": True}), eval_set)
    engine = Engine(settings)
    engine.load(update="always")
    retriever, reader = engine._retriever, engine.reader
    assert retriever is not None and reader is not None
    out: list[Case] = []
    for q in eval_set.questions:
        if not q.get("answerable", True) or not q.get("evidence"):
            continue
        hits = retriever.retrieve(q["question"], settings.top_k_passages)
        paths = {aid: reader.article(aid)[0] for aid in {h.sentence.article_id for h in hits.sentences}}
        evidence = evidence_spans(q["evidence"])
        out.append(Case(eval_set.name, split_of(evidence[0].article), hits, tuple(q.get("answers") or ()), evidence,
                        paths))
    return out, (engine, retriever.stats)


def measure(cases: list[Case], stats: Any, weights: Weights) -> tuple[int, int, int, int]:
    """(answer hits, questions scored for answers, evidence at 1, questions)."""
    hits = scored = at1 = 0
    for case in cases:
        ranked = score_sentences(case.hits, stats, weights)
        if not ranked:
            continue
        top = ranked[0].hit.sentence
        span = EvidenceSpan(case.paths.get(top.article_id, ""), top.start, top.end)
        at1 += any(overlaps(span, gold) for gold in case.evidence)
        if case.set_name in SCORES_ANSWERS and case.answers:
            scored += 1
            text = " ".join(c.hit.sentence.text for c in choose(ranked))
            hits += answer_hit(text, case.answers)
    return hits, scored, at1, len(cases)


def judged(cases: list[Case], stats: Any) -> list[tuple[Case, bool, float]]:
    """(case, whether the extractive answer is right, the margin between the two best scores)."""
    out: list[tuple[Case, bool, float]] = []
    for case in cases:
        ranked = score_sentences(case.hits, stats)
        if len(ranked) < 2:
            continue
        chosen = choose(ranked)
        if case.set_name in SCORES_ANSWERS and case.answers:
            right = answer_hit(" ".join(c.hit.sentence.text for c in chosen), case.answers)
        else:
            top = ranked[0].hit.sentence
            span = EvidenceSpan(case.paths.get(top.article_id, ""), top.start, top.end)
            right = any(overlaps(span, gold) for gold in case.evidence)
        gap = tie_gap(ranked, case.hits.question)  # a runner-up the extractive answer cites already is no close call
        margin = float("inf") if gap is None or ranked[1] in chosen else gap
        out.append((case, bool(right), margin))
    return out


def flagged(rows: list[tuple[Case, bool, float]], margin: float) -> tuple[float, float]:
    """Shares of right and of wrong answers flagged at this margin."""
    right = [m for _, r, m in rows if r]
    wrong = [m for _, r, m in rows if not r]
    return (sum(m <= margin for m in right) / max(1, len(right)),
            sum(m <= margin for m in wrong) / max(1, len(wrong)))


def close_calls(groups: list[tuple[list[Case], Any]], most_right: float = 0.10) -> float:
    """Print the flagged shares by margin and per set; return the chosen margin."""
    rows = [row for cases, (_, stats) in groups for row in judged(cases, stats) if row[0].set_name != "samples"]
    dev = [row for row in rows if row[0].half == "dev"]
    margins = [round(0.15 + 0.05 * i, 2) for i in range(18)]
    chosen = max((m for m in margins if flagged(dev, m)[0] <= most_right), default=0.0)
    print("| margin | dev right flagged | dev wrong flagged | test right flagged | test wrong flagged |")
    print("|---:|---:|---:|---:|---:|")
    test = [row for row in rows if row[0].half == "test"]
    for m in margins:
        (dr, dw), (tr, tw) = flagged(dev, m), flagged(test, m)
        print(f"| {m:.2f}{' (chosen)' if m == chosen else ''} | {dr:.3f} | {dw:.3f} | {tr:.3f} | {tw:.3f} |")
    print(f"\nat margin {chosen:.2f}, per set and half:")
    print("| set | half | right answers | wrong answers | right flagged | wrong flagged |")
    print("|---|---|---:|---:|---:|---:|")
    for name in SETS:
        for half in ("dev", "test"):
            part = [row for row in rows if row[0].set_name == name and row[0].half == half]
            if part:
                r, w = flagged(part, chosen)
                n_right = sum(ok for _, ok, _ in part)
                print(f"| {name} | {half} | {n_right} | {len(part) - n_right} | {r:.3f} | {w:.3f} |")
    return chosen


def dev_objective(groups: list[tuple[list[Case], Any]], weights: Weights) -> float:
    """Mean over the sets of the dev half's evidence at 1 and (where scored) answer hit."""
    values: list[float] = []
    for cases, (_, stats) in groups:
        dev = [c for c in cases if c.half == "dev"]
        if dev and dev[0].set_name != "samples":
            h, s, a, n = measure(dev, stats, weights)
            values.append(a / n)
            if s:
                values.append(h / s)
    return sum(values) / len(values)


def search(groups: list[tuple[list[Case], Any]], rounds: int) -> Weights:
    """Coordinate search: each weight times 0.5, 0.75, 1.25, 1.5 (or set to ±0.5 from 0), kept when the
    dev objective rises by more than one question's worth."""
    best = Weights()
    best_value = dev_objective(groups, best)
    for _ in range(rounds):
        for field in dataclasses.fields(Weights):
            current = getattr(best, field.name)
            options = [current * f for f in (0.5, 0.75, 1.25, 1.5)] if current else [-0.5, 0.5, 1.0]
            for value in options:
                candidate = dataclasses.replace(best, **{field.name: round(value, 3)})
                v = dev_objective(groups, candidate)
                if v > best_value + 0.002:
                    best, best_value = candidate, v
                    print(f"  {field.name} = {value:.3f}: dev {v:.4f}", file=sys.stderr)
    print(f"searched: {best}", file=sys.stderr)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", help="the folder holding eval/ (default ../shared)")
    parser.add_argument("--vary", action="append", default=[], help="NAME=V1,V2,... for a Weights field")
    parser.add_argument("--search", type=int, default=0, metavar="ROUNDS",
                        help="coordinate search of every weight on the dev halves, this many rounds")
    parser.add_argument("--close-calls", action="store_true",
                        help="report the close-call flag by margin and pick the margin (answering/close_call.py)")
    args = parser.parse_args()
    roots = [eval_dir(args.shared) / name for name in SETS] + [REPO / "qa_assistant" / "samples"]
    groups: list[tuple[list[Case], Any]] = [cases_of(root) for root in roots]
    if args.close_calls:
        close_calls(groups)
        for _, (engine, _) in groups:
            engine.close()
        return
    variants: list[tuple[str, Weights]] = [("shipped", Weights())]
    if args.search:
        variants.append(("searched", search(groups, args.search)))
    for spec in args.vary:
        name, values = spec.split("=", 1)
        for value in values.split(","):
            variants.append((f"{name}={value}", dataclasses.replace(Weights(), **{name: float(value)})))
    print("| weights | set | half | questions | answer hit | evidence at 1 |")
    print("|---|---|---|---:|---:|---:|")
    for label, weights in variants:
        pooled: dict[str, list[int]] = {}
        for cases, (_, stats) in groups:
            for half in ("dev", "test"):
                part = [c for c in cases if c.half == half]
                if not part:
                    continue
                h, s, a, n = measure(part, stats, weights)
                hit = f"{h / s:.3f}" if s else "–"
                print(f"| {label} | {part[0].set_name} | {half} | {n} | {hit} | {a / n:.3f} |")
                total = pooled.setdefault(half, [0, 0, 0, 0])
                for i, v in enumerate((h, s, a, n)):
                    total[i] += v
        for half, (h, s, a, n) in pooled.items():
            print(f"| {label} | all | {half} | {n} | {h / s:.3f} | {a / n:.3f} |")
    for _, (engine, _) in groups:
        engine.close()


if __name__ == "__main__":
    main()
