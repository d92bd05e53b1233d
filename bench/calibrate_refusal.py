"""Fit the refusal model (answering/refusal.py) on SQuAD 2.0 dev and check it on the other sets.

    python bench/calibrate_refusal.py                      # retrieval evidence only (every model)
    python bench/calibrate_refusal.py --model FILE.gguf    # plus that model's answerability judge

For every question of ../shared/eval/{squad2,squad,multirc,hotpotqa} it runs the
real retrieval (cached eval indexes, built on the first run) and records the
refusal evidence: best sentence cosine, question-term coverage of the three
best sentences, and whether the question asks about the opposite of what the
best sentence says (``answering/contrast.py``).  With ``--model`` it also asks that GGUF whether the two best
sentences answer the question (``answering/answerability.py``) on a seeded
sample of each set (``--sample``; one prompt evaluation per question, cached
under cache_dir/refusal-judge/ by model and question id).  It fits a logistic
regression on squad2 (unanswerable = 1), picks the lowest threshold that keeps
answerable questions refused ≤ 0.10 on every set, and prints the weights to
paste into ``RefusalModel`` (or ``JUDGED``) with the refusal rates per set and
the 5-fold AUROC on squad2; and the share of off-topic questions refused (``OFF_TOPIC``:
questions of one set asked of another set's articles), which no dev set holds but which
any refit must keep near all of them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from qa_assistant.answering.answerability import AnswerabilityJudge  # noqa: E402
from qa_assistant.answering.contrast import Contrast, Opposites  # noqa: E402
from qa_assistant.answering.engine import Engine  # noqa: E402
from qa_assistant.answering.llm import LocalLLM  # noqa: E402
from qa_assistant.answering.refusal import Evidence, RefusalModel, retrieval_evidence  # noqa: E402
from qa_assistant.config import load_settings  # noqa: E402
from qa_assistant.evaluation.metrics import auroc  # noqa: E402
from qa_assistant.evaluation.runner import eval_settings, load_eval_set  # noqa: E402
from qa_assistant.retrieval import score_sentences  # noqa: E402

SETS = ("squad2", "squad", "multirc", "hotpotqa")
MOST_ANSWERABLE_REFUSED = 0.10
SAMPLE = {"squad2": 160, "squad": 40, "multirc": 60, "hotpotqa": 30}
"""Questions per set the judge reads (seeded): enough for the fit, small enough for 2 cores."""
OFF_TOPIC = {"hotpotqa": ("squad", "squad2"), "squad": ("multirc",), "multirc": ("hotpotqa",)}
"""Questions asked of another set's articles (the index's set: the sets whose questions it is asked):
the most common unanswerable question a reader asks, which the dev sets hold none of.  (Not
squad2's questions of squad's articles: squad2's article sits among them.)"""
OFF_TOPIC_SAMPLE = 60
"""Seeded questions of each asked set; 232 in all (hotpotqa has 52)."""


class JudgeCache:
    """The judge's log-odds per question id, kept between runs (one file per model).

    The file holds the product's judge (``answering/answerability.py``); other ways of asking
    keep their own files (``bench/compare_judges.py``), so changing the product's prompt must
    change this file's name too, or the old prompt's scores would be read as the new one's."""

    def __init__(self, model: Path, cache_dir: Path) -> None:
        self.model = model
        self.path = cache_dir / "refusal-judge" / f"{model.stem}.json"
        self.scores: dict[str, float] = json.loads(self.path.read_text()) if self.path.is_file() else {}
        self._judge: AnswerabilityJudge | None = None

    def log_odds(self, key: str, question: str, sources: list[str]) -> float:
        if key not in self.scores:
            if self._judge is None:  # the model is loaded only for questions not judged before
                llm = LocalLLM.load(load_settings({"model_path": str(self.model)}))
                self._judge = AnswerabilityJudge(llm.llama, llm.lock)
            self.scores[key] = self._judge.log_odds(question, sources)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(self.scores))
        return self.scores[key]


def write_judged(model_name: str, weights: dict[str, float]) -> None:
    from qa_assistant.answering.refusal import JUDGED_FILE

    data: dict[str, Any] = json.loads(JUDGED_FILE.read_text()) if JUDGED_FILE.is_file() else {
        "version": 1, "fitted_by": "python bench/calibrate_refusal.py --model FILE --write", "judged": {}}
    data["judged"][model_name] = weights
    JUDGED_FILE.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {JUDGED_FILE}")


