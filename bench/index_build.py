"""Full index build of an articles folder (SQuAD's by default), model load included.

    python bench/index_build.py [--articles DIR] [--backend auto|torch|onnx|onnx-int8]
                                [--passage-vectors embed|mean|compact] [--passage-sentences N]
                                [--passage-overlap N] [--json]

Default articles: ``../shared/eval/squad/articles`` (or ``$QA_ASSISTANT_SHARED``);
the full BBC build is ``--articles ../shared/corpora/bbc-news``.
Builds a fresh index in a temp folder and reports wall and CPU seconds for the
model load and for each stage of the update (scan, read+parse, embed, write),
with the counts and the number of texts embedded and of those handed to the model (a text met
earlier in the build reuses its vector; ``--passage-vectors mean``
embeds sentences only, ``compact`` a short text per passage).  With an ONNX
backend it then counts, outside the timed build, the tokens of the sentences and
of the passages the build embedded: the embedding's CPU seconds grow with them
(about 55-65 µs per token on one core with int8 MiniLM), so they bound what any
cheaper passage scheme can save.  The machine may be shared: the load average is
printed too.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from shared_data import shared_dir  # noqa: E402

from qa_assistant.config import Settings  # noqa: E402
from qa_assistant.embedding.embedder import load_embedder  # noqa: E402
from qa_assistant.embedding.passages import COMPACT_TOKENS, compact_passage_text  # noqa: E402
from qa_assistant.index import open_index, update_index  # noqa: E402
from qa_assistant.models import UpdateProgress  # noqa: E402


class StageClock:
    """Wall seconds spent in each stage, from the update's progress events."""

    def __init__(self) -> None:
        self.stage = ""
        self.since = time.perf_counter()
        self.seconds: dict[str, float] = {}
        self.embedded = 0

    def __call__(self, event: UpdateProgress) -> None:
        if event.stage == "embed":
            self.embedded = event.total
        if event.stage != self.stage:
            self.finish()
            self.stage = event.stage

    def finish(self) -> None:
        now = time.perf_counter()
        if self.stage:
            self.seconds[self.stage] = self.seconds.get(self.stage, 0.0) + now - self.since
        self.since = now


def count_tokens(reader: Any, embedder: Any, passage_vectors: str) -> dict[str, int] | None:
    """Tokens (special tokens included) of the distinct sentences and passages the build embedded;
    None unless the embedder runs on ONNX Runtime directly (it owns the tokenizer)."""
    from qa_assistant.embedding.onnx_runtime import OnnxRunner

    runner = embedder.model
    if not isinstance(runner, OnnxRunner):
        return None
    sentences: set[str] = set()
    passages: set[str] = set()
    titles: set[str] = set()
    for article in reader.articles():
        sentences.update(s.text for s in reader.sentences(article.id))
    if passage_vectors == "embed":
        passages.update(p.text for p in reader.iter_passages())
    elif passage_vectors == "compact":
        passages.update(compact_passage_text(p.text) for p in reader.iter_passages())
        # and each title once, as a sentence (so not again where a title is a sentence)
        titles = {reader.article(a.id)[1] for a in reader.articles()} - sentences
    limit = COMPACT_TOKENS if passage_vectors == "compact" else None

    def tokens(texts: set[str], max_tokens: int | None = None) -> int:
        return sum(len(ids) for ids in runner.token_ids(sorted(texts), max_tokens))

    return {"sentences": tokens(sentences), "passages": tokens(passages, limit) + tokens(titles)}


def count_given(embedder: Any) -> list[int]:
    """A one-item list that counts the texts handed to ``embedder.encode`` from now on
    (the build reuses the vectors of texts it met earlier, so this may be below the texts embedded)."""
    given = [0]
    encode = embedder.encode

    def counting(texts: Any, *args: Any, **kwargs: Any) -> Any:
        given[0] += len(texts)
        return encode(texts, *args, **kwargs)

    embedder.encode = counting
    return given


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=Path, default=shared_dir() / "eval" / "squad" / "articles")
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--passage-vectors", choices=("embed", "mean", "compact"),
                        default=Settings.model_fields["passage_vectors"].default)
    parser.add_argument("--passage-sentences", type=int, default=Settings.model_fields["passage_sentences"].default)
    parser.add_argument("--passage-overlap", type=int, default=Settings.model_fields["passage_overlap"].default)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not args.articles.is_dir():
        sys.exit(f"articles folder {args.articles} is absent")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(articles_dir=args.articles.resolve(), index_dir=Path(tmp) / "index",
                            embedder_backend=args.backend, passage_vectors=args.passage_vectors,
                            passage_sentences=args.passage_sentences, passage_overlap=args.passage_overlap)
        wall0, cpu0 = time.perf_counter(), time.process_time()
        embedder = load_embedder(settings)
        load_wall, load_cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        given = count_given(embedder)
        clock = StageClock()
        wall1, cpu1 = time.perf_counter(), time.process_time()
        report = update_index(settings, embedder, progress=clock)
        clock.finish()
        update_wall, update_cpu = time.perf_counter() - wall1, time.process_time() - cpu1
        with open_index(settings.index_dir) as reader:
            n_articles, n_sentences, n_passages = reader.counts()
            kind = reader.meta.faiss_kind
            peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the counting below
            tokens = count_tokens(reader, embedder, args.passage_vectors)

    figures = {
        "articles": n_articles, "sentences": n_sentences, "passages": n_passages, "faiss": kind,
        "backend": embedder.backend, "passage_vectors": args.passage_vectors,
        "passage_sentences": args.passage_sentences, "passage_overlap": args.passage_overlap,
        "texts_embedded": clock.embedded, "texts_given_to_model": given[0], "tokens_embedded": tokens,
        "load_s": round(load_wall, 2), "load_cpu_s": round(load_cpu, 2),
        "stages_s": {k: round(v, 2) for k, v in clock.seconds.items()},
        "update_s": round(update_wall, 2), "update_cpu_s": round(update_cpu, 2),
        "total_s": round(load_wall + update_wall, 2), "failed": len(report.failed),
        "peak_rss_mib": round(peak_rss, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count(),
    }
    if args.json:
        print(json.dumps(figures))
        return
    print(f"index build of {args.articles}")
    print(f"  {n_articles} articles, {n_sentences} sentences, {n_passages} passages, FAISS {kind}, "
          f"embedder backend {embedder.backend}")
    print(f"  passages of {args.passage_sentences} sentences, overlap {args.passage_overlap}; "
          f"passage vectors {args.passage_vectors}: {clock.embedded} texts embedded, "
          f"{given[0]} of them given to the model (the rest reused from earlier in the build)")
    if tokens is not None:
        print(f"  tokens embedded: {tokens['sentences']} in sentences, {tokens['passages']} in passages")
    print(f"  model load   {load_wall:6.2f} s  (cpu {load_cpu:.1f} s)")
    for stage, seconds in clock.seconds.items():
        print(f"  {stage:<12} {seconds:6.2f} s")
    print(f"  update       {update_wall:6.2f} s  (cpu {update_cpu:.1f} s)")
    print(f"  total        {load_wall + update_wall:6.2f} s  (goal: <= 30 s)")
    print(f"  peak RSS     {figures['peak_rss_mib']:6.0f} MiB (this process, model load included)")
    print(f"  load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cpus")


if __name__ == "__main__":
    main()
