"""Fit the refusal model (answering/refusal.py) on SQuAD 2.0 dev and check it on the other sets.

    python bench/calibrate_refusal.py

For every question of ../shared/eval/{squad2,squad,multirc,hotpotqa} it runs the
real retrieval (cached eval indexes, built on the first run) and records the
refusal evidence: best sentence cosine and question-term coverage of the three
best sentences.  It fits a logistic regression on squad2 (unanswerable = 1),
picks the lowest threshold that keeps answerable questions refused ≤ 0.10 on
every set, and prints the weights to paste into ``RefusalModel`` with the
refusal rates per set (and the 5-fold AUROC on squad2).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from qa_assistant.answering.engine import Engine  # noqa: E402
from qa_assistant.answering.refusal import retrieval_evidence  # noqa: E402
from qa_assistant.config import load_settings  # noqa: E402
from qa_assistant.evaluation.metrics import auroc  # noqa: E402
from qa_assistant.evaluation.runner import default_index_dir, load_eval_set  # noqa: E402
from qa_assistant.retrieval import score_sentences  # noqa: E402

SETS = ("squad2", "squad", "multirc", "hotpotqa")
MOST_ANSWERABLE_REFUSED = 0.10


def features(name: str, shared: Path, embedder: object | None) -> tuple[np.ndarray, np.ndarray, object]:
    eval_set = load_eval_set(shared / "eval" / name)
    settings = load_settings({"extractive": True})
    settings = settings.replace(articles_dir=eval_set.articles_dir, index_dir=default_index_dir(settings, eval_set.root))
    engine = Engine(settings, embedder=embedder)  # type: ignore[arg-type]
    engine.load(update="always")
    retriever = engine._retriever
    assert retriever is not None
    rows, labels = [], []
    for q in eval_set.questions:
        hits = retriever.retrieve(q["question"], settings.top_k_passages)
        e = retrieval_evidence(hits, score_sentences(hits, retriever.stats), retriever.stats)
        rows.append([e.best_cosine, e.coverage])
        labels.append(not q.get("answerable", True))
    engine.close()
    return np.asarray(rows), np.asarray(labels), engine._embedder


def main() -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    shared = Path(os.environ.get("QA_ASSISTANT_SHARED") or REPO.parent / "shared")
    data, embedder = {}, None
    for name in SETS:
        x, y, embedder = features(name, shared, embedder)
        data[name] = (x, y)
    x, y = data["squad2"]
    cv = cross_val_predict(LogisticRegression(max_iter=1000), x, y, cv=5, method="predict_proba")[:, 1]
    print(f"squad2 5-fold AUROC unanswerable vs answerable: {auroc(list(cv), list(y)):.3f}")
    model = LogisticRegression(max_iter=1000).fit(x, y)
    probability = {name: model.predict_proba(xs)[:, 1] for name, (xs, _) in data.items()}
    threshold = 0.5
    for t in np.arange(0.30, 0.95, 0.01):
        if all(np.mean(probability[n][~data[n][1]] >= t) <= MOST_ANSWERABLE_REFUSED for n in SETS):
            threshold = float(t)
            break
    bias, (w_cos, w_cov) = float(model.intercept_[0]), model.coef_[0]
    print(f"RefusalModel(bias={bias:.2f}, cosine={w_cos:.2f}, coverage={w_cov:.2f}, threshold={threshold:.2f})")
    for name in SETS:
        p, labels = probability[name], data[name][1]
        line = f"{name:<9} answerable refused {np.mean(p[~labels] >= threshold):.3f} ({int((~labels).sum())})"
        if labels.any():
            line += f"   unanswerable refused {np.mean(p[labels] >= threshold):.3f} ({int(labels.sum())})"
        print(line)


if __name__ == "__main__":
    main()
