"""The demo questions over the sample articles: gold evidence offsets match the parser's text.

The evidence of each question is the sentence (as the parser splits it) holding the
anchor phrase.  To regenerate ``qa_assistant/samples/questions.jsonl`` after editing
an article or the splitter: ``python tests/ingest/test_sample_questions.py``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if __name__ == "__main__":
    sys.path.insert(0, str(REPO))

from qa_assistant.config import Settings, sample_articles_dir  # noqa: E402
from qa_assistant.ingest import parse_document  # noqa: E402
from qa_assistant.models import Document  # noqa: E402

QUESTIONS_FILE = sample_articles_dir().parent / "questions.jsonl"

# (article, question, answers, anchor phrase inside the evidence sentence)
SPEC = [
    ("riverton-tram-line.txt", "How many stops will the Eastside tram line have?",
     ["19"], "The line will have 19 stops"),
    ("riverton-tram-line.txt", "How much is the U.S. Department of Transportation contributing to the tram line?",
     ["$260 million"], "$260 million grant"),
    ("marren-valley-drought.md", "What fine do first-time offenders face under the Marren Valley water restrictions?",
     ["$250"], "fine of $250"),
    ("marren-valley-drought.md", "How full were the Marren Valley reservoirs when the drought was declared?",
     ["31 percent"], "fell to 31 percent of capacity"),
    ("halden-data-centre.html", "How many homes can the waste heat from the Nordby data centre warm?",
     ["6,000", "about 6,000 homes"], "enough to warm about 6,000 homes"),
    ("harbour-city-coach.txt", "Who will be Harbour City FC's new head coach?",
     ["Erik Holm"], "agreed terms with former Sweden international Erik Holm"),
    ("ashford-museum-returns.md", "Who led the 1898 expedition in which the Kessara bronzes were taken?",
     ["Gen. Arthur Pembridge", "Arthur Pembridge"], "led by Gen. Arthur Pembridge"),
    ("ashford-museum-returns.md", "When will the new national museum in Mavuni open?",
     ["October 2026"], "due to open in October 2026"),
    ("corvane-rsv-vaccine-trial.html", "How many volunteers took part in the CVN-204 trial?",
     ["4,812"], "enrolled 4,812 volunteers"),
    ("corvane-rsv-vaccine-trial.html", "By how much did the nasal RSV vaccine cut hospital admissions?",
     ["71 percent"], "by 71 percent in a late-stage trial"),
]


def parse_sample(name: str) -> Document:
    path = sample_articles_dir() / name
    return parse_document(name, path.read_bytes(), 0.0, Settings())


def build_questions() -> list[dict[str, object]]:
    """The questions file's records, evidence computed from the parsed sample articles."""
    records: list[dict[str, object]] = []
    for number, (article, question, answers, anchor) in enumerate(SPEC, start=1):
        doc = parse_sample(article)
        at = doc.text.index(anchor)
        span = next(s for s in doc.sentences if s.start <= at and at + len(anchor) <= s.end)
        records.append({
            "id": f"samples-{number:02d}",
            "dataset": "samples",
            "question": question,
            "answers": answers,
            "evidence": [{"article": article, "start": span.start, "end": span.end}],
            "evidence_kind": "sentence",
        })
    return records


def read_questions() -> list[dict[str, object]]:
    return [json.loads(line) for line in QUESTIONS_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_questions_file_matches_the_parsed_articles() -> None:
    assert read_questions() == build_questions()


def test_evidence_holds_the_answer() -> None:
    questions = read_questions()
    assert len(questions) >= 8
    articles = {path.name for path in sample_articles_dir().iterdir()}
    for record in questions:
        evidence = record["evidence"]
        assert isinstance(evidence, list) and evidence
        for gold in evidence:
            assert gold["article"] in articles
            text = parse_sample(gold["article"]).text
            assert any(answer in text[gold["start"]:gold["end"]] for answer in record["answers"]), record["id"]


if __name__ == "__main__":
    lines = [json.dumps(record, ensure_ascii=False) for record in build_questions()]
    QUESTIONS_FILE.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines)} questions to {QUESTIONS_FILE.relative_to(REPO)}")
