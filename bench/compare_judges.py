"""Answerability judge variants against the product's, on the questions the refusal model is fitted on.

    python bench/compare_judges.py --model FILE.gguf --variants four,titled4   # judge (cached), then compare
    python bench/compare_judges.py --model FILE.gguf                            # compare what is cached

The questions are those of ``calibrate_refusal.py --model FILE --held-out 40``
(the seeded sample of each set plus 40 more); their retrieval (best cosine,
coverage, the six best sentences with their article titles) is computed once
and kept in cache_dir/refusal-judge/questions.json.  Each variant is one way to
put the sources and the question to the model; its scores are cached in
cache_dir/refusal-judge/<model stem>.<variant>.json by set/question id (the
product's judge keeps ``calibrate_refusal.py``'s file, <model stem>.json).

Every feature set is then scored the way ``calibrate_refusal.py`` scores the
product: a logistic model over the retrieval evidence plus the judge features,
all sets pooled, 5-fold cross-validated with the threshold chosen on the
training folds (answerable refused ≤ 0.10 on every set).  One split of 432
questions moves the rates by a few points, so the rates are also averaged over
ten split seeds: a variant wins only if it wins there, on every set.

Measured (Qwen2.5-Coder-1.5B-Instruct Q4_K_M, 432 questions, 97 unanswerable;
refused rates CV split seed 0 | mean of ten seeds):

    features                  AUROC  unans. squad2   ans. squad2    squad          multirc        hotpotqa
    two (the product)         0.862  0.330 | 0.316   0.029 | 0.034  0.000 | 0.001  0.040 | 0.043  0.135 | 0.108
    stated2                   0.860  0.309 | 0.299   0.029 | 0.027  0.000 | 0.001  0.050 | 0.048  0.096 | 0.112
    two + stated2             0.862  0.309 | 0.306   0.019 | 0.030  0.000 | 0.003  0.050 | 0.045  0.115 | 0.112
    two × coverage            0.862  0.330 | 0.318   0.039 | 0.042  0.000 | 0.001  0.040 | 0.043  0.115 | 0.119
    two + articles in top 4   0.862  0.381 | 0.422   0.058 | 0.064  0.062 | 0.052  0.100 | 0.106  0.077 | 0.090
    titled4 (90 questions)    0.834  0.103 | 0.121   0.000 | 0.000  0.000 | 0.000  0.000 | 0.000  0.125 | 0.163
    two, same 90              0.884  0.241 | 0.217   0.027 | 0.011  0.000 | 0.000  0.125 | 0.125  0.000 | 0.037

No variant wins.  "Articles in top 4" (how many articles the four best sentences
come from) only looks like one: every hotpotqa question spans two or more, so
pooled it learns the set (weight -0.64: more articles, answerable) where within
squad2 more articles go with unanswerable (+0.48 fitted on squad2 alone).
titled4 was stopped at 90 questions: worse there, and ~8 s a question on one core.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import numpy as np  # noqa: E402
from calibrate_refusal import SETS, cross_validated, eval_engine, question_positions  # noqa: E402

from qa_assistant.answering import answerability  # noqa: E402
from qa_assistant.answering.llm import neutralise_special_tokens  # noqa: E402
from qa_assistant.config import load_settings  # noqa: E402
from qa_assistant.evaluation.metrics import auroc  # noqa: E402

HELD_OUT = 40
KEPT = 6
"""Best-ranked sentences kept per question: more than any variant reads."""
SEEDS = 10

STATED = "Text:\n{sources}\n\nQuestion: {question}\n\nIs the answer to this question stated in the text? Answer yes or no."


def retrieved(shared: Path, cache_dir: Path) -> list[dict[str, Any]]:
    """Every compared question with its label, retrieval evidence and best sentences (cached)."""
    path = cache_dir / "refusal-judge" / "questions.json"
    if path.is_file():
        return list(json.loads(path.read_text()))
    from qa_assistant.answering.contrast import Opposites
    from qa_assistant.answering.refusal import retrieval_evidence
    from qa_assistant.retrieval import score_sentences

    rows: list[dict[str, Any]] = []
    embedder = None
    opposites = Opposites.load()
    for name in SETS:
        engine, settings, eval_set = eval_engine(shared, name, embedder)
        retriever = engine._retriever
        assert retriever is not None
        fitting, rest = question_positions(name, len(eval_set.questions), True, HELD_OUT)
        for i in fitting + rest:
            q = eval_set.questions[i]
            hits = retriever.retrieve(q["question"], settings.top_k_passages)
            ranked = score_sentences(hits, retriever.stats)
            e = retrieval_evidence(q["question"], hits, ranked, retriever.stats, opposites)
            titles = {p.passage.article_id: p.article_title for p in hits.passages}
            rows.append({"key": f"{name}/{q['id']}", "set": name, "question": q["question"],
                         "unanswerable": not q.get("answerable", True),
                         "cosine": e.best_cosine, "coverage": e.coverage,
                         "sources": [[titles.get(item.hit.sentence.article_id, ""), item.hit.sentence.text]
                                     for item in ranked[:KEPT]]})
        embedder = engine._embedder
        engine.close()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows))
    return rows


def plain(sources: Sequence[Sequence[str]]) -> str:
    return "\n".join(neutralise_special_tokens(text) for _, text in sources)


def titled(sources: Sequence[Sequence[str]]) -> str:
    """The sentences under their article titles ("Article: ..."), articles in the order of their best sentence."""
    groups: dict[str, list[str]] = {}
    for title, text in sources:
        groups.setdefault(title, []).append(neutralise_special_tokens(text))
    return "\n\n".join(f"Article: {neutralise_special_tokens(t)}\n" + "\n".join(s) for t, s in groups.items())


def joined(count: int, render: Callable[[Sequence[Sequence[str]]], str] = plain,
           user: str = answerability.USER) -> Callable[[Any, dict[str, Any]], list[float]]:
    def score(judge: Any, q: dict[str, Any]) -> list[float]:
        question = neutralise_special_tokens(q["question"])
        return [judge.ask(user.format(sources=render(q["sources"][:count]), question=question))]
    return score


def each(count: int) -> Callable[[Any, dict[str, Any]], list[float]]:
    """One judgement per sentence (the product's prompt over that sentence alone)."""
    def score(judge: Any, q: dict[str, Any]) -> list[float]:
        question = neutralise_special_tokens(q["question"])
        return [judge.ask(answerability.USER.format(sources=plain([s]), question=question))
                for s in q["sources"][:count]]
    return score


VARIANTS: dict[str, Callable[[Any, dict[str, Any]], list[float]]] = {
    "two": joined(2),
    "three": joined(3),
    "four": joined(4),
    "titled2": joined(2, titled),
    "titled4": joined(4, titled),
    "each3": each(3),
    "stated2": joined(2, user=STATED),
    "stated-titled4": joined(4, titled, STATED),
}
"""Judge variants by name: what they put to the model, each giving one or more scores per question."""


class VariantCache:
    """One variant's scores per question key, kept between runs."""

    def __init__(self, model: Path, variant: str, cache_dir: Path) -> None:
        self.path = cache_dir / "refusal-judge" / f"{model.stem}.{variant}.json"
        self.scores: dict[str, list[float]] = json.loads(self.path.read_text()) if self.path.is_file() else {}
        before = self.path.with_name(f"{model.stem}.json")  # the two-sentence judge's scores, from before variants
        if variant == "two" and not self.scores and before.is_file():
            self.scores = {k: [v] for k, v in json.loads(before.read_text()).items()}

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(self.scores))


