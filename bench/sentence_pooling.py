"""Sentence vectors pooled from the passage pass, against sentences embedded alone (issue 11).

    python bench/sentence_pooling.py [--articles DIR] [--limit N] [--overlap N] [--dedupe-only] [--json]

Parses the articles (``../shared/corpora/bbc-news`` by default, the first ``--limit``
files in path order, 0 for all), then, on the int8 ONNX embedder, times and compares:

* ``embed``: every sentence embedded alone, as an index build does now;
* ``passages``: every passage embedded once (what the build spends on passages anyway),
  keeping the last layer's token states, and each sentence's vector pooled from them;

and prints the CPU and wall seconds of each pass, the tokens each embeds, and for each
pooling variant the cosine between a sentence's pooled vector and its vector embedded
alone (mean, 1st / 5th / 50th percentile, and by sentence length).  Variants:

* ``span``: mean of the sentence's own tokens' states (L2-normalised afterwards);
* ``span+special``: the same plus the passage's [CLS] and [SEP] states (a sentence
  embedded alone averages its own [CLS] and [SEP] in);
* ``margin=M``: the span widened by M tokens of context each side;
* ``minus=A``: the unit span mean less A times the passage's unit mean (context taken out);
* ``first`` / ``average``: a sentence two passages share (the overlap) pooled from the
  first one, or the mean of both (``average`` everywhere else).

Sentences a passage's truncation (the model's 256 tokens) cuts off are embedded alone
(their count is printed).  ``--dedupe-only`` instead counts, without running the model,
the texts and tokens an ``embed`` build runs now (distinct texts per group of about 1024,
as ``qa_assistant/index/apply.py`` batches them) against distinct texts over the whole build.

Result (2026-12-01, 2 cores shared with another job, load average 2-4, so CPU seconds are
the figure): pooling is fast enough but loses SQuAD recall and answers; not adopted.

BBC, 200 articles: mean cosine pooled -> alone 0.80 (p5 0.62) for ``span average``;
``first`` 0.79, ``span+special`` 0.79, ``margin=2`` 0.78, ``margin=8`` 0.75, ``minus=0.25``
0.81, ``minus=0.5`` 0.80; about the same (0.77-0.85) at every sentence length, so embedding
only the short sentences alone would not help.  Pooling all the variants at once added 1-9 %
CPU to the passage pass (7.6 -> 7.8 s, 8.1 -> 8.8 s on 200 articles).

Full BBC build (2,225 articles, ``bench/index_build.py --articles ../shared/corpora/bbc-news``,
same load, one after the other):

| build | tokens embedded | update CPU s | wall s |
|---|---:|---:|---:|
| embed (default) | 1,065k sentences + 1,325k passages | 191.0 | 190 |
| pooled | 1,325k passages | 117.2 (-39 %) | 117 |
| pooled, passage_overlap 0 | 1,028k passages | 90.9 (-52 %) | 91 |

(wall = CPU here because the other job held a core; on two free cores the embed build takes
91 s wall for ~177 CPU s, so pooled would come to ~56 s wall.)

Through the engine, ``qa-assistant eval <set> --extractive --json`` (index built by it):

| build | squad recall@5 | squad answer_hit | squad cit. P / R | multirc recall@5 | multirc cit. P / R | multirc right-vs-wrong AUROC | hotpotqa recall@5 | hotpotqa answer_hit | hotpotqa cit. P / R |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|
| embed | 0.9688 | 0.7743 | 0.719 / 0.764 | 0.9744 | 0.768 / 0.718 | 0.8066 | 0.9808 | 0.1731 | 0.720 / 0.692 |
| pooled | **0.9549** | **0.7569** | 0.708 / 0.740 | 0.9761 | 0.751 / 0.698 | 0.8075 | 0.9808 | 0.1731 | 0.735 / 0.692 |
| pooled, margin 2 | 0.9549 | 0.7535 | 0.700 / 0.736 | – | – | – | – | – | – |
| pooled, overlap 0 | 0.9444 | 0.7500 | 0.712 / 0.729 | 0.9795 | 0.769 / 0.691 | 0.8078 | 1.0000 | 0.1538 | 0.750 / 0.692 |

"The articles do not say" answers on squad: embed 2, pooled 9, margin 2 9, overlap 0 13
(multirc 51, 66, -, 81).  ``bench/fit_verifier.py`` with the cited sentences' pooled vectors
(refitted head, dev / held-out multirc AUROC): 0.813 / 0.827, against 0.811 / 0.824 embedded
alone: the verifier does not suffer, retrieval and extractive answers do (SQuAD recall@5
-0.014, 4 of 288 questions; answer_hit -0.017).  The pooled sentence vectors are contextual
(0.80 cosine to the sentence alone) and rank sentences much as the passage vector ranks
passages, so fusion's best-sentence cosine adds less.

``--dedupe-only`` on all of BBC: sentences 42,247 texts / 1,148k tokens per group -> 39,154 /
1,065k build-wide (-7.2 %), passages 14,150 / 1,410k -> 13,302 / 1,325k (-6.0 %): a build-wide
vector cache would save ~10 CPU s of ~177, not enough alone.

The ``sentence_vectors = "pooled"`` setting measured here is on branch ``s14-pool-experiment``
(not merged).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from shared_data import shared_dir  # noqa: E402

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from qa_assistant.config import Settings  # noqa: E402
from qa_assistant.embedding.embedder import load_embedder  # noqa: E402
from qa_assistant.ingest import list_article_files, parse_document, read_article_bytes  # noqa: E402


def clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def since(start: tuple[float, float]) -> tuple[float, float]:
    return time.perf_counter() - start[0], time.process_time() - start[1]


def token_spans(offsets: list[tuple[int, int]], n_tokens: int, char_spans: list[tuple[int, int]],
                max_length: int) -> list[tuple[int, int] | None]:
    """Token ``[a, b)`` of each character span in an encoded text; None when truncation cut it."""
    inner = offsets[1:n_tokens - 1]  # without [CLS] and [SEP]
    starts = np.asarray([s for s, _ in inner], dtype=np.int64)
    last_end = inner[-1][1] if inner else 0
    out: list[tuple[int, int] | None] = []
    for start, end in char_spans:
        if end > last_end and n_tokens >= max_length:
            out.append(None)
            continue
        a = int(np.searchsorted(starts, start, side="left")) + 1
        b = int(np.searchsorted(starts, end, side="left")) + 1
        out.append((a, b) if b > a else None)
    return out


def unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.where(n > 0, n, 1.0)


VARIANTS = ("span", "span+special", "margin=2", "margin=8", "minus=0.25", "minus=0.5", "minus=0.75")


def pooled(states: np.ndarray, n: int, span: tuple[int, int], variant: str) -> np.ndarray:
    a, b = span
    if variant == "span":
        return states[a:b].mean(axis=0)
    if variant == "span+special":
        return (states[a:b].sum(axis=0) + states[0] + states[n - 1]) / (b - a + 2)
    if variant.startswith("minus="):  # the passage's own mean taken out: the sentence less its context
        alpha = float(variant.split("=")[1])
        return unit(states[a:b].mean(axis=0)) - alpha * unit(states[:n].mean(axis=0))
    m = int(variant.split("=")[1])
    return states[max(1, a - m):min(n - 1, b + m)].mean(axis=0)


def dedupe_figures(runner, docs: list) -> dict[str, dict[str, int]]:
    """Texts and tokens an ``embed`` build runs (distinct texts per group of about
    ``_GROUP_TEXTS``, as :mod:`qa_assistant.index.apply` batches them) against distinct
    texts over the whole build (a build-wide cache of vectors by text)."""
    from qa_assistant.index.apply import _GROUP_TEXTS

    def texts(doc) -> tuple[list[str], list[str]]:
        sentences = [doc.text[s.start:s.end] for s in doc.sentences]
        passages = [doc.text[doc.sentences[f].start:doc.sentences[last - 1].end] for f, last in doc.passages]
        return sentences, passages

    per_group: dict[str, list[str]] = {"sentences": [], "passages": []}
    group: list = []
    size = 0
    for doc in docs + [None]:
        if doc is not None:
            group.append(doc)
            size += len(doc.sentences) + len(doc.passages)
        if group and (doc is None or size >= _GROUP_TEXTS):
            pairs = [texts(d) for d in group]
            per_group["sentences"] += list(dict.fromkeys(t for s, _ in pairs for t in s))
            per_group["passages"] += list(dict.fromkeys(t for _, p in pairs for t in p))
            group, size = [], 0
    out = {}
    for kind, embedded in per_group.items():
        distinct = sorted(set(embedded))
        out[kind] = {"per_group_texts": len(embedded), "build_wide_texts": len(distinct),
                     "per_group_tokens": sum(len(x) for x in runner.token_ids(embedded)),
                     "build_wide_tokens": sum(len(x) for x in runner.token_ids(distinct))}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=Path, default=shared_dir() / "corpora" / "bbc-news")
    parser.add_argument("--limit", type=int, default=300)
    parser.add_argument("--overlap", type=int, default=Settings.model_fields["passage_overlap"].default)
    parser.add_argument("--dedupe-only", action="store_true",
                        help="only count what a build-wide cache of vectors by text would save (no model run)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    settings = Settings(articles_dir=args.articles.resolve(), passage_overlap=args.overlap)
    embedder = load_embedder(settings)
    runner = embedder.model
    files, _ = list_article_files(settings.articles_dir)
    files = sorted(files, key=lambda f: f.relpath)[:args.limit or None]
    docs = [parse_document(f.relpath, read_article_bytes(f), f.mtime, settings) for f in files]
    if args.dedupe_only:
        counts = dedupe_figures(runner, docs)
        if args.json:
            print(json.dumps({"articles": len(docs), "dedupe": counts}))
            return
        print(f"{len(docs)} articles: texts and tokens an embed build runs, per group as now -> build-wide distinct")
        for kind, f in counts.items():
            print(f"  {kind:9s} texts {f['per_group_texts']} -> {f['build_wide_texts']}, tokens "
                  f"{f['per_group_tokens']} -> {f['build_wide_tokens']} "
                  f"({1 - f['build_wide_tokens'] / f['per_group_tokens']:.1%} fewer)")
        return

    sentences = [d.text[s.start:s.end] for d in docs for s in d.sentences]
    passages: list[str] = []
    spans: list[list[tuple[int, int]]] = []  # per passage, the char spans of its sentences
    owners: list[list[int]] = []  # per passage, the global sentence numbers
    base = 0
    for d in docs:
        for first, last in d.passages:
            p0 = d.sentences[first].start
            passages.append(d.text[p0:d.sentences[last - 1].end])
            spans.append([(d.sentences[i].start - p0, d.sentences[i].end - p0) for i in range(first, last)])
            owners.append([base + i for i in range(first, last)])
        base += len(d.sentences)

    # 1. sentences alone (the build's encode: distinct texts, batched by length, 2 workers)
    start = clock()
    alone = embedder.encode(sentences)
    sentence_s = since(start)
    # 2. passages alone, pooled only (what the build spends on passages now)
    start = clock()
    embedder.encode(passages)
    passage_s = since(start)

    # 3. passages with token states kept and sentence spans pooled (one worker per core)
    start = clock()
    encodings = runner.tokenizer.encode_batch(passages, add_special_tokens=True)
    ids = [e.ids for e in encodings]
    tspans = [token_spans(e.offsets, len(e.ids), s, runner.layout.max_length) for e, s in zip(encodings, spans, strict=True)]
    groups = runner.batches([len(x) for x in ids])
    result: dict[str, np.ndarray] = {v: np.zeros((len(sentences), 384), np.float32) for v in VARIANTS}
    first_only = np.zeros((len(sentences), 384), np.float32)
    seen = np.zeros(len(sentences), np.int64)

    def one(group: list[int]):
        states, _ = runner.token_states([ids[i] for i in group])
        out = []
        for row, i in enumerate(group):
            n = len(ids[i])
            out.append((i, {v: [None if t is None else unit(pooled(states[row], n, t, v)) for t in tspans[i]]
                            for v in VARIANTS}))
        return out

    pool = runner._executor()
    for chunk in pool.map(one, groups):
        for i, per_variant in chunk:
            for k, g in enumerate(owners[i]):
                if per_variant["span"][k] is None:
                    continue
                if not seen[g]:
                    first_only[g] = per_variant["span"][k]
                seen[g] += 1
                for v in VARIANTS:
                    result[v][g] += per_variant[v][k]
    pooled_s = since(start)
    missing = np.flatnonzero(seen == 0)
    start = clock()
    if len(missing):
        fill = embedder.encode([sentences[g] for g in missing])
        for v in VARIANTS:
            result[v][missing] = fill
        first_only[missing] = fill
    missing_s = since(start)

    def stats(vectors: np.ndarray) -> dict[str, float]:
        cos = np.sum(unit(vectors) * alone, axis=1)
        return {"mean": round(float(cos.mean()), 4), "p1": round(float(np.percentile(cos, 1)), 4),
                "p5": round(float(np.percentile(cos, 5)), 4), "p50": round(float(np.percentile(cos, 50)), 4),
                "min": round(float(cos.min()), 4)}

    lengths = np.asarray([len(x) for x in runner.token_ids(sentences)])
    span_cos = np.sum(unit(result["span"]) * alone, axis=1)
    by_length = {}
    for low, high in ((0, 16), (16, 24), (24, 32), (32, 48), (48, 10_000)):
        inside = (lengths > low) & (lengths <= high)
        by_length[f"{low + 1}-{high}"] = {"sentences": int(inside.sum()),
                                         "token_share": round(float(lengths[inside].sum() / lengths.sum()), 3),
                                         "mean_cosine": round(float(span_cos[inside].mean()), 4) if inside.any() else None}
    tokens_s = sum(len(x) for x in runner.token_ids(sorted(set(sentences))))
    tokens_p = sum(len(x) for x in runner.token_ids(sorted(set(passages))))
    figures = {
        "articles": len(docs), "sentences": len(sentences), "passages": len(passages),
        "overlap": args.overlap, "tokens": {"sentences": tokens_s, "passages": tokens_p},
        "embed_sentences_s": [round(x, 2) for x in sentence_s],
        "embed_passages_s": [round(x, 2) for x in passage_s],
        "pooled_pass_s": [round(x, 2) for x in pooled_s],
        "truncated_sentences": len(missing), "truncated_embed_s": [round(x, 2) for x in missing_s],
        "cosine_to_alone": {**{f"{v} average": stats(result[v]) for v in VARIANTS}, "span first": stats(first_only)},
        "span_cosine_by_tokens": by_length,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    if args.json:
        print(json.dumps(figures))
        return
    print(f"{len(docs)} articles, {len(sentences)} sentences, {len(passages)} passages (overlap {args.overlap}); "
          f"tokens: sentences {tokens_s}, passages {tokens_p}")
    print(f"  sentences alone     wall {sentence_s[0]:6.2f} s  cpu {sentence_s[1]:6.2f} s")
    print(f"  passages alone      wall {passage_s[0]:6.2f} s  cpu {passage_s[1]:6.2f} s")
    print(f"  passages + pooling  wall {pooled_s[0]:6.2f} s  cpu {pooled_s[1]:6.2f} s  "
          f"(all variants; {len(missing)} truncated sentences embedded alone: cpu {missing_s[1]:.2f} s)")
    print("  cosine of the pooled vector to the sentence embedded alone:")
    for name, s in figures["cosine_to_alone"].items():
        print(f"    {name:22s} mean {s['mean']:.4f}  p1 {s['p1']:.4f}  p5 {s['p5']:.4f}  "
              f"p50 {s['p50']:.4f}  min {s['min']:.4f}")
    print("  span average, by the sentence's tokens (special ones included):")
    for bucket, b in by_length.items():
        print(f"    {bucket:>9} tokens: {b['sentences']:5d} sentences, {b['token_share']:.3f} of the tokens, "
              f"mean cosine {b['mean_cosine']}")
    print(f"  load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
