"""Embedding throughput and quality per backend (torch, onnx, onnx-int8) on the SQuAD eval set.

    python bench/embed_throughput.py [--backends torch,onnx,onnx-int8] [--json]

Reads ``../shared/eval/squad`` (or ``$QA_ASSISTANT_SHARED/eval/squad``), splits the
24 articles into sentences and 4-sentence passages with the project's own
splitter, and for each backend reports:

- model load time, cold (ONNX export into an empty cache) and warm (cache reused);
- sentences/s and passages/s;
- mean cosine between its sentence vectors and torch's (fp32);
- passage recall@5 over the SQuAD questions (a passage hits when it overlaps a
  gold evidence span, as ../shared/eval/README.md defines), dense alone and
  fused with BM25 by reciprocal rank fusion (k=60).

The machine may be shared: the load average is printed beside the figures.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from shared_data import shared_dir  # noqa: E402

from qa_assistant.config import Settings  # noqa: E402
from qa_assistant.embedding.embedder import load_embedder  # noqa: E402
from qa_assistant.ingest import make_passages, split_sentences  # noqa: E402
from qa_assistant.retrieval.fusion import reciprocal_rank_fusion  # noqa: E402
from qa_assistant.retrieval.lexical import LexicalIndex, tokenize  # noqa: E402

TOP_K = 5
CANDIDATES = 100
PASSAGE_SENTENCES = 4
PASSAGE_OVERLAP = 1


@dataclass
class Corpus:
    sentences: list[str]
    passages: list[str]
    passage_spans: list[tuple[str, int, int]]
    """(article file name, start, end) of each passage."""
    questions: list[str]
    evidence: list[list[tuple[str, int, int]]]


@dataclass
class Row:
    backend: str
    quantization: str | None
    load_cold_s: float
    load_warm_s: float
    sentences_per_s: float
    passages_per_s: float
    sentences_per_cpu_s: float
    passages_per_cpu_s: float
    mean_cosine_vs_torch: float | None
    dense_recall_at_5: float | None
    fused_recall_at_5: float | None


def squad_dir() -> Path:
    shared = shared_dir()
    return shared / "eval" / "squad"


def load_corpus(folder: Path) -> Corpus:
    sentences: list[str] = []
    passages: list[str] = []
    spans: list[tuple[str, int, int]] = []
    for path in sorted((folder / "articles").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        sents = split_sentences(text)
        sentences += [text[s.start:s.end] for s in sents]
        for first, last in make_passages(len(sents), PASSAGE_SENTENCES, PASSAGE_OVERLAP):
            start, end = sents[first].start, sents[last - 1].end
            passages.append(text[start:end])
            spans.append((path.name, start, end))
    questions, evidence = [], []
    for line in (folder / "questions.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            questions.append(item["question"])
            evidence.append([(e["article"], e["start"], e["end"]) for e in item["evidence"]])
    return Corpus(sentences, passages, spans, questions, evidence)


def hits(span: tuple[str, int, int], gold: list[tuple[str, int, int]]) -> bool:
    article, start, end = span
    return any(a == article and start < e_end and e_start < end for a, e_start, e_end in gold)


def recall(rankings: list[list[int]], corpus: Corpus) -> float:
    found = sum(
        any(hits(corpus.passage_spans[p], gold) for p in ranking[:TOP_K])
        for ranking, gold in zip(rankings, corpus.evidence, strict=True)
    )
    return found / len(rankings)


def dense_rankings(questions: np.ndarray, passages: np.ndarray) -> list[list[int]]:
    scores = questions @ passages.T
    best = np.argsort(-scores, axis=1, kind="stable")[:, :CANDIDATES]
    return [list(map(int, row)) for row in best]


def lexical_rankings(corpus: Corpus) -> list[list[int]]:
    index = LexicalIndex([tokenize(p) for p in corpus.passages])
    return [[i for i, _ in index.search(tokenize(q), CANDIDATES)] for q in corpus.questions]


def fused(dense: list[list[int]], lexical: list[list[int]]) -> list[list[int]]:
    return [[p for p, _ in reciprocal_rank_fusion([d, b])] for d, b in zip(dense, lexical, strict=True)]


def timed_encode(embedder, texts: list[str]) -> tuple[np.ndarray, float, float]:
    """Vectors, texts per wall second, texts per CPU second (all threads)."""
    started, cpu = time.perf_counter(), time.process_time()
    vectors = embedder.encode(texts)
    return vectors, len(texts) / (time.perf_counter() - started), len(texts) / (time.process_time() - cpu)


def through_sentence_transformers(embedder, cache_dir: Path):
    """The same ONNX export run by sentence-transformers' own ONNX backend (the path before
    the direct ONNX Runtime runner), for a paired comparison."""
    from sentence_transformers import SentenceTransformer

    from qa_assistant.embedding import onnx_export

    export = onnx_export.ensure_export(embedder.source, cache_dir, embedder.name, embedder.quantization)
    with onnx_export.quiet_export():
        model = SentenceTransformer(str(export.folder), backend="onnx", device="cpu", local_files_only=True,
                                    model_kwargs={"file_name": export.file_name, "provider": "CPUExecutionProvider"})
    return dataclasses.replace(embedder, model=model, backend=embedder.backend + " (sentence-transformers)")



def measure(backend: str, corpus: Corpus, cache_dir: Path, batch_size: int,
            lexical: list[list[int]], reference: np.ndarray | None, quick: int | None) -> tuple[Row, np.ndarray]:
    via_st = backend.endswith(":st")
    backend = backend.removesuffix(":st")
    settings = Settings(cache_dir=cache_dir, embedder_backend=backend, embed_batch_size=batch_size)
    cold = load_embedder(settings)  # into an empty cache: the ONNX export is made here (once per backend)
    cold_seconds = cold.load_seconds
    del cold
    embedder = load_embedder(settings)  # warm: the export is in the cache now
    if via_st:
        started = time.perf_counter()
        embedder = through_sentence_transformers(embedder, cache_dir)
        embedder.load_seconds = time.perf_counter() - started
    embedder.encode(corpus.sentences[:batch_size])  # warm-up (allocations, kernels)
    sentences = corpus.sentences[:quick] if quick else corpus.sentences
    passages = corpus.passages[:quick // PASSAGE_SENTENCES] if quick else corpus.passages
    sentence_vectors, sentences_per_s, sentences_per_cpu_s = timed_encode(embedder, sentences)
    passage_vectors, passages_per_s, passages_per_cpu_s = timed_encode(embedder, passages)
    dense = None if quick else dense_rankings(embedder.encode(corpus.questions), passage_vectors)
    cosine = None if reference is None else float(np.mean(np.sum(sentence_vectors * reference, axis=1)))
    row = Row(
        backend=embedder.backend, quantization=embedder.quantization,
        load_cold_s=round(cold_seconds, 2), load_warm_s=round(embedder.load_seconds, 2),
        sentences_per_s=round(sentences_per_s, 1), passages_per_s=round(passages_per_s, 1),
        sentences_per_cpu_s=round(sentences_per_cpu_s, 1), passages_per_cpu_s=round(passages_per_cpu_s, 1),
        mean_cosine_vs_torch=None if cosine is None else round(cosine, 4),
        dense_recall_at_5=None if dense is None else round(recall(dense, corpus), 3),
        fused_recall_at_5=None if dense is None else round(recall(fused(dense, lexical), corpus), 3),
    )
    return row, sentence_vectors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="torch,onnx,onnx-int8",
                        help="comma-separated; a ':st' suffix (onnx-int8:st) runs that ONNX export through "
                             "sentence-transformers instead of ONNX Runtime directly, for comparison")
    parser.add_argument("--batch-size", type=int, default=Settings.model_fields["embed_batch_size"].default)
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help="ONNX export cache (default: a new temporary folder, so 'load cold' includes the export)")
    parser.add_argument("--quick", type=int, default=None, metavar="N",
                        help="throughput only, on the first N sentences and N/4 passages (no recall)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    folder = squad_dir()
    if not folder.is_dir():
        print(f"SQuAD eval set not found at {folder}; set QA_ASSISTANT_SHARED", file=sys.stderr)
        return 2
    corpus = load_corpus(folder)
    lexical = lexical_rankings(corpus)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if "torch" in backends:  # torch first: the reference vectors for the cosines
        backends = ["torch"] + [b for b in backends if b != "torch"]
    import sentence_transformers  # noqa: F401  (imported once, before any timing)

    cache_dir = args.cache_dir or Path(tempfile.mkdtemp(prefix="embed-bench-"))
    rows: list[Row] = []
    reference: np.ndarray | None = None
    try:
        for backend in backends:
            row, vectors = measure(backend, corpus, cache_dir, args.batch_size, lexical, reference, args.quick)
            if backend == "torch":
                reference = vectors
            rows.append(row)
            print(f"  {backend}: done", file=sys.stderr)
    finally:
        if args.cache_dir is None:
            shutil.rmtree(cache_dir, ignore_errors=True)

    report = {
        "corpus": {"articles": len({s[0] for s in corpus.passage_spans}), "sentences": len(corpus.sentences),
                   "passages": len(corpus.passages), "questions": len(corpus.questions)},
        "bm25_recall_at_5": round(recall(lexical, corpus), 3),
        "cpus": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()],
        "batch_size": args.batch_size, "quick": args.quick, "rows": [asdict(r) for r in rows],
    }
    print(json.dumps(report, indent=2) if args.json else table(report))
    return 0


def table(report: dict) -> str:
    c = report["corpus"]
    lines = [
        f"SQuAD: {c['articles']} articles, {c['sentences']} sentences, {c['passages']} passages "
        f"({PASSAGE_SENTENCES}-sentence windows), {c['questions']} questions; batch {report['batch_size']}; "
        f"{report['cpus']} CPUs, load average {report['load_average']}",
        f"BM25 alone: recall@5 {report['bm25_recall_at_5']:.3f}",
        "",
        "| backend | load cold s | load warm s | sentences/s | passages/s | sentences/CPU s | passages/CPU s "
        "| cosine vs torch | dense R@5 | fused R@5 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report["rows"]:
        name = r["backend"] + (f" ({r['quantization']})" if r["quantization"] else "")
        cosine, dense, fused_ = (
            "-" if r[key] is None else f"{r[key]:.{digits}f}"
            for key, digits in (("mean_cosine_vs_torch", 4), ("dense_recall_at_5", 3), ("fused_recall_at_5", 3))
        )
        lines.append(
            f"| {name} | {r['load_cold_s']:.1f} | {r['load_warm_s']:.1f} | {r['sentences_per_s']:.0f} | "
            f"{r['passages_per_s']:.0f} | {r['sentences_per_cpu_s']:.0f} | {r['passages_per_cpu_s']:.0f} | "
            f"{cosine} | {dense} | {fused_} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
