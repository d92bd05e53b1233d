"""Re-check saved answers against the articles as they are on disk now.

Input: saved answers as :mod:`.saved` reads them (``ask --json`` / ``--batch``
output, or a Markdown export from the chat).  For every citation: is its sentence still in
its article at the same offsets (``ok``), elsewhere in it (``moved``, with the
new offsets), or not at all (``gone``: article missing or text not found)?
Then every answer sentence is scored again against today's text of its
citations, giving today's verdict next to the saved one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ..config import Settings
from ..errors import IngestError
from ..models import AnswerSentence, Citation
from .saved import SavedAnswer, load_saved_answers

CitationStatus = Literal["ok", "moved", "gone"]


@dataclass(frozen=True)
class CitationCheck:
    n: int
    article: str
    start: int
    end: int
    text: str
    status: CitationStatus
    new_start: int | None = None
    new_end: int | None = None
    reason: str = ""

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"n": self.n, "article": self.article, "start": self.start, "end": self.end,
                                   "status": self.status}
        if self.status == "moved":
            data.update(new_start=self.new_start, new_end=self.new_end)
        if self.reason:
            data["reason"] = self.reason
        return data


@dataclass(frozen=True)
class AnswerCheck:
    line: int
    id: str | None
    question: str
    citations: tuple[CitationCheck, ...]
    sentences: tuple[AnswerSentence, ...]
    """Today's verdicts, one per saved sentence."""
    saved_verdicts: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        sentences = []
        for i, sentence in enumerate(self.sentences):
            item = sentence.to_json()
            if i < len(self.saved_verdicts):
                item["saved_verdict"] = self.saved_verdicts[i]
            sentences.append(item)
        return {"line": self.line, "id": self.id, "question": self.question,
                "citations": [c.to_json() for c in self.citations], "sentences": sentences}


@dataclass(frozen=True)
class CheckReport:
    file: str
    articles_dir: str
    answers: tuple[AnswerCheck, ...]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        """Some citation moved or is gone (the ``check`` command then exits 1)."""
        return bool(self.counts.get("moved") or self.counts.get("gone"))

    def to_json(self) -> dict[str, object]:
        return {"file": self.file, "articles_dir": self.articles_dir, "summary": dict(self.counts),
                "answers": [a.to_json() for a in self.answers]}


# --- finding cited text now -----------------------------------------------------------------


def locate(text: str, cited: str, start: int, end: int) -> tuple[CitationStatus, int, int]:
    """Where ``cited`` is in ``text`` now: same offsets, the nearest other place, or gone (-1, -1)."""
    if 0 <= start <= end <= len(text) and text[start:end] == cited:
        return "ok", start, end
    places = [m.start() for m in re.finditer(re.escape(cited), text)] if cited else []
    if places:
        best = min(places, key=lambda p: abs(p - start))
        return "moved", best, best + len(cited)
    words = cited.split()
    if words:
        pattern = r"\s+".join(re.escape(w) for w in words)
        found = [(m.start(), m.end()) for m in re.finditer(pattern, text)]
        if found:
            s, e = min(found, key=lambda se: abs(se[0] - start))
            return "moved", s, e
    return "gone", -1, -1


@dataclass
class ArticleCache:
    """Today's text and title of each article, read once via ``parse_document``."""

    root: Path
    settings: Settings
    docs: dict[str, tuple[str, str] | str] = field(default_factory=dict)

    def get(self, relpath: str) -> tuple[str, str] | str:
        """(text, title), or the reason the article cannot be used."""
        if relpath not in self.docs:
            self.docs[relpath] = self._read(relpath)
        return self.docs[relpath]

    def _read(self, relpath: str) -> tuple[str, str] | str:
        from ..ingest import ArticleFile, load_document

        root = self.root.resolve()
        try:
            path = (root / relpath).resolve(strict=True)
        except FileNotFoundError:
            return "article missing"
        except RuntimeError:  # Python 3.11's error for a symbolic link loop
            return "article path is a link that loops back on itself"
        except OSError as exc:
            return f"article unreadable ({exc.strerror or exc})"
        if not path.is_relative_to(root):
            return "article path lies outside the articles folder"
        if not path.is_file():
            return "article missing (the path is not a regular file)"
        try:
            st = path.stat()
            # Read like the index reads: at most max_file_bytes, never blocking on a pipe.
            document = load_document(ArticleFile(path, relpath, st.st_size, st.st_mtime), self.settings)
        except IngestError as exc:
            return str(exc)
        except OSError as exc:
            return f"article unreadable ({exc.strerror or exc})"
        return document.text, document.title


