"""Right vs wrong claims for sets with ``wrong_answers`` (protocol of ../shared/eval/README.md).

Each right and each wrong option of a question becomes the answer sentence
"<question without ?>: <option>." citing the question's gold evidence
sentences (the index's sentences that overlap a gold span); the checker scores
it as it would score an answer to that question.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..models import Citation
from .metrics import ClaimResult


def claim_text(question: str, option: str) -> str:
    return f"{question.strip().rstrip('?').strip()}: {option.strip().rstrip('.')}."


def gold_citations(question: dict[str, Any], reader: Any) -> list[Citation]:
    """The index's sentences overlapping the question's gold evidence, numbered 1..n."""
    found: list[Citation] = []
    seen: set[int] = set()
    for evidence in question.get("evidence") or ():
        article = reader.article_by_path(str(evidence["article"]))
        if article is None:
            continue
        for s in reader.sentences(article.id):
            if s.start < int(evidence["end"]) and int(evidence["start"]) < s.end and s.id not in seen:
                seen.add(s.id)
                found.append(Citation(len(found) + 1, article.path, article.title, s.start, s.end, s.text, s.id))
    return found


def score_claims(questions: Sequence[dict[str, Any]], reader: Any, checker: Any) -> list[ClaimResult]:
    """Every right and wrong option of the questions that have ``wrong_answers``."""
    results: list[ClaimResult] = []
    for question in questions:
        wrong = [str(a) for a in question.get("wrong_answers") or ()]
        right = [str(a) for a in question.get("answers") or ()]
        if not wrong or not right:
            continue
        citations = gold_citations(question, reader)
        if not citations:
            continue
        vectors = reader.sentence_vectors([c.sentence_id for c in citations])
        marks = "".join(f"[{c.n}]" for c in citations)
        for options, is_right in ((right, True), (wrong, False)):
            for option in options:
                text = claim_text(question["question"], option)
                checked = checker.check_sentence(f"{text[:-1]} {marks}.", citations, vectors,
                                                 question=question["question"])
                results.append(ClaimResult(str(question.get("id", "")), is_right, checked.support,
                                           checked.verdict))
    return results