def sample(name: str, size: int) -> set[int]:
    """The seeded positions of a set's questions the judge reads."""
    rng = random.Random(0)
    return set(rng.sample(range(size), min(SAMPLE[name], size)))


def question_positions(name: str, size: int, judged: bool, held_out: int = 0) -> tuple[list[int], list[int]]:
    """The positions of a set's fitting questions (the seeded sample when judged, else all), then of
    up to ``held_out`` other ones: the same questions for every judge variant (bench/compare_judges.py)."""
    fitting = sample(name, size) if judged else set(range(size))
    rest = [i for i in random.Random(1).sample(range(size), size) if i not in fitting][:held_out]
    return sorted(fitting), sorted(rest)


def eval_engine(shared: Path, name: str, embedder: object | None) -> tuple[Engine, Any, Any]:
    """An extractive engine over a set's cached eval index (built when missing), its settings and the set."""
    eval_set = load_eval_set(shared / "eval" / name)
    settings = eval_settings(load_settings({"extractive": True}), eval_set)
    engine = Engine(settings, embedder=embedder)  # type: ignore[arg-type]
    engine.load(update="always")
    assert engine._retriever is not None
    return engine, settings, eval_set


def features(name: str, shared: Path, embedder: object | None, judge: JudgeCache | None,
             held_out: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, object]:
    """Evidence rows and labels of the fitting questions, then of up to ``held_out`` other ones (judge only)."""
    engine, settings, eval_set = eval_engine(shared, name, embedder)
    retriever = engine._retriever
    assert retriever is not None
    opposites = Opposites.load()
    out: list[tuple[list[list[float]], list[bool]]] = []
    for positions in question_positions(name, len(eval_set.questions), judge is not None, held_out):
        rows, labels = [], []
        for i in positions:
            q = eval_set.questions[i]
            hits = retriever.retrieve(q["question"], settings.top_k_passages)
            ranked = score_sentences(hits, retriever.stats)
            e = retrieval_evidence(q["question"], hits, ranked, retriever.stats, opposites)
            row = [e.best_cosine, e.coverage]
            if judge is not None:
                sources = [item.hit.sentence.text for item in ranked]
                row.append(judge.log_odds(f"{name}/{q['id']}", q["question"], sources) if sources else 0.0)
            row.append(float(e.contrast is not None))
            rows.append(row)
            labels.append(not q.get("answerable", True))
        out.append((rows, labels))
    engine.close()
    (fx, fy), (hx, hy) = out
    return (np.asarray(fx), np.asarray(fy, dtype=bool), np.asarray(hx, dtype=float).reshape(len(hx), len(fx[0]) if fx else 0),
            np.asarray(hy, dtype=bool), engine._embedder)


def off_topic(shared: Path, embedder: object | None) -> np.ndarray:
    """Evidence rows ([cosine, coverage, contrast]) of the off-topic questions (``OFF_TOPIC``)."""
    rows: list[list[float]] = []
    opposites = Opposites.load()
    for index_set, asked in OFF_TOPIC.items():
        engine, settings, _ = eval_engine(shared, index_set, embedder)
        retriever = engine._retriever
        assert retriever is not None
        for name in asked:
            questions = load_eval_set(shared / "eval" / name).questions
            for q in random.Random(0).sample(questions, min(OFF_TOPIC_SAMPLE, len(questions))):
                hits = retriever.retrieve(q["question"], settings.top_k_passages)
                ranked = score_sentences(hits, retriever.stats)
                e = retrieval_evidence(q["question"], hits, ranked, retriever.stats, opposites)
                rows.append([e.best_cosine, e.coverage, float(e.contrast is not None)])
        engine.close()
    return np.asarray(rows)


def shipped_off_topic_refused(rows: np.ndarray) -> float:
    """The share of off-topic questions the shipped ``RefusalModel`` refuses."""
    model = RefusalModel()
    return float(np.mean([model.refuse(Evidence(best_cosine=c, coverage=v, contrast=Contrast("", "") if k else None))
                          for c, v, k in rows]))