def judge_all(model: Path, names: Sequence[str], rows: list[dict[str, Any]], cache_dir: Path) -> None:
    """Ask each named variant about every question it has not judged before."""
    from qa_assistant.answering.llm import LocalLLM
    from qa_assistant.citations import LLMJudge

    judge = None
    for name in names:
        cache = VariantCache(model, name, cache_dir)
        todo = [q for q in rows if q["key"] not in cache.scores and q["sources"]]
        random.Random(0).shuffle(todo)  # any prefix is a sample of every set: a partial run compares too
        for n, q in enumerate(todo, 1):
            if judge is None:
                llm = LocalLLM.load(load_settings({"model_path": str(model)}))
                judge = LLMJudge(llm.llama, llm.lock, system=answerability.SYSTEM)
            cache.scores[q["key"]] = VARIANTS[name](judge, q)
            if n % 10 == 0 or n == len(todo):
                cache.save()
                print(f"{name}: {n}/{len(todo)}", file=sys.stderr, flush=True)


Features = Callable[[dict[str, Any]], "list[float] | None"]
"""A question's judge features, None when a variant it needs has not judged that question."""


def feature_sets(model: Path, cache_dir: Path, variants: Sequence[str]) -> dict[str, Features]:
    """Judge features per question by name, from what the named variants (and "two") have cached."""
    cached = {name: VariantCache(model, name, cache_dir).scores for name in ("two", *variants)}
    base = {k: v[0] for k, v in cached["two"].items()}
    """The two-sentence judge, the one every variant is measured against."""

    def titles(q: dict[str, Any]) -> float:
        return float(len({t for t, _ in q["sources"][:4]}))

    def on(*parts: Callable[[dict[str, Any]], list[float] | None]) -> Features:
        def get(q: dict[str, Any]) -> list[float] | None:
            values = [part(q) for part in parts]
            return None if any(v is None for v in values) else [x for v in values for x in v]  # type: ignore[union-attr]
        return get

    def prod(q: dict[str, Any]) -> list[float] | None:
        return [base[q["key"]]] if q["key"] in base else None

    out: dict[str, Features] = {"none": lambda q: []}
    if base:
        out["two"] = prod
        out["two × coverage"] = on(prod, lambda q: [base[q["key"]] * q["coverage"]])
        out["two + articles in top 4"] = on(prod, lambda q: [titles(q)])
    def scored(scores: dict[str, list[float]], best: bool) -> Features:
        """The variant's score (its best single sentence's when ``best``), None where it has not judged."""
        def get(q: dict[str, Any]) -> list[float] | None:
            if q["key"] not in scores:
                return None
            return [max(scores[q["key"]]) if best else scores[q["key"]][0]]
        return get

    for name, scores in cached.items():
        if not scores or name == "two":
            continue
        if name.startswith("each"):
            out[f"max({name})"] = scored(scores, best=True)
            if base:
                out[f"two + max({name})"] = on(prod, out[f"max({name})"])
            continue
        out[name] = scored(scores, best=False)
        out[f"{name} + articles in top 4"] = on(out[name], lambda q: [titles(q)])
        if base:
            out[f"two + {name}"] = on(prod, out[name])
    return out


