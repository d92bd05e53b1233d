"""How much the cited sources raise the default model's likelihood of an answer option (a probe, not shipped).

    python bench/source_pmi.py [--questions 150] [--model FILE.gguf]

On MultiRC's right and human-written wrong answer options (the claims of
``bench/fit_verifier.py``, its seeded question order), scores each option by the
pointwise mutual information between it and its gold sources under the LLM
(default: the packaged SmolLM2)::

    PMI = mean over the option's tokens of  log P(token | sources, question, option so far)
                                           - log P(token | question, option so far)

and reports the AUROC right vs wrong of PMI alone, of the shipped lexical head alone,
and of a logistic combination of the two fitted on one half (dev or held-out, by
article) and scored on the other.  Two prompt evaluations per option; the model's
own yes/no judgement (``citations/judge.py``) is not used.  The machine may be
shared: the seconds per option are printed with the load average.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import fit_verifier  # noqa: E402
import numpy as np  # noqa: E402
from shared_data import eval_dir  # noqa: E402

from qa_assistant.answering.llm import _cpu_has_amx, _without_weight_repacking, packaged_model_path  # noqa: E402
from qa_assistant.citations.head import LEXICAL, load_heads  # noqa: E402
from qa_assistant.config import Settings  # noqa: E402
from qa_assistant.embedding.embedder import load_embedder  # noqa: E402
from qa_assistant.evaluation.metrics import auroc  # noqa: E402


class Likelihood:
    """Mean log-probability of a continuation after a prompt, from llama.cpp's logits."""

    def __init__(self, model_path: Path) -> None:
        from llama_cpp import Llama

        with _without_weight_repacking(_cpu_has_amx()):
            self.llama = Llama(model_path=str(model_path), n_ctx=2048, n_threads=2, n_threads_batch=2,
                               verbose=False, logits_all=True)

    def mean_logprob(self, prompt: str, continuation: str) -> float:
        head = self.llama.tokenize(prompt.encode("utf-8"), add_bos=True, special=False)
        tail = self.llama.tokenize(continuation.encode("utf-8"), add_bos=False, special=False)
        self.llama.reset()
        self.llama.eval(head + tail)
        logits = np.asarray(self.llama.scores[len(head) - 1:len(head) + len(tail) - 1], dtype=np.float64)
        logits -= logits.max(axis=1, keepdims=True)
        log_z = np.log(np.exp(logits).sum(axis=1))
        return float(np.mean([logits[i, token] - log_z[i] for i, token in enumerate(tail)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=150)
    parser.add_argument("--model", type=Path, default=None)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    embedder = load_embedder(Settings())

    def vectors_of(texts: list[str]) -> np.ndarray:
        return embedder.encode(list(texts))

    pairs = [p for p in fit_verifier.build_pairs(eval_dir() / "multirc", "multirc", args.questions,
                                                 random.Random(0), vectors_of) if p.kind in ("right", "wrong")]
    scorer = Likelihood(args.model or packaged_model_path())
    started = time.perf_counter()
    pmi, right, split = [], [], []
    for pair in pairs:
        option = " " + pair.claim.split(": ", 1)[1]
        asked = f"Question: {pair.question}\nAnswer:"
        with_sources = scorer.mean_logprob("Text: " + " ".join(pair.sources) + "\n" + asked, option)
        pmi.append(with_sources - scorer.mean_logprob(asked, option))
        right.append(pair.right)
        split.append(pair.split)
    seconds = (time.perf_counter() - started) / max(1, len(pairs))
    fit_verifier.featurise(pairs, vectors_of, {})
    head = load_heads()[LEXICAL]
    probability = np.clip([head.probability(p.features[LEXICAL]) for p in pairs], 1e-4, 1 - 1e-4)
    lexical = np.log(probability / (1 - probability))
    print(f"{len(pairs)} MultiRC options ({sum(right)} right) of {args.questions} questions; "
          f"{seconds:.2f} s an option; load average {os.getloadavg()[0]:.2f}")
    print(f"  AUROC right vs wrong: PMI {auroc(pmi, right):.3f}, lexical head {auroc(list(lexical), right):.3f}")
    x = np.column_stack([lexical, pmi])
    y = np.array(right, dtype=float)
    halves = np.array(split)
    for fitted, scored in (("dev", "test"), ("test", "dev")):
        train = halves == fitted
        mean, scale = x[train].mean(axis=0), x[train].std(axis=0)
        weights, bias = fit_verifier.fit_logistic((x[train] - mean) / scale, y[train])
        combined = ((x[~train] - mean) / scale) @ weights + bias
        print(f"  fitted on {fitted}, scored on {scored}: lexical + PMI {auroc(list(combined), list(y[~train])):.3f}"
              f" against lexical {auroc(list(lexical[~train]), list(y[~train])):.3f} (weights {np.round(weights, 2)})")


if __name__ == "__main__":
    main()
