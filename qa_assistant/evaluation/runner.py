"""Running an evaluation set (``articles/`` + ``questions.jsonl``) through the engine."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import QAError
from ..models import Answer, Done
from .metrics import Cited, EvidenceSpan, QuestionResult


class EvalSetError(QAError):
    """The evaluation folder is not laid out as articles/ + questions.jsonl."""


@dataclass(frozen=True)
class EvalSet:
    name: str
    root: Path
    articles_dir: Path
    questions: tuple[dict[str, Any], ...]


def load_eval_set(root: Path, limit: int | None = None) -> EvalSet:
    """Read a set folder; raises EvalSetError naming what is missing or which line is bad."""
    root = root.resolve()
    articles, questions_file = root / "articles", root / "questions.jsonl"
    if not articles.is_dir() or not questions_file.is_file():
        raise EvalSetError(f"{root} needs an articles/ folder and a questions.jsonl file")
    questions: list[dict[str, Any]] = []
    with questions_file.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise EvalSetError(f"{questions_file} line {number}: not JSON ({exc.msg})") from None
            if not isinstance(item, dict) or not isinstance(item.get("question"), str):
                raise EvalSetError(f"{questions_file} line {number}: needs a \"question\" string")
            questions.append(item)
            if limit is not None and len(questions) >= limit:
                break
    return EvalSet(root.name, root, articles, tuple(questions))


BUILD_KEY_SETTINGS = ("passage_sentences", "passage_overlap", "passage_vectors", "embedder_backend", "embedder_path")
"""Settings that change what an index build stores: each is part of the eval cache key."""


def default_index_dir(settings: Settings, root: Path) -> Path:
    """A cached index per set folder and build: <cache_dir>/eval-indexes/<name>-<hash>.

    The hash covers the set's path, the index format and what changes the vectors a build
    stores (:data:`BUILD_KEY_SETTINGS`: passage windows, how passage vectors are made, the
    embedder; how compact passage vectors are made, how ONNX Runtime runs the embedder and the
    CPU's int8 config, whose graphs give other vectors), so a
    cache written by an older version or under other build settings is left alone and built
    anew instead of refused or, worse, silently reused (the user never made it, so never has
    to rebuild it).
    """
    from ..embedding.onnx_export import cpu_flags, quantization_config_for
    from ..embedding.onnx_runtime import SESSION_TAG
    from ..embedding.passages import COMPACT_TOKENS, TITLE_WEIGHT
    from ..index.layout import FORMAT

    build = ",".join(f"{name}={getattr(settings, name)}" for name in BUILD_KEY_SETTINGS)
    vectors = (f"{SESSION_TAG}|compact {COMPACT_TOKENS}, title {TITLE_WEIGHT}"
               f"|int8 {quantization_config_for(cpu_flags())}")
    digest = hashlib.sha256(f"{root.resolve()}|index format {FORMAT}|{build}|{vectors}".encode()).hexdigest()[:10]
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", root.resolve().name) or "set"
    return settings.cache_dir / "eval-indexes" / f"{safe}-{digest}"


def eval_settings(settings: Settings, eval_set: EvalSet, index_dir: Path | None = None) -> Settings:
    """``settings`` over an eval set's articles and its index (the cached one unless ``index_dir`` is given)."""
    return settings.replace(articles_dir=eval_set.articles_dir,
                            index_dir=index_dir or default_index_dir(settings, eval_set.root))


def evidence_spans(items: Any) -> tuple[EvidenceSpan, ...]:
    """A question's ``evidence`` records as spans (none when it has no evidence)."""
    return tuple(EvidenceSpan(str(e["article"]), int(e["start"]), int(e["end"])) for e in items or ())


class ArticleTexts:
    """Article texts from the index, by path, cached (for offset integrity)."""

    def __init__(self, reader: Any) -> None:
        self._reader = reader
        self._texts: dict[str, str | None] = {}

    def get(self, path: str) -> str | None:
        if path not in self._texts:
            article = self._reader.article_by_path(path)
            self._texts[path] = None if article is None else self._reader.article_text(article.id)
        return self._texts[path]


def question_result(question: dict[str, Any], answer: Answer, texts: ArticleTexts) -> QuestionResult:
    """Turn one answer into the record the metrics read."""
    by_n = {c.n: c for c in answer.citations}
    cited: list[Cited] = []
    for sentence in answer.sentences:
        for n in sentence.citations:
            c = by_n[n]
            cited.append(Cited(EvidenceSpan(c.article, c.start, c.end), sentence.support))
    exact = 0
    for c in answer.citations:
        text = texts.get(c.article)
        exact += text is not None and text[c.start:c.end] == c.text
    answerable = question.get("answerable")
    refused = bool(getattr(answer, "refused", False)) or not cited
    return QuestionResult(
        id=str(question.get("id", "")),
        evidence=evidence_spans(question.get("evidence")),
        passages=tuple(EvidenceSpan(p.article_path, p.passage.start, p.passage.end) for p in answer.passages),
        cited=tuple(cited),
        answer=answer.answer,
        gold_answers=tuple(str(a) for a in question.get("answers") or ()),
        score_answer=question.get("dataset") != "multirc",
        citations_exact=exact,
        citations_total=len(answer.citations),
        latency_ms=answer.timings_ms.get("total", 0.0),
        mode=answer.mode,
        answerable=bool(answerable) if answerable is not None else None,
        refused=refused,
        all_supported=bool(answer.sentences) and all(s.verdict == "supported" for s in answer.sentences),
        verdicts=tuple(s.verdict for s in answer.sentences),
        close_call=answer.close_call is not None,
    )


def run_eval(engine: Any, eval_set: EvalSet,
             progress: Callable[[int, int], None] | None = None) -> Iterator[QuestionResult]:
    """Answer every question with a loaded engine; one result per question, in order."""
    texts = ArticleTexts(engine.reader)
    total = len(eval_set.questions)
    for done, question in enumerate(eval_set.questions, start=1):
        answer: Answer | None = None
        for event in engine.ask(question["question"], question_id=str(question.get("id", ""))):
            if isinstance(event, Done):
                answer = event.answer
        if answer is None:
            raise RuntimeError("the engine ended without an answer")
        yield question_result(question, answer, texts)
        if progress is not None:
            progress(done, total)
