"""The answering engine the CLI and the TUI share: question -> stream of events -> Answer.

Retrieval picks numbered source sentences; then either the local LLM answers
from them (and the program checks every sentence of its answer against the
sources) or, in extractive mode, the best sources themselves are the answer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypedDict

from ..config import Settings
from ..errors import IndexMissingError, ModelLoadError
from ..models import (
    Answer,
    AnswerEvent,
    AnswerSentence,
    Citation,
    Done,
    Mode,
    Retrieved,
    RetrievedPassage,
    Sentence,
    SentenceChecked,
    Token,
    UpdateProgress,
)
from ..retrieval import Context, HybridRetriever, build_context, covers, score_sentences
from .extractive import choose, extractive_answer

if TYPE_CHECKING:
    from ..embedding.embedder import Embedder

NOT_COVERED = "The articles do not cover this question."
NOT_COVERED_NOTICE = "Nothing in the articles is close enough to the question to answer it."
UNSUPPORTED_NOTICE = ("The model's answer was not supported by the articles; "
                      "showing the most relevant source sentences instead.")
IndexUpdate = Literal["never", "missing", "always"]
MAX_ANSWER_SENTENCES = 3
"""The prompt asks for one to three sentences; generation stops when a fourth begins."""


def _enough(sentences: list[str]) -> list[str] | None:
    """The sentences to keep once the answer is long enough or starts repeating itself, else None."""
    if len(sentences) > MAX_ANSWER_SENTENCES:
        return sentences[:MAX_ANSWER_SENTENCES]
    if len(sentences) >= 3 and sentences[-2] in sentences[:-2]:
        return sentences[:-2]
    return None


def _ms(seconds: float) -> float:
    return seconds * 1000.0


class _Asked(TypedDict):
    """The fields of an Answer that only depend on the question and its retrieval."""

    question: str
    id: str | None
    standalone_question: str | None
    passages: tuple[RetrievedPassage, ...]


class Engine:
    """Loads models and the index once; answers questions as a stream of events."""

    def __init__(self, settings: Settings, *, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.mode: Mode = "extractive" if settings.extractive else "llm"
        self.notice: str | None = None
        self.reader: Any = None
        self._embedder: Embedder | None = embedder
        self._llm: Any = None
        self._templates: Any = None
        self._checker: Any = None
        self._retriever: HybridRetriever | None = None
        self._lock = threading.Lock()

    # --- loading -----------------------------------------------------------------

    def load(self, on_status: Callable[[str], None] | None = None, *, update: IndexUpdate = "never",
             progress: Callable[[UpdateProgress], None] | None = None) -> None:
        """Load the LLM (unless extractive), the embedder and the index.  Idempotent.

        ``update``: "missing" builds the index first when it does not exist yet
        (and the articles folder does); "always" brings it up to date first.
        """
        if self._retriever is not None:
            return
        status = on_status or (lambda message: None)
        if self.mode == "llm" and self._llm is None:
            status("Loading the language model…")
            self._load_llm()
        if self._embedder is None:
            from ..embedding.embedder import load_embedder

            status("Loading the embedding model…")
            self._embedder = load_embedder(self.settings)
        if update != "never":
            self._update_index(update, progress, status)
        status("Opening the index…")
        self._open_index()

    def _load_llm(self) -> None:
        from ..citations import SupportChecker  # noqa: F401  (fail early if the checker is unavailable)
        from .llm import LocalLLM
        from .prompts import load_prompts

        try:
            self._llm = LocalLLM.load(self.settings)
        except ModelLoadError as exc:
            if self.settings.model_path is not None:
                raise
            self.mode = "extractive"
            self.notice = f"Answering with source sentences only: {exc}"
            return
        self._templates = load_prompts(self.settings)

    def _update_index(self, update: IndexUpdate, progress: Callable[[UpdateProgress], None] | None,
                      status: Callable[[str], None]) -> None:
        from ..index import open_index, update_index

        if update == "missing":
            try:
                open_index(self.settings.index_dir).close()
                return
            except IndexMissingError:
                if not self.settings.articles_dir.is_dir():
                    raise
        status(f"Indexing {self.settings.articles_dir}…")
        update_index(self.settings, self._embedder, progress=progress)

    def _open_index(self) -> None:
        from ..index import open_index

        embedder = self._embedder
        assert embedder is not None, "load() sets the embedder before it opens the index"
        with self._lock:
            reader = open_index(self.settings.index_dir, embedder.name, previous=self.reader)
            retriever = HybridRetriever(reader, embedder.encode)
            if self._checker is None and self.mode == "llm":
                from ..citations import checker_for

                self._checker = checker_for(embedder, self._llm)
            old, self.reader, self._retriever = self.reader, reader, retriever
        if old is not None:
            old.close()

    def reload_index(self) -> None:
        """Open the index's new generation (reusing the unchanged base files already loaded)."""
        if self._embedder is None:
            self.load()
            return
        self._open_index()

    def close(self) -> None:
        """Free the index and the model; ``load`` can be called again afterwards."""
        if self.reader is not None:
            self.reader.close()
        if self._llm is not None:
            self._llm.close()
        self.reader, self._retriever, self._llm = None, None, None

    # --- answering -------------------------------------------------------------------

    def ask(self, question: str, history: Sequence[Answer] = (), cancel: threading.Event | None = None,
            question_id: str | None = None) -> Iterator[AnswerEvent]:
        """Yield Retrieved, Token..., SentenceChecked..., then Done(answer)."""
        started = time.perf_counter()
        self.load()
        if self.reader.is_stale():
            self.reload_index()
        retriever = self._retriever
        assert retriever is not None
        standalone = question
        if history:
            from .followups import standalone_question

            standalone = standalone_question(question, history)
        hits = retriever.retrieve(standalone, self.settings.top_k_passages)
        ranked = score_sentences(hits, retriever.stats)
        base = _Asked(question=question, id=question_id, standalone_question=standalone, passages=hits.passages)
        if not covers(hits):
            timings = {"retrieve": _ms(time.perf_counter() - started)}
            yield Retrieved(hits.passages, (), standalone)
            yield Token(NOT_COVERED)
            timings["total"] = _ms(time.perf_counter() - started)
            yield Done(Answer(answer=NOT_COVERED, mode=self.mode, sentences=(), citations=(), timings_ms=timings,
                              notice=NOT_COVERED_NOTICE, **base))
            return
        fits = self._fits(standalone) if self.mode == "llm" else None
        context = build_context(ranked, self.settings.context_sentences, self._previous, retriever.article, fits)
        timings = {"retrieve": _ms(time.perf_counter() - started)}
        yield Retrieved(hits.passages, context.citations, standalone)

        if self.mode == "extractive":
            yield from self._extractive(ranked, context, base, timings, started, self.notice)
            return
        yield from self._generate(standalone, ranked, context, base, timings, started, cancel)

    def _extractive(self, ranked: Sequence[Any], context: Context, base: _Asked,
                    timings: dict[str, float], started: float, notice: str | None,
                    stream: bool = True) -> Iterator[AnswerEvent]:
        """The best sources as the answer; ``stream=False`` when replacing a streamed answer."""
        text, sentences = extractive_answer(choose(ranked), context)
        for i, sentence in enumerate(sentences if stream else ()):
            if i == 0:
                timings["first_token"] = _ms(time.perf_counter() - started)
            yield Token(sentence.text if i == 0 else " " + sentence.text)
        for sentence in sentences:
            yield SentenceChecked(sentence)
        timings["total"] = _ms(time.perf_counter() - started)
        yield Done(Answer(answer=text, mode="extractive", sentences=tuple(sentences), citations=context.citations,
                          timings_ms=timings, notice=notice, **base))

    def _generate(self, standalone: str, ranked: Sequence[Any], context: Context, base: _Asked,
                  timings: dict[str, float], started: float,
                  cancel: threading.Event | None) -> Iterator[AnswerEvent]:
        from ..citations import split_answer
        from .prompts import render_messages

        messages = render_messages(self._templates, standalone, context.citations)
        parts: list[str] = []
        stop = threading.Event()
        kept: list[str] | None = None
        generate_start = time.perf_counter()
        for piece in self._llm.stream_chat(messages, cancel=stop):
            if not parts:
                timings["first_token"] = _ms(time.perf_counter() - started)
            parts.append(piece)
            yield Token(piece)
            kept = _enough(split_answer("".join(parts)))
            if kept is not None or (cancel is not None and cancel.is_set()):
                stop.set()
                break
        timings["generate"] = _ms(time.perf_counter() - generate_start)
        text = " ".join(kept) if kept is not None else "".join(parts).strip()

        check_start = time.perf_counter()
        sentences = self._check(text, context.citations, standalone)
        timings["check"] = _ms(time.perf_counter() - check_start)
        cancelled = cancel is not None and cancel.is_set()
        if not cancelled and not any(s.verdict != "unsupported" for s in sentences):
            yield from self._extractive(ranked, context, base, timings, started, UNSUPPORTED_NOTICE, stream=False)
            return
        for sentence in sentences:
            yield SentenceChecked(sentence)
        timings["total"] = _ms(time.perf_counter() - started)
        yield Done(Answer(answer=text, mode="llm", sentences=tuple(sentences), citations=context.citations,
                          timings_ms=timings, notice=self.notice, **base))

    def _check(self, text: str, citations: Sequence[Citation], question: str | None = None) -> list[AnswerSentence]:
        if not text:
            return []
        vectors = self.reader.sentence_vectors([c.sentence_id for c in citations]) if citations else None
        return list(self._checker.check(text, citations, vectors, question=question))

    def _fits(self, question: str) -> Callable[[Sequence[Citation]], bool]:
        """Whether a prompt with these sources leaves room for the answer in the model's window."""
        from .prompts import render_messages

        room = self._llm.n_ctx - self.settings.max_tokens

        def fits(citations: Sequence[Citation]) -> bool:
            messages = render_messages(self._templates, question, citations)
            used = sum(self._llm.count_tokens(m["content"]) + 8 for m in messages)
            return used <= room

        return fits

    def _previous(self, sentence: Sentence) -> Sentence | None:
        if sentence.position == 0:
            return None
        found = self.reader.sentences(sentence.article_id, sentence.position - 1, sentence.position)
        return found[0] if found else None


__all__ = ["Engine", "NOT_COVERED", "RetrievedPassage"]
