"""The records that flow between ingestion, the index, retrieval, answering and the UIs.

Offsets are the contract: for every ``Sentence`` and ``Citation``,
``article_text[start:end] == text``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# --- ingestion -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Span:
    """A [start, end) character range in an article's text."""

    start: int
    end: int


@dataclass(frozen=True)
class Document:
    """An article read from disk and segmented, not yet stored.

    ``path`` is relative to the articles folder, with forward slashes.
    ``passages`` are [first, last) sentence positions into ``sentences``.
    """

    path: str
    title: str
    text: str
    content_hash: str
    mtime: float
    size: int
    sentences: tuple[Span, ...]
    passages: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class IngestFailure:
    """A file that could not be ingested, and why (one line a person can act on)."""

    path: str
    error: str


# --- the index ----------------------------------------------------------------


@dataclass(frozen=True)
class Article:
    id: int
    path: str
    title: str
    content_hash: str
    mtime: float
    size: int


@dataclass(frozen=True)
class Sentence:
    id: int
    article_id: int
    position: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Passage:
    id: int
    article_id: int
    position: int
    first_sentence: int
    """Position (within the article) of the first sentence."""
    last_sentence: int
    """Position (within the article) one past the last sentence."""
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class IndexMeta:
    format_version: int
    embedder: str
    dimension: int
    generation: int
    articles_dir: str
    faiss_kind: str


@dataclass(frozen=True)
class IndexStatus:
    articles: int
    sentences: int
    passages: int
    embedder: str
    pending: int
    """Files an update would add, change or remove (-1 when the articles folder is missing)."""
    generation: int
    articles_dir: str
    passage_vectors: str = "embed"
    """How passage vectors were made: embed, mean (of their sentences' vectors), or mixed."""

    def to_json(self) -> dict[str, object]:
        return {
            "articles": self.articles,
            "sentences": self.sentences,
            "passages": self.passages,
            "embedder": self.embedder,
            "pending": self.pending,
        }


@dataclass(frozen=True)
class UpdateProgress:
    """Reported while an update runs: ``done`` of ``total`` units of ``stage``."""

    stage: Literal["scan", "read", "embed", "write"]
    done: int
    total: int
    path: str = ""


@dataclass(frozen=True)
class UpdateReport:
    added: int
    changed: int
    removed: int
    unchanged: int
    failed: tuple[IngestFailure, ...]
    seconds: float
    renamed: int = 0
    generation: int = 0

    def to_json(self) -> dict[str, object]:
        return {
            "added": self.added,
            "changed": self.changed,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "failed": [{"path": f.path, "error": f.error} for f in self.failed],
            "seconds": round(self.seconds, 3),
        }


# --- retrieval and answers ------------------------------------------------------

Verdict = Literal["supported", "partial", "unsupported", "attributed"]
Mode = Literal["llm", "extractive"]


@dataclass(frozen=True)
class RetrievedPassage:
    passage: Passage
    article_path: str
    article_title: str
    score: float


@dataclass(frozen=True)
class Citation:
    """A numbered source sentence given to the model (``n`` as in ``[n]``)."""

    n: int
    article: str
    title: str
    start: int
    end: int
    text: str
    sentence_id: int = -1

    def to_json(self) -> dict[str, object]:
        return {"n": self.n, "article": self.article, "title": self.title,
                "start": self.start, "end": self.end, "text": self.text}


@dataclass(frozen=True)
class AnswerSentence:
    text: str
    citations: tuple[int, ...]
    verdict: Verdict
    support: float
    invalid_citations: tuple[int, ...] = ()
    """Numbers the model wrote that name no source (dropped, flagged)."""
    alternatives: tuple[int, ...] = ()
    """When the sentence is not supported: numbers (into ``Answer.citations``) of the
    source sentences that come closest to what it claims, offered beside it."""

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"text": self.text, "citations": list(self.citations),
                                   "verdict": self.verdict, "support": round(self.support, 4)}
        if self.invalid_citations:
            data["invalid_citations"] = list(self.invalid_citations)
        if self.alternatives:
            data["alternatives"] = list(self.alternatives)
        return data


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    mode: Mode
    sentences: tuple[AnswerSentence, ...]
    citations: tuple[Citation, ...]
    passages: tuple[RetrievedPassage, ...]
    timings_ms: dict[str, float] = field(default_factory=dict)
    id: str | None = None
    standalone_question: str | None = None
    """The question as rewritten for retrieval when it was a follow-up."""
    notice: str | None = None
    """Something the user should know (e.g. fell back to extractive, nothing relevant found)."""
    refused: bool = False
    """The program decided the articles do not say: ``sentences`` carry no citation and
    ``citations`` are the closest sentences found, shown so the reader can see why."""

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "id": self.id,
            "question": self.question,
            "answer": self.answer,
            "mode": self.mode,
            "sentences": [s.to_json() for s in self.sentences],
            "citations": [c.to_json() for c in self.citations],
            "passages": [
                {"article": p.article_path, "start": p.passage.start, "end": p.passage.end,
                 "score": round(p.score, 4)}
                for p in self.passages
            ],
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
        }
        if self.standalone_question and self.standalone_question != self.question:
            data["standalone_question"] = self.standalone_question
        if self.notice:
            data["notice"] = self.notice
        if self.refused:
            data["refused"] = True
        return data


# --- events the engine streams to the CLI and the TUI ---------------------------


@dataclass(frozen=True)
class Retrieved:
    passages: tuple[RetrievedPassage, ...]
    citations: tuple[Citation, ...]
    standalone_question: str


@dataclass(frozen=True)
class Token:
    text: str


@dataclass(frozen=True)
class SentenceChecked:
    sentence: AnswerSentence


@dataclass(frozen=True)
class Done:
    answer: Answer


AnswerEvent = Retrieved | Token | SentenceChecked | Done