def rates(name: str, p: np.ndarray, labels: np.ndarray, threshold: float) -> str:
    line = f"{name:<9} answerable refused {np.mean(p[~labels] >= threshold):.3f} ({int((~labels).sum())})"
    if labels.any():
        line += f"   unanswerable refused {np.mean(p[labels] >= threshold):.3f} ({int(labels.sum())})"
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, help="a GGUF whose answerability judge to fit with the retrieval evidence")
    parser.add_argument("--held-out", type=int, default=0, metavar="N",
                        help="with --model: judge up to N more questions per set (beyond the seeded sample) for the fit")
    parser.add_argument("--write", action="store_true",
                        help="with --model: store the fitted weights in qa_assistant/answering/refusal.json")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    shared = Path(os.environ.get("QA_ASSISTANT_SHARED") or REPO.parent / "shared")
    judge = JudgeCache(args.model, load_settings({}).cache_dir) if args.model else None
    data, held, embedder = {}, {}, None
    for name in SETS:
        x, y, hx, hy, embedder = features(name, shared, embedder, judge, args.held_out if judge else 0)
        data[name], held[name] = (x, y), (hx, hy)
    if judge is None:
        fit_retrieval_only(data, off_topic(shared, embedder))
    else:
        fit_with_judge(data, held, args.model, args.write)


def lowest_threshold(probability: dict[str, np.ndarray], labels: dict[str, np.ndarray]) -> float:
    """The lowest threshold that keeps answerable questions refused ≤ 0.10 on every set."""
    for t in np.arange(0.30, 0.99, 0.01):
        if all(np.mean(probability[n][~labels[n]] >= t) <= MOST_ANSWERABLE_REFUSED for n in probability):
            return float(t)
    return 0.99


def fit_retrieval_only(data: dict[str, tuple[np.ndarray, np.ndarray]], off: np.ndarray) -> None:
    """Fitted on all of squad2 (the only set with unanswerable questions), checked on every set."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict

    x, y = data["squad2"]
    cv = cross_val_predict(LogisticRegression(max_iter=1000), x, y, cv=5, method="predict_proba")[:, 1]
    print(f"squad2 5-fold AUROC unanswerable vs answerable: {auroc(list(cv), list(y)):.3f} ({len(y)} questions)")
    model = LogisticRegression(max_iter=1000).fit(x, y)
    probability = {name: model.predict_proba(xs)[:, 1] for name, (xs, _) in data.items()}
    threshold = lowest_threshold(probability, {n: ys for n, (_, ys) in data.items()})
    bias, weights = float(model.intercept_[0]), model.coef_[0]
    print(f"RefusalModel(bias={bias:.2f}, cosine={weights[0]:.2f}, coverage={weights[1]:.2f}, "
          f"contrast={weights[2]:.2f}, threshold={threshold:.2f})")
    for name in SETS:
        print(rates(name, probability[name], data[name][1], threshold))
    print(f"off-topic questions refused ({len(off)}, questions of one set asked of another's articles): "
          f"{np.mean(model.predict_proba(off)[:, 1] >= threshold):.3f} as fitted, "
          f"{shipped_off_topic_refused(off):.3f} by the shipped RefusalModel")
    contrasted = {name: int(xs[:, 2].sum()) for name, (xs, _) in data.items()}
    print("questions asking the opposite of the best sentence:", contrasted,
          f"(squad2 unanswerable {int(x[y, 2].sum())} of {int(y.sum())})")
    refused = squad2_fit_cross_validated(data, seed=0)
    print("5-fold cross-validated (fitted on the training folds' squad2, threshold on every set's training folds):")
    for name in SETS:
        r, labels = refused[name], data[name][1]
        line = f"{name:<9} answerable refused {r[~labels].mean():.3f}"
        if labels.any():
            line += f"   unanswerable refused {r[labels].mean():.3f}"
        print(line)


def squad2_fit_cross_validated(data: dict[str, tuple[np.ndarray, np.ndarray]], seed: int) -> dict[str, np.ndarray]:
    """Refused or not per question of each set, as :func:`fit_retrieval_only` decides but by
    5-fold cross-validation: every set is split in five (stratified by label); each fold's
    model is fitted on the other folds' squad2 questions and its threshold chosen on the
    other folds of every set."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    splits = {n: list(StratifiedKFold(5, shuffle=True, random_state=seed).split(xs, ys if ys.any() else
                                                                                  np.arange(len(ys)) % 2))
              for n, (xs, ys) in data.items()}
    refused = {n: np.zeros(len(ys), dtype=bool) for n, (_, ys) in data.items()}
    for k in range(5):
        train = {n: splits[n][k][0] for n in data}
        x, y = data["squad2"][0][train["squad2"]], data["squad2"][1][train["squad2"]]
        fold = LogisticRegression(max_iter=1000).fit(x, y)
        p = {n: fold.predict_proba(data[n][0][train[n]])[:, 1] for n in data}
        t = lowest_threshold(p, {n: data[n][1][train[n]] for n in data})
        for n, (xs, _) in data.items():
            test = splits[n][k][1]
            refused[n][test] = fold.predict_proba(xs[test])[:, 1] >= t
    return refused


