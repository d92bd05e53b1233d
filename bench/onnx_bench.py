"""What the one-thread ONNX benchmarks share: the embedder on ONNX Runtime and BBC sentences to embed."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from qa_assistant.config import Settings
from qa_assistant.embedding.embedder import load_embedder
from qa_assistant.embedding.onnx_runtime import OnnxRunner
from qa_assistant.ingest.document import parse_document


def onnx_embedder(articles: Path, backend: str) -> tuple[Settings, Any, OnnxRunner]:
    """Settings over ``articles``, the embedder of ``backend`` ("onnx" or "onnx-int8") and its runner;
    exits with one line when the folder is absent or the embedder does not run on ONNX Runtime."""
    if not articles.is_dir():
        sys.exit(f"articles folder {articles} is absent")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    settings = Settings(articles_dir=articles.resolve(), index_dir=Path(tempfile.gettempdir()) / "unused",
                        embedder_backend=backend)
    embedder = load_embedder(settings)
    if not isinstance(embedder.model, OnnxRunner):
        sys.exit(f"the {backend} embedder does not run on ONNX Runtime directly here")
    return settings, embedder, embedder.model


def article_sentences(settings: Settings, files: int) -> list[str]:
    """The sentences of the first ``files`` .txt articles of ``settings.articles_dir``, by path."""
    articles = settings.articles_dir
    texts: list[str] = []
    for path in sorted(articles.rglob("*.txt"))[:files]:
        doc = parse_document(str(path.relative_to(articles)), path.read_bytes(), 0.0, settings)
        texts += [doc.text[s.start:s.end] for s in doc.sentences]
    return texts
