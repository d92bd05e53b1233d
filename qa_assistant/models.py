"""The records that flow between ingestion, the index, retrieval, answering and the UIs.

Offsets are the contract: for every ``Sentence`` and ``Citation``,
``article_text[start:end] == text``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

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
class IndexedArticle:
    """An article as the index holds it, with its text and sentences: what the article view shows."""

    article: Article
    text: str
    sentences: tuple[Sentence, ...]


@dataclass(frozen=True)
class IndexMeta:
    format_version: int
    embedder: str
    dimension: int
    generation: int
    articles_dir: str
    faiss_kind: str


@dataclass(frozen=True)
class StorageState:
    """How an index's passages are laid out: the merged base and what waits beside it."""

    faiss_kind: str
    base_passages: int
    """Passages in the immutable base files (BM25 postings; the IVF index above the exact limit)."""
    delta_passages: int
    """Newer passages kept in the store, searched beside the base until the next merge."""
    tombstones: int
    """Base passages deleted since the last merge."""
    bytes_on_disk: int


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
    failed: tuple[IngestFailure, ...] = ()
    """Files that failed and have not changed since (not pending: an update skips them)."""
    storage: StorageState | None = None

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "articles": self.articles,
            "sentences": self.sentences,
            "passages": self.passages,
            "embedder": self.embedder,
            "pending": self.pending,
            "failed": [{"path": f.path, "error": f.error} for f in self.failed],
        }
        if self.storage is not None:
            data["storage"] = {"faiss_kind": self.storage.faiss_kind, "base_passages": self.storage.base_passages,
                               "delta_passages": self.storage.delta_passages,
                               "tombstones": self.storage.tombstones, "bytes": self.storage.bytes_on_disk}
        return data


@dataclass(frozen=True)
class UpdateProgress:
    """Reported while an update runs: ``done`` of ``total`` units of ``stage``."""

    stage: Literal["scan", "read", "embed", "write"]
    done: int
    total: int
    path: str = ""


@dataclass(frozen=True)
class Move:
    """An indexed article found under a new path (renamed or moved; nothing re-embedded)."""

    old: str
    new: str


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
    moves: tuple[Move, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "added": self.added,
            "changed": self.changed,
            "removed": self.removed,
            "moved": self.renamed,
            "moves": [{"from": m.old, "to": m.new} for m in self.moves],
            "unchanged": self.unchanged,
            "failed": [{"path": f.path, "error": f.error} for f in self.failed],
            "generation": self.generation,
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
    close_call: int | None = None
    """A near tie: the number (into ``citations``) of the source sentence that scored almost as
    high as the one the answer rests on, which the answer does not cite (``answering/close_call.py``)."""

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
        if self.close_call is not None:
            data["close_call"] = self.close_call
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Answer:
        """The answer a :meth:`to_json` record describes (a saved chat, ``ask --json`` output).

        Sentences, verdicts and citations come back exactly; the retrieved passages do
        not (the record keeps only their offsets).  Only ``citations`` is required, so a
        hand-written record can be re-checked.  Raises ValueError naming what is malformed.
        """
        if not isinstance(data, Mapping):
            raise ValueError(f"an answer record is a JSON object, not {type(data).__name__}")
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("the answer record holds text that is not valid Unicode "
                             "(a lone surrogate such as \\ud800)") from None
        except (TypeError, ValueError) as exc:
            raise ValueError(f"the answer record is malformed ({exc})") from None
        try:
            citations = tuple(_citation_from_json(i, c) for i, c in enumerate(data["citations"], 1))
            sentences = tuple(_sentence_from_json(i, s) for i, s in enumerate(data.get("sentences") or [], 1))
            timings = {str(k): float(v) for k, v in dict(data.get("timings_ms") or {}).items()}
            close_call = None if data.get("close_call") is None else _int(data["close_call"])
        except KeyError as exc:
            raise ValueError(f"the answer record lacks {exc}") from None
        except (TypeError, ValueError) as exc:
            raise ValueError(f"the answer record is malformed ({exc})") from None
        optional = {name: None if data.get(name) is None else str(data[name])
                    for name in ("id", "standalone_question", "notice")}
        return cls(question=str(data.get("question") or ""), answer=str(data.get("answer") or ""),
                   mode=cast(Mode, str(data.get("mode") or "extractive")), sentences=sentences,
                   citations=citations, passages=(), timings_ms=timings, refused=bool(data.get("refused")),
                   close_call=close_call, **optional)


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{value!r} is not a whole number")
    return value


def _numbers(values: Any) -> tuple[int, ...]:
    return tuple(_int(v) for v in values or ())


def _citation_from_json(i: int, c: Any) -> Citation:
    if not isinstance(c, Mapping) or not all(k in c for k in ("n", "article", "start", "end", "text")):
        raise ValueError(f"citation {i} lacks n, article, start, end or text")
    if not isinstance(c["article"], str) or not isinstance(c["text"], str):
        raise ValueError(f"citation {i}: article and text must be strings")
    return Citation(n=_int(c["n"]), article=c["article"], title=str(c.get("title") or ""),
                    start=_int(c["start"]), end=_int(c["end"]), text=c["text"])


def _sentence_from_json(i: int, s: Any) -> AnswerSentence:
    if not isinstance(s, Mapping) or not isinstance(s.get("text"), str):
        raise ValueError(f"sentence {i} lacks its text")
    return AnswerSentence(text=s["text"], citations=_numbers(s.get("citations")),
                          verdict=cast(Verdict, str(s.get("verdict") or "unsupported")),
                          support=float(s.get("support") or 0.0),
                          invalid_citations=_numbers(s.get("invalid_citations")),
                          alternatives=_numbers(s.get("alternatives")))


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
