"""Index build, whole process, side by side with a LlamaIndex peer on the same articles.

    python bench/build_vs_llamaindex.py --llamaindex-python /path/to/venv/bin/python
                                        [--articles DIR] [--pairs 3] [--chunk-overlap 32] [--json]

Ours: ``qa-assistant index rebuild --articles DIR --index TMP`` (a fresh index).
The peer: LlamaIndex ``VectorStoreIndex`` over ``SentenceSplitter(chunk_size=256)``
nodes (chunk lengths counted with MiniLM's own tokenizer: LlamaIndex's default
tiktoken tokenizer downloads its vocabulary, and no network is assumed) embedded
by ``HuggingFaceEmbedding`` with the same packaged all-MiniLM-L6-v2 on CPU, then
persisted to a temporary folder.

Each run is its own process; wall time, CPU time (user + system) and peak RSS
come from ``os.wait4``.  One warm-up pair (its figures are dropped), then
``--pairs`` pairs, ours and the peer's back to back so both see the same machine
load; the medians and the median of the per-pair wall ratios are printed.

LlamaIndex is not a dependency of this project: install it into a separate venv,
e.g. ``python3 -m venv ../llamaindex-venv && ../llamaindex-venv/bin/pip install
llama-index-core llama-index-embeddings-huggingface`` (it needs torch,
sentence-transformers and transformers too; a ``.pth`` file pointing at this
project's site-packages saves downloading them again).  Without
``--llamaindex-python`` (or ``$QA_ASSISTANT_LLAMAINDEX_PYTHON``), or when that
python cannot import LlamaIndex, only our own build is measured and the script
says why.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
from shared_data import shared_dir  # noqa: E402

PEER_SCRIPT = r"""
import os, sys, time
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
articles, model, persist, overlap = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
from llama_index.core import Settings, SimpleDirectoryReader, VectorStoreIndex
from llama_index.core.node_parser import SentenceSplitter
from llama_index.embeddings.huggingface import HuggingFaceEmbedding
from transformers import AutoTokenizer

tokenizer = AutoTokenizer.from_pretrained(model)
Settings.embed_model = HuggingFaceEmbedding(model_name=model, device="cpu")
splitter = SentenceSplitter(chunk_size=256, chunk_overlap=overlap,
                            tokenizer=lambda text: tokenizer.encode(text, add_special_tokens=False))
documents = SimpleDirectoryReader(articles, recursive=True, required_exts=[".txt", ".md", ".html"]).load_data()
index = VectorStoreIndex.from_documents(documents, transformations=[splitter])
index.storage_context.persist(persist_dir=persist)
print(len(index.docstore.docs), "nodes", file=sys.stderr)
"""


@dataclass
class Run:
    who: str
    wall_s: float
    cpu_s: float
    peak_rss_mib: float
    returncode: int


def measure(who: str, argv: list[str], env: dict[str, str]) -> Run:
    """Run one process to the end; its wall, CPU and peak RSS (from wait4)."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert process.stderr is not None
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        tail = errors.decode(errors="replace").strip().splitlines()[-3:]
        print(f"  {who} failed ({process.returncode}): {' / '.join(tail)}", file=sys.stderr)
    return Run(who, round(wall, 2), round(usage.ru_utime + usage.ru_stime, 2),
               round(usage.ru_maxrss / 1024, 1), process.returncode)


def ours_argv(articles: Path, index: Path) -> list[str]:
    return [sys.executable, "-c", "from qa_assistant.cli import main; main()",
            "index", "rebuild", "--articles", str(articles), "--index", str(index), "--json"]