def check_citations(citations: Sequence[Citation], articles: ArticleCache) -> list[CitationCheck]:
    results = []
    for c in citations:
        found = articles.get(c.article)
        if isinstance(found, str):
            results.append(CitationCheck(c.n, c.article, c.start, c.end, c.text, "gone", reason=found))
            continue
        status, start, end = locate(found[0], c.text, c.start, c.end)
        if status == "gone":
            results.append(CitationCheck(c.n, c.article, c.start, c.end, c.text, "gone",
                                         reason="text not found in the article"))
        elif status == "moved":
            results.append(CitationCheck(c.n, c.article, c.start, c.end, c.text, "moved", start, end))
        else:
            results.append(CitationCheck(c.n, c.article, c.start, c.end, c.text, "ok"))
    return results


# --- verdicts today -------------------------------------------------------------------------


def current_citations(checks: Sequence[CitationCheck], articles: ArticleCache) -> list[Citation]:
    """The citations that still exist, with today's offsets and text."""
    out = []
    for check in checks:
        if check.status == "gone":
            continue
        found = articles.get(check.article)
        assert not isinstance(found, str), "a citation that is not gone has a readable article"
        text, title = found
        start = check.start if check.status == "ok" else check.new_start
        end = check.end if check.status == "ok" else check.new_end
        assert start is not None and end is not None
        out.append(Citation(check.n, check.article, title, start, end, text[start:end]))
    return out


def verdicts_today(checker: Any, saved: SavedAnswer, citations: Sequence[Citation]) -> list[AnswerSentence]:
    """Each saved sentence scored again against the still-existing text of what it cites."""
    from . import strip_markers

    # judged as the live answer was: against what it answered (the standalone question of a follow-up)
    question = saved.answer.standalone_question or saved.answer.question or None
    if not saved.lists_sentences:
        return list(checker.check(saved.answer.answer, citations, question=question))
    items = saved.answer.sentences
    if not items:
        return []
    vectors = checker.encode_sources(citations) if citations else np.zeros((0, 1), np.float32)
    claims = [strip_markers(s.text) for s in items]
    claim_vectors, extras = checker.claim_vectors(claims, question)
    known = {c.n for c in citations}
    results = []
    for item, claim, vector, extra in zip(items, claims, claim_vectors, extras, strict=True):
        numbers = item.citations
        cited = tuple(n for n in numbers if n in known)
        lost = tuple(n for n in numbers if n not in known)
        if numbers and not cited:
            results.append(AnswerSentence(item.text, (), "unsupported", 0.0, lost))
            continue
        results.append(checker.judge(item.text, claim, vector, cited, lost, citations, vectors,
                                     attributed=item.verdict == "attributed", question=question,
                                     question_vector=extra[0], new_vector=extra[1]))
    return results


def recheck(path: Path, settings: Settings, articles_dir: Path | None = None, checker: Any | None = None,
            load_checker: Any | None = None) -> CheckReport:
    """Check every answer in ``path``; ``load_checker()`` builds a SupportChecker only if one is needed."""
    saved = load_saved_answers(path)
    root = articles_dir or settings.articles_dir
    articles = ArticleCache(root, settings)
    counts = {"answers": len(saved), "citations": 0, "ok": 0, "moved": 0, "gone": 0, "verdicts_changed": 0}
    results = []
    for record in saved:
        answer = record.answer
        checks = check_citations(answer.citations, articles)
        current = current_citations(checks, articles)
        has_sentences = bool(answer.sentences or answer.answer)
        if checker is None and has_sentences:
            checker = load_checker() if load_checker is not None else _default_checker(settings)
        today = verdicts_today(checker, record, current) if has_sentences else []
        before = tuple(s.verdict for s in answer.sentences)
        for check in checks:
            counts["citations"] += 1
            counts[check.status] += 1
        counts["verdicts_changed"] += sum(1 for old, new in zip(before, today, strict=False) if old != new.verdict)
        results.append(AnswerCheck(record.line, answer.id, answer.question, tuple(checks), tuple(today), before))
    return CheckReport(str(path), str(root), tuple(results), counts)


def _default_checker(settings: Settings) -> Any:
    from ..embedding.embedder import load_embedder
    from . import SupportChecker

    return SupportChecker(load_embedder(settings))
