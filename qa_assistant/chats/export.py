"""An answer with its citations as a Markdown document.

The document is for people (question, answer, per-sentence verdicts, the cited
source sentences) and for ``qa-assistant check``: the full ``Answer.to_json()``
is embedded in a fenced ``json`` block, so the file can be re-checked later.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..errors import QAError
from ..fsutil import atomic_write_text
from ..models import Answer

VERDICT_MARKS = {"supported": "✔", "partial": "◐", "unsupported": "✘", "attributed": "→"}
"""``attributed`` (→): the model cited nothing and the program attached the citation."""
_SLUG = re.compile(r"[^a-z0-9]+")


class AnswerExportError(QAError):
    """The export file cannot be written; the message names it."""


def answer_markdown(answer: Answer) -> str:
    """The Markdown export of one answer (ends with the ```json block of ``answer.to_json()``)."""
    lines = [f"# {_one_line(answer.question)}", "", answer.answer.strip() or "_(no answer)_", ""]
    if answer.notice:
        lines += [f"> Note: {_one_line(answer.notice)}", ""]
    if answer.sentences:
        lines += ["## Sentences", ""]
        for i, sentence in enumerate(answer.sentences, 1):
            mark = VERDICT_MARKS.get(sentence.verdict, "?")
            cited = ", ".join(f"[{n}]" for n in sentence.citations) or "no citation"
            lines.append(f"{i}. {mark} **{sentence.verdict}** ({sentence.support:.2f}, {cited}): "
                         f"{_one_line(sentence.text)}")
            if sentence.invalid_citations:
                bad = ", ".join(f"[{n}]" for n in sentence.invalid_citations)
                lines.append(f"   - cites no source: {bad}")
        lines.append("")
    if answer.citations:
        lines += ["## Sources", ""]
        for citation in answer.citations:
            title = _one_line(citation.title) or citation.article
            lines.append(f"[{citation.n}] **{title}** (`{citation.article}`, characters "
                         f"{citation.start}–{citation.end})")
            lines.append(f"> {_one_line(citation.text)}")
            lines.append("")
    record = json.dumps(answer.to_json(), ensure_ascii=False, indent=2)
    lines += ["## Answer record", "", "```json", record, "```", ""]
    return "\n".join(lines)


def export_filename(answer: Answer) -> str:
    """``answer-<slug of the question>-<id>.md`` (the id keeps names unique)."""
    slug = _SLUG.sub("-", answer.question.lower()).strip("-")[:40].strip("-") or "answer"
    suffix = f"-{answer.id}" if answer.id else ""
    return f"answer-{slug}{suffix}.md"


def export_answer(answer: Answer, folder: Path) -> Path:
    """Write the Markdown export into ``folder`` (created if needed); returns the file."""
    path = folder / export_filename(answer)
    try:
        atomic_write_text(path, answer_markdown(answer))
    except OSError as exc:
        raise AnswerExportError(f"cannot write the export {path}: {exc.strerror or exc}") from None
    return path


def _one_line(text: str) -> str:
    return " ".join(text.split())
