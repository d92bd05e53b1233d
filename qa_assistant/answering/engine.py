"""The answering engine the CLI and the TUI share: question -> stream of events -> Answer.

Retrieval picks numbered source sentences; then either the local LLM answers
from them (and the program checks every sentence of its answer against the
sources) or, in extractive mode, the best sources themselves are the answer.
When the evidence says the articles do not answer the question, the answer is
a refusal that still lists the closest sentences found (``refusal.py``).  The
model's answer is never swapped for another: a sentence the sources do not
support stays, marked, with the closest sources offered beside it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, TypedDict

from ..config import Settings
from ..errors import ModelLoadError
from ..models import (
    Answer,
    AnswerEvent,
    AnswerSentence,
    Citation,
    Done,
    IndexedArticle,
    Mode,
    Retrieved,
    RetrievedPassage,
    Sentence,
    SentenceChecked,
    Token,
    UpdateProgress,
)
from ..retrieval import Context, HybridRetriever, ScoredSentence, build_context, covers, score_sentences
from ..retrieval.context import led_by
from .close_call import name_close_call, sources_to_read
from .contrast import Opposites
from .copying import one_article, source_biases
from .extractive import choose, extractive_answer
from .refusal import Evidence, RefusalModel, refusal_notice, retrieval_evidence

if TYPE_CHECKING:
    import numpy as np

    from ..citations import SupportChecker
    from ..embedding.embedder import Embedder
    from ..index.reader import IndexReader
    from ..index.readiness import IndexUpdate
    from .answerability import AnswerabilityJudge
    from .llm import LocalLLM
    from .prompts import PromptFiles, PromptTemplates

NOT_COVERED = "The articles do not say."
"""The text of every refusal (``Answer.refused``), in both modes."""
DECLINED_NOTICE = ("The model gave no answer from the sources, but they look relevant; "
                   "the best source sentences are shown instead.")
UNSUPPORTED_NOTICE = ("No sentence of this answer is supported by the articles; "
                      "the closest source sentences are offered beside each one.")
PACKAGED_MODEL_NAME = "SmolLM2-135M-Instruct"


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

    def __init__(self, settings: Settings, *, embedder: Embedder | None = None,
                 refusal: RefusalModel | None = None) -> None:
        self.settings = settings
        self.mode: Mode = "extractive" if settings.extractive else "llm"
        self.notice: str | None = None
        self.reader: IndexReader | None = None
        self.refusal = refusal or RefusalModel()
        self._refusal_given = refusal is not None
        self._answerability: AnswerabilityJudge | None = None
        self._judge_llm: LocalLLM | None = None
        """A judging model of its own (``judge_model_path`` other than the answering model)."""
        self._embedder: Embedder | None = embedder
        self._llm: LocalLLM | None = None
        self._cores_shared = False
        self._prompts: PromptFiles | None = None
        self._checker: SupportChecker | None = None
        self._retriever: HybridRetriever | None = None
        self._lock = threading.Lock()
        self._opposites = Opposites.load()

    # --- what the UIs may read ----------------------------------------------------------

    def share_cores(self, shared: bool) -> None:
        """Another job of this process (an index update) uses the cores from now on, or no longer.

        While it does, the models run on one thread from the next question on: with every
        core busy, llama.cpp's threads wait for each other, and an answer took several times
        longer on two threads than on one: beside a BBC build, p50 10.5 s against 3.4 s
        (``bench/answer_latency.py --contend``, 16 questions).
        """
        self._cores_shared = shared

    def _threads_for_now(self) -> None:
        for llm in (self._llm, self._judge_llm):
            if llm is not None:
                llm.run_on(1 if self._cores_shared else llm.threads)

    @property
    def checker(self) -> SupportChecker | None:
        """The support checker answers are judged with (None before ``load()``): with the answering
        or the judging model as its judge when ``verifier.json`` holds a head for it.  Extractive
        answers are source sentences and need no check; ``eval`` scores claims with it."""
        return self._checker

    @property
    def model_name(self) -> str:
        """The answering model as the UIs name it: "extractive", or the GGUF's name."""
        if self.mode == "extractive":
            return "extractive"
        if self._llm is not None and self._llm.name:
            return self._llm.name
        return self.settings.model_path.stem if self.settings.model_path else PACKAGED_MODEL_NAME

    def article(self, path: str) -> IndexedArticle | None:
        """The indexed article at ``path`` (relative to the articles folder) with its text and
        sentences, or None when it is not in the index (any more)."""
        self.load()
        reader = self._require_reader()
        found = reader.article_by_path(path)
        if found is None:
            return None
        return IndexedArticle(found, reader.article_text(found.id), tuple(reader.sentences(found.id)))

    def _require_reader(self) -> IndexReader:
        assert self.reader is not None, "load() opens the index"
        return self.reader

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
        from ..index.readiness import bring_up_to_date, require_index_or_articles

        if update != "always":
            require_index_or_articles(self.settings, update)  # before the models, which take seconds
        if self.mode == "llm" and self._llm is None:
            status("Loading the language model…")
            self._load_llm()
        if self._answerability is None and not self._refusal_given:
            self._load_judge(status)
        if self._embedder is None:
            from ..embedding.embedder import load_embedder

            status("Loading the embedding model…")
            self._embedder = load_embedder(self.settings)
        bring_up_to_date(self.settings, self._embedder, update, progress, status)
        status("Opening the index…")
        self._open_index()

    def _load_llm(self) -> None:
        from .llm import LocalLLM
        from .prompts import PromptFiles

        prompts = PromptFiles(self.settings)
        prompts.current()  # a bad prompt file is reported now, not at the first question
        try:
            self._llm = LocalLLM.load(self.settings)
        except ModelLoadError as exc:
            if self.settings.model_path is not None:
                raise
            self.mode = "extractive"
            self.notice = f"Answering with source sentences only: {exc}"
            return
        self._prompts = prompts

    def _load_judge(self, status: Callable[[str], None]) -> None:
        from .answerability import load_judge

        loaded = load_judge(self.settings, self._llm if self.mode == "llm" else None, status)
        if loaded is not None:
            self.refusal, self._answerability, self._judge_llm = loaded

    def _open_index(self) -> None:
        from ..index import open_index

        embedder = self._embedder
        assert embedder is not None, "load() sets the embedder before it opens the index"
        with self._lock:
            reader = open_index(self.settings.index_dir, embedder.name, previous=self.reader)
            retriever = HybridRetriever(reader, embedder.encode)
            if self._checker is None:
                from ..citations import checker_for

                self._checker = checker_for(embedder, self._llm, self._judge_llm)  # a judging model verifies too
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
        for llm in (self._llm, self._judge_llm):
            if llm is not None:
                llm.close()
        self.reader, self._retriever, self._llm, self._judge_llm, self._answerability = None, None, None, None, None

    # --- answering -------------------------------------------------------------------

    def ask(self, question: str, history: Sequence[Answer] = (), cancel: threading.Event | None = None,
            question_id: str | None = None) -> Iterator[AnswerEvent]:
        """Yield Retrieved, Token..., SentenceChecked..., then Done(answer)."""
        started = time.perf_counter()
        self.load()
        if self._require_reader().is_stale():
            self.reload_index()
        retriever = self._retriever
        assert retriever is not None
        standalone = question
        if history:
            from .followups import standalone_question

            standalone = standalone_question(question, history)
        hits = retriever.retrieve(standalone, self.settings.top_k_passages)
        ranked = score_sentences(hits, retriever.stats)
        evidence = retrieval_evidence(standalone, hits, ranked, retriever.stats, self._opposites)
        base = _Asked(question=question, id=question_id, standalone_question=standalone, passages=hits.passages)
        llm = self._llm if self.mode == "llm" else None
        fits = self._fits(standalone) if llm is not None and covers(hits) else None
        context = build_context(ranked, self.settings.context_sentences, self._previous, retriever.article, fits)
        timings = {"retrieve": _ms(time.perf_counter() - started)}
        self._threads_for_now()

        if self._answerability is not None and covers(hits) and ranked:
            judge_start = time.perf_counter()
            sources = [item.hit.sentence.text for item in ranked]
            evidence = replace(evidence, judge=self._answerability.log_odds(standalone, sources))
            timings["judge"] = _ms(time.perf_counter() - judge_start)
        refused = not covers(hits) or self.refusal.refuse(evidence)  # the model's answer could only add a decline
        prompted = len(context.citations)
        if (llm is not None and not refused and one_article(context.citations)
                and prompted > self.settings.one_article_sources):
            # the model reads only the best (and the runner-up on a close call); the others stay for checking
            best = build_context(ranked, sources_to_read(ranked, standalone, self.settings), self._previous,
                                 retriever.article, fits)
            context, prompted = led_by(best, context), len(best.citations)
        yield Retrieved(hits.passages, context.citations, standalone)
        if refused:
            yield Token(NOT_COVERED)
            yield self._refusal(context, base, timings, started, evidence)
            return
        answering = (self._extractive(ranked, context, base, timings, started) if llm is None else self._generate(
            llm, standalone, ranked, context, prompted, evidence, base, timings, started, cancel))
        yield from name_close_call(answering, ranked, self.settings)  # a near tie is named to the reader

    def _refusal(self, context: Context, base: _Asked, timings: dict[str, float], started: float,
                 evidence: Evidence) -> Done:
        """The articles do not say: no answer sentence, the closest sentences found as citations."""
        timings["total"] = _ms(time.perf_counter() - started)
        return Done(Answer(answer=NOT_COVERED, mode=self.mode, sentences=(), citations=context.citations,
                           timings_ms=timings, notice=self.notice or refusal_notice(evidence), refused=True, **base))

    def _extractive(self, ranked: Sequence[ScoredSentence], context: Context, base: _Asked,
                    timings: dict[str, float], started: float, notice: str | None = None) -> Iterator[AnswerEvent]:
        """The best sources as the answer."""
        text, sentences = extractive_answer(choose(ranked), context)
        for i, sentence in enumerate(sentences):
            if i == 0:
                timings["first_token"] = _ms(time.perf_counter() - started)
            yield Token(sentence.text if i == 0 else " " + sentence.text)
        for sentence in sentences:
            yield SentenceChecked(sentence)
        timings["total"] = _ms(time.perf_counter() - started)
        yield Done(Answer(answer=text, mode="extractive", sentences=tuple(sentences), citations=context.citations,
                          timings_ms=timings, notice=notice or self.notice, **base))

    def _generate(self, llm: LocalLLM, standalone: str, ranked: Sequence[ScoredSentence], context: Context,
                  prompted: int, evidence: Evidence, base: _Asked, timings: dict[str, float], started: float,
                  cancel: threading.Event | None) -> Iterator[AnswerEvent]:
        from ..citations import declines, strip_markers
        from .prompts import render_messages
        from .stopping import before_nothing, enough

        sources = context.citations[:prompted]  # what the model reads; the rest is for checking
        messages = render_messages(self._current_prompts(), standalone, sources)
        parts: list[str] = []
        stop = threading.Event()
        kept: list[str] | None = None
        generate_start = time.perf_counter()
        for piece in llm.stream_chat(messages, cancel=stop, favour=source_biases(sources, self.settings)):
            if not parts:
                timings["first_token"] = _ms(time.perf_counter() - started)
            parts.append(piece)
            yield Token(piece)
            kept = enough("".join(parts), len(sources), standalone)
            if kept is not None or (cancel is not None and cancel.is_set()):
                stop.set()
                break
        timings["generate"] = _ms(time.perf_counter() - generate_start)
        kept = kept if kept is not None else before_nothing("".join(parts), standalone)
        text = " ".join(kept) if kept is not None else "".join(parts).strip()
        cancelled = cancel is not None and cancel.is_set()

        check_start = time.perf_counter()
        sentences = self._check(text, context.citations, standalone)
        claims = [strip_markers(s.text) for s in sentences]
        declined = declines(claims)
        if not cancelled:
            asked = replace(evidence, model_declined=declined)
            if self.refusal.refuse(asked):
                timings["check"] = _ms(time.perf_counter() - check_start)
                yield self._refusal(context, base, timings, started, asked)
                return
            if declined:
                # the model found nothing, but retrieval says the articles likely answer: show the
                # best source sentences instead of an empty "not stated", and say so
                timings["check"] = _ms(time.perf_counter() - check_start)
                yield from self._extractive(ranked, context, base, timings, started, DECLINED_NOTICE)
                return
        sentences = self._alternatives(sentences, claims, context.citations)
        timings["check"] = _ms(time.perf_counter() - check_start)
        for sentence in sentences:
            yield SentenceChecked(sentence)
        notice = self.notice
        if sentences and not cancelled and all(s.verdict == "unsupported" for s in sentences):
            notice = UNSUPPORTED_NOTICE
        timings["total"] = _ms(time.perf_counter() - started)
        yield Done(Answer(answer=text, mode="llm", sentences=tuple(sentences), citations=context.citations,
                          timings_ms=timings, notice=notice, **base))

    def _current_prompts(self) -> PromptTemplates:
        assert self._prompts is not None, "load() reads the prompts with the model"
        return self._prompts.current()

    def _vectors(self, citations: Sequence[Citation]) -> np.ndarray | None:
        return self._require_reader().sentence_vectors([c.sentence_id for c in citations]) if citations else None

    def _check(self, text: str, citations: Sequence[Citation], question: str | None = None) -> list[AnswerSentence]:
        if not text:
            return []
        assert self._checker is not None
        return list(self._checker.check(text, citations, self._vectors(citations), question=question))

    def _alternatives(self, sentences: list[AnswerSentence], claims: list[str],
                      citations: Sequence[Citation]) -> list[AnswerSentence]:
        """Offer the closest sources beside every sentence that is not supported."""
        from .alternatives import NEEDS_ALTERNATIVES, with_alternatives

        vectors = self._vectors(citations)
        if vectors is None or self._checker is None or not any(s.verdict in NEEDS_ALTERNATIVES for s in sentences):
            return sentences
        claim_vectors = self._checker.encode_claims(claims)  # embedded by the check just before
        return with_alternatives(sentences, citations, vectors, claim_vectors)

    def _fits(self, question: str) -> Callable[[Sequence[Citation]], bool]:
        """Whether a prompt with these sources leaves ``max_tokens`` for the answer in the model's window."""
        from .prompts import render_messages

        llm, templates = self._llm, self._current_prompts()
        assert llm is not None

        def fits(citations: Sequence[Citation]) -> bool:
            return llm.room(render_messages(templates, question, citations)) >= self.settings.max_tokens

        return fits

    def _previous(self, sentence: Sentence) -> Sentence | None:
        if sentence.position == 0:
            return None
        found = self._require_reader().sentences(sentence.article_id, sentence.position - 1, sentence.position)
        return found[0] if found else None


__all__ = ["Engine", "NOT_COVERED", "RetrievedPassage"]