def compare(rows: list[dict[str, Any]], features: dict[str, Features]) -> None:
    """Cross-validated refusal rates per feature set, on the questions every feature set has."""
    rows = [q for q in rows if q["sources"] and all(f(q) is not None for f in features.values())]
    y = np.array([q["unanswerable"] for q in rows], dtype=bool)
    sets = np.array([q["set"] for q in rows])
    s2 = sets == "squad2"
    print(f"{len(rows)} questions ({int(y.sum())} unanswerable); refused rates: split seed 0 | mean of {SEEDS} seeds")
    header = "unans. squad2".ljust(15) + "".join(f"ans. {n}".ljust(17) for n in SETS)
    print(f"{'features':<28} {'judge AUROC':<12} {header}")
    for name, judge in features.items():
        x = np.array([[q["cosine"], q["coverage"], *(judge(q) or [])] for q in rows], dtype=float)
        roc = auroc(list(-x[s2, 2]), list(y[s2])) if x.shape[1] > 2 else None
        runs = np.array([cross_validated(x, y, sets, seed) for seed in range(SEEDS)])
        cells = [(runs[0][s2 & y].mean(), runs[:, s2 & y].mean())]
        cells += [(runs[0][(sets == n) & ~y].mean(), runs[:, (sets == n) & ~y].mean()) for n in SETS]
        line = "".join(f"{a:.3f} | {b:.3f}".ljust(17 if i else 15) for i, (a, b) in enumerate(cells))
        print(f"{name:<28} {'' if roc is None else f'{roc:.3f}':<12} {line}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, required=True, help="the judging GGUF")
    parser.add_argument("--variants", default="", help=f"comma-separated variants to judge first: {', '.join(VARIANTS)}")
    parser.add_argument("--compare", default="", metavar="VARIANTS",
                        help="comma-separated variants to compare with the two-sentence judge (default: --variants), "
                             "on the questions all of them have judged")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    shared = Path(os.environ.get("QA_ASSISTANT_SHARED") or REPO.parent / "shared")
    cache_dir = load_settings({}).cache_dir
    rows = retrieved(shared, cache_dir)
    names = [n for n in args.variants.split(",") if n]
    compared = [n for n in args.compare.split(",") if n] or names
    unknown = [n for n in names + compared if n not in VARIANTS]
    if unknown:
        parser.error(f"unknown variants: {', '.join(unknown)}")
    judge_all(args.model, names, rows, cache_dir)
    warnings.filterwarnings("ignore", category=UserWarning)  # a partial run leaves small folds
    compare(rows, feature_sets(args.model, cache_dir, compared))


if __name__ == "__main__":
    main()
