"""split_sentences on the hard cases of news text: abbreviations, initials, quotes, lines, markup, walls of text."""

from __future__ import annotations

import pytest

from qa_assistant.ingest import MAX_SENTENCE_CHARS, MAX_WORD_CHARS, split_sentences


def sentences(text: str, markdown: bool = False) -> list[str]:
    spans = split_sentences(text, markdown=markdown)
    for span in spans:
        assert text[span.start:span.end] == text[span.start:span.end].strip() != ""
    return [text[s.start:s.end] for s in spans]


@pytest.mark.parametrize("text, expected", [
    ("The strike was ordered on Jan. 7 by the U.S. military. Gen. Qassem Soleimani was killed.",
     ["The strike was ordered on Jan. 7 by the U.S. military.", "Gen. Qassem Soleimani was killed."]),
    ("Mr. Smith met Dr. Jones at St. Mary's Hospital on Friday. They talked for an hour.",
     ["Mr. Smith met Dr. Jones at St. Mary's Hospital on Friday.", "They talked for an hour."]),
    ("The novel by J. R. R. Tolkien sold well. Another by George R.R. Martin did too.",
     ["The novel by J. R. R. Tolkien sold well.", "Another by George R.R. Martin did too."]),
    ("U.S. Kills Iranian General in Baghdad Strike",
     ["U.S. Kills Iranian General in Baghdad Strike"]),
    ("Gov. Hart signed it on Feb. 3 at 10 a.m. local time. Critics disagreed.",
     ["Gov. Hart signed it on Feb. 3 at 10 a.m. local time.", "Critics disagreed."]),
    ("Lt. Col. Mark Reyes spoke first. Sen. Patel agreed with Rep. Ortiz.",
     ["Lt. Col. Mark Reyes spoke first.", "Sen. Patel agreed with Rep. Ortiz."]),
    ("The museum returned 23 bronzes, i.e. the entire collection. The ceremony was on Oct. 14.",
     ["The museum returned 23 bronzes, i.e. the entire collection.", "The ceremony was on Oct. 14."]),
])
def test_abbreviations_and_initials(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_nested_quotation_stays_whole() -> None:
    text = 'She said, "He told me \'I will not resign.\' Then he left." The room went silent.'
    assert sentences(text) == [
        'She said, "He told me \'I will not resign.\' Then he left."',
        "The room went silent.",
    ]


def test_quotation_keeps_its_attribution() -> None:
    text = "“We will build it. It’s overdue,” said Mayor Ruiz. She left the hall."
    assert sentences(text) == ["“We will build it. It’s overdue,” said Mayor Ruiz.", "She left the hall."]


def test_each_line_is_its_own_block() -> None:
    text = ("The council met on Tuesday. It voted 9-4.\n"
            "transport, council, tram, budget, city\n"
            "Mayor Ana Ruiz speaks to reporters on Tuesday, Nov. 18. (AP Photo/Carla Jimenez)\n")
    assert sentences(text) == [
        "The council met on Tuesday.", "It voted 9-4.",
        "transport, council, tram, budget, city",
        "Mayor Ana Ruiz speaks to reporters on Tuesday, Nov. 18.", "(AP Photo/Carla Jimenez)",
    ]


def test_hard_wrapped_paragraph_is_joined() -> None:
    text = ("The Marren Valley Water Authority declared a Stage 3 drought emergency\n"
            "on Friday, banning garden sprinklers and car washing across the region\n"
            "after its reservoirs fell to 31 percent. Inspectors start in August.\n")
    assert sentences(text) == [
        text[: text.index(" Inspectors")],
        "Inspectors start in August.",
    ]


def test_wrapped_text_keeps_title_tag_line_and_credit_apart() -> None:
    text = ("Riverton Council Approves Eastside Tram Line After Marathon Session\n"
            "The Riverton city council voted 9-4 late Tuesday to approve an 8.8-mile\n"
            "route linking Central Station on St. Anne's Square with the Harbour Gate\n"
            "district, led by Gen. Manager Tom Whitaker of the transport department.\n"
            "\n"
            "transport, council, tram, budget, city\n"
            "Mayor Ana Ruiz speaks to reporters outside Riverton City Hall after the\n"
            "council vote on Tuesday, Nov. 18. The vote ended six years of debate.\n"
            "Coastal Press Photo/Carla Jimenez\n")
    flat = [" ".join(s.split()) for s in sentences(text)]
    assert flat == [
        "Riverton Council Approves Eastside Tram Line After Marathon Session",
        "The Riverton city council voted 9-4 late Tuesday to approve an 8.8-mile route linking Central "
        "Station on St. Anne's Square with the Harbour Gate district, led by Gen. Manager Tom Whitaker of "
        "the transport department.",
        "transport, council, tram, budget, city",
        "Mayor Ana Ruiz speaks to reporters outside Riverton City Hall after the council vote on Tuesday, "
        "Nov. 18.",
        "The vote ended six years of debate.",
        "Coastal Press Photo/Carla Jimenez",
    ]


def test_markdown_headings_lists_and_markup() -> None:
    text = ("---\ntitle: Drought\n---\n\n# Marren Valley Declares Drought #\n\n*By Lena Ford*\n\n---\n\n"
            "## What is banned\n\n- Watering lawns with sprinklers\n- Washing cars at home\n\n"
            "| a | b |\n|---|---|\n\n> Quoted line. Second part.\n")
    assert sentences(text, markdown=True) == [
        "Marren Valley Declares Drought", "*By Lena Ford*", "What is banned",
        "Watering lawns with sprinklers", "Washing cars at home", "| a | b |",
        "Quoted line.", "Second part.",
    ]


def test_wall_of_text_is_cut_at_whitespace() -> None:
    words = " ".join(f"word{i}" for i in range(700))  # ~5,500 characters, no full stop
    text = "Title line\n\n" + words + "\n"
    spans = split_sentences(text)
    pieces = [text[s.start:s.end] for s in spans]
    assert pieces[0] == "Title line"
    assert all(len(p) <= MAX_SENTENCE_CHARS for p in pieces)
    assert " ".join(pieces[1:]) == words  # cut only at spaces, nothing lost


def test_a_long_url_stays_in_its_sentence_but_an_unbroken_blob_is_left_out() -> None:
    url = "https://example.org/" + "a" * (MAX_WORD_CHARS - 20)
    text = f"Read it at {url} today. Next one.\n\n{'x' * 2500}\n\nLast {'y' * 3000} words."
    assert sentences(text) == [f"Read it at {url} today.", "Next one.", "Last", "words."]


def test_crlf_free_text_and_blank_input() -> None:
    assert split_sentences("") == []
    assert split_sentences("  \n\n \t\n") == []
    assert sentences("One.\n\n\nTwo.") == ["One.", "Two."]


def test_random_text_always_keeps_the_contract() -> None:
    import random

    pieces = list("abc XYZ .,;:!?\"'“”‘’()[]-—\n\n\r\t#*>|`~_") + [
        "U.S.", "Gen. ", "Jan. 7", "Dr. ", " e.g. ", "\u00a0", "\u200b", "\u2028", "\x0c", "\x85", "é", "東京",
        "😀", "...", "\n---\n", "\n# ", "\n- ", "word ", "Word. ", "x" * 300,
    ]
    rng = random.Random(7)
    for _ in range(400):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 120)))
        for markdown in (False, True):
            previous_end = 0
            for span in split_sentences(text, markdown=markdown):
                piece = text[span.start:span.end]
                assert piece and piece == piece.strip() and len(piece) <= MAX_SENTENCE_CHARS, repr(text)
                assert span.start >= previous_end, repr(text)
                previous_end = span.end