def cross_validated(x: np.ndarray, y: np.ndarray, sets: np.ndarray, seed: int) -> np.ndarray:
    """Refused or not per question, by 5-fold cross-validation stratified by set and label,
    each fold's threshold chosen on its training folds (:func:`lowest_threshold`)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    refused = np.zeros(len(y), dtype=bool)
    strata = np.array([f"{n}{int(v)}" for n, v in zip(sets, y, strict=True)])
    for train, test in StratifiedKFold(5, shuffle=True, random_state=seed).split(x, strata):
        fold = LogisticRegression(max_iter=1000).fit(x[train], y[train])
        p = fold.predict_proba(x[train])[:, 1]
        t = lowest_threshold({n: p[sets[train] == n] for n in SETS}, {n: y[train][sets[train] == n] for n in SETS})
        refused[test] = fold.predict_proba(x[test])[:, 1] >= t
    return refused


def fit_with_judge(data: dict[str, tuple[np.ndarray, np.ndarray]], held: dict[str, tuple[np.ndarray, np.ndarray]],
                   model_path: Path, write: bool) -> None:
    """Fitted on every judged question of every set pooled (the answerable ones of all sets teach the
    model how the judge reads multi-sentence and multi-hop questions), reported by 5-fold
    cross-validation with the threshold chosen on the training folds, then refitted on all."""
    from sklearn.linear_model import LogisticRegression

    pooled = {n: (np.vstack([data[n][0], held[n][0]]), np.concatenate([data[n][1], held[n][1]])) for n in SETS}
    x = np.vstack([pooled[n][0] for n in SETS])
    y = np.concatenate([pooled[n][1] for n in SETS])
    sets = np.concatenate([[n] * len(pooled[n][1]) for n in SETS])
    xs2, ys2 = pooled["squad2"]
    print(f"squad2 judge alone AUROC: {auroc(list(-xs2[:, 2]), list(ys2)):.3f} ({len(ys2)} questions)")
    refused = cross_validated(x, y, sets, seed=0)
    print("5-fold cross-validated (threshold chosen on the training folds):")
    for name in SETS:
        mine = sets == name
        line = f"{name:<9} answerable refused {refused[mine & ~y].mean():.3f} ({int((mine & ~y).sum())})"
        if (mine & y).any():
            line += f"   unanswerable refused {refused[mine & y].mean():.3f} ({int((mine & y).sum())})"
        print(line)
    model = LogisticRegression(max_iter=1000).fit(x, y)
    probability = {n: model.predict_proba(pooled[n][0])[:, 1] for n in SETS}
    threshold = lowest_threshold(probability, {n: pooled[n][1] for n in SETS})
    bias, weights = float(model.intercept_[0]), model.coef_[0]
    print(f"JUDGED[{model_path.stem!r}] = RefusalModel(bias={bias:.2f}, cosine={weights[0]:.2f}, "
          f"coverage={weights[1]:.2f}, judge={weights[2]:.3f}, contrast={weights[3]:.2f}, "
          f"threshold={threshold:.2f})   (all {len(y)} questions)")
    if write:
        write_judged(model_path.stem, {"bias": round(bias, 4), "cosine": round(float(weights[0]), 4),
                                       "coverage": round(float(weights[1]), 4), "judge": round(float(weights[2]), 4),
                                       "contrast": round(float(weights[3]), 4), "threshold": round(threshold, 2)})


if __name__ == "__main__":
    main()