def peer_usable(python: str | None) -> str | None:
    """Why the peer cannot run, or None."""
    if not python:
        return "no --llamaindex-python given (nor $QA_ASSISTANT_LLAMAINDEX_PYTHON)"
    if not Path(python).is_file():
        return f"{python} does not exist"
    probe = subprocess.run([python, "-c", "import llama_index.core, llama_index.embeddings.huggingface"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or ["?"])[-1]
        return f"{python} cannot import LlamaIndex ({last})"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--llamaindex-python", default=os.environ.get("QA_ASSISTANT_LLAMAINDEX_PYTHON"))
    parser.add_argument("--articles", type=Path, default=shared_dir() / "eval" / "squad" / "articles")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--chunk-overlap", type=int, default=32, help="SentenceSplitter overlap, in tokens")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not args.articles.is_dir():
        print(f"articles folder {args.articles} is absent; set QA_ASSISTANT_SHARED or --articles", file=sys.stderr)
        return 2
    sys.path.insert(0, str(REPO))
    from qa_assistant.embedding.embedder import packaged_embedder_path

    why_not = peer_usable(args.llamaindex_python)
    if why_not:
        print(f"LlamaIndex peer skipped: {why_not}; measuring our build only", file=sys.stderr)
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "TOKENIZERS_PARALLELISM": "false"}
    model = str(packaged_embedder_path())
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="build-vs-llamaindex-") as tmp:
        for pair in range(args.pairs + 1):
            index, persist = Path(tmp) / f"ours-{pair}", Path(tmp) / f"peer-{pair}"
            ours = measure("qa-assistant", ours_argv(args.articles, index), env)
            peer = None if why_not else measure(
                "llamaindex", [args.llamaindex_python, "-c", PEER_SCRIPT, str(args.articles), model, str(persist),
                               str(args.chunk_overlap)], env)
            shutil.rmtree(index, ignore_errors=True)
            shutil.rmtree(persist, ignore_errors=True)
            label = "warm-up" if pair == 0 else f"pair {pair}"
            print(f"  {label}: ours {ours.wall_s} s / {ours.peak_rss_mib} MiB"
                  + (f"; peer {peer.wall_s} s / {peer.peak_rss_mib} MiB" if peer else ""), file=sys.stderr)
            if pair:
                runs += [ours] + ([peer] if peer else [])
    report = summarize(runs, args, why_not)
    print(json.dumps(report, indent=2) if args.json else table(report))
    return 0


def summarize(runs: list[Run], args: argparse.Namespace, why_not: str | None) -> dict:
    def med(who: str, key: str) -> float | None:
        values = [getattr(r, key) for r in runs if r.who == who and r.returncode == 0]
        return round(statistics.median(values), 2) if values else None

    ours = [r for r in runs if r.who == "qa-assistant"]
    peers = [r for r in runs if r.who == "llamaindex"]
    ratios = [o.wall_s / p.wall_s for o, p in zip(ours, peers, strict=False) if o.returncode == 0 == p.returncode]
    return {
        "articles": str(args.articles), "pairs": args.pairs, "chunk_overlap": args.chunk_overlap,
        "peer": why_not or "LlamaIndex VectorStoreIndex, SentenceSplitter 256 tokens, HuggingFaceEmbedding MiniLM",
        "median": {who: {k: med(who, k) for k in ("wall_s", "cpu_s", "peak_rss_mib")}
                   for who in ("qa-assistant", "llamaindex")},
        "wall_ratio_median": round(statistics.median(ratios), 3) if ratios else None,
        "runs": [asdict(r) for r in runs],
        "cpus": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def table(report: dict) -> str:
    m = report["median"]
    lines = [f"build of {report['articles']}: medians of {report['pairs']} pairs after a warm-up; "
             f"{report['cpus']} CPUs, load average {report['load_average']}",
             f"peer: {report['peer']}", "",
             "| | wall s | CPU s | peak RSS MiB |", "|---|---:|---:|---:|"]
    for who in ("qa-assistant", "llamaindex"):
        if m[who]["wall_s"] is not None:
            lines.append(f"| {who} | {m[who]['wall_s']} | {m[who]['cpu_s']} | {m[who]['peak_rss_mib']} |")
    if report["wall_ratio_median"] is not None:
        lines.append(f"\nwall ratio qa-assistant / llamaindex (median of pairs): {report['wall_ratio_median']}")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
