"""Titles: Markdown front matter or heading, else the first line."""

from __future__ import annotations

import pytest

from qa_assistant.config import Settings
from qa_assistant.ingest import parse_document


@pytest.mark.parametrize("relpath, text, title", [
    ("a.md", "---\ntitle: \"Front Matter Title\"\ndate: 2025-01-07\n---\n\n# Heading\n\nBody text here.\n",
     "Front Matter Title"),
    ("b.md", "*By Lena Ford*\n\n## Section\n\n# The **Real** Headline #\n\nBody text here.\n", "The Real Headline"),
    ("c.md", "Setext Headline\n===============\n\nBody text here.\n", "Setext Headline"),
    ("d.md", "```\n# not a heading\n```\n\nPlain [first](http://x.org) line.\n\nBody.\n", "Plain first line."),
    ("e.txt", "\n\n  Tram line   approved  \nThe council voted.\n", "Tram line approved"),
    ("f.markdown", "## Only a level-two heading\n\nBody text here.\n", "Only a level-two heading"),
])
def test_titles(settings: Settings, relpath: str, text: str, title: str) -> None:
    assert parse_document(relpath, text.encode(), 0.0, settings).title == title


def test_very_long_first_line_is_shortened_at_a_word(settings: Settings) -> None:
    line = " ".join(["word"] * 100)
    title = parse_document("long.txt", line.encode(), 0.0, settings).title
    assert title.endswith("…") and len(title) <= 201 and title[:-1].endswith("word")


def test_front_matter_is_not_sentences(settings: Settings) -> None:
    text = "---\ntitle: Drought\nauthor: Lena Ford\n---\n\nThe reservoirs are at 31 percent.\n"
    doc = parse_document("a.md", text.encode(), 0.0, settings)
    assert [doc.text[s.start:s.end] for s in doc.sentences] == ["The reservoirs are at 31 percent."]
