"""A question about the opposite of what the articles say ("smallest" where they say
"largest") is refused, and the refusal names both words."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from answer_helpers import final_answer, write_articles

from qa_assistant.answering.contrast import Contrast, Opposites
from qa_assistant.answering.engine import NOT_COVERED
from qa_assistant.models import Done, Token

LAKES = {
    "science/lakes.txt": (
        "Lakes under the ice\n\n"
        "Lake Vostok is the largest of the almost 400 known subglacial lakes of Antarctica. "
        "It lies under the Russian Vostok Station, some 4,000 metres below the surface of the ice sheet. "
        "Its water is thought to have been sealed off from the air for about 15 million years.\n"
    ),
}


@pytest.fixture(scope="module")
def opposites() -> Opposites:
    return Opposites.load()


def test_the_opposite_word_is_found(opposites: Opposites) -> None:
    sentence = "Lake Vostok is the largest of the almost 400 known subglacial lakes of Antarctica."
    assert opposites.contrast("What is the smallest subglacial lake of Antarctica?", sentence) == \
        Contrast("smallest", "largest")
    assert opposites.contrast("Which river runs through the southern valley?",
                              "The river drains the northern valley.") == Contrast("southern", "northern")
    assert opposites.contrast("What is the delta bounded by in the south?",
                              "The delta is bounded in the west by the old river and in the east by a canal.") == \
        Contrast("south", "east")  # a closed class: the other directions exclude it too


def test_no_contrast_when_the_sentence_says_the_word_or_the_question_asks_both(opposites: Opposites) -> None:
    assert opposites.contrast("What is the largest lake?", "Vostok is the largest lake.") is None
    assert opposites.contrast("What is the smallest lake?", "The largest lake and the smallest one are close.") is None
    assert opposites.contrast("Is the largest lake or the smallest one deeper?", "Vostok is the largest lake.") is None
    assert opposites.contrast("Who won the match?", "The home side won the match on Saturday.") is None


def test_a_table_line_that_is_not_a_pair_names_the_file(tmp_path: Path) -> None:
    table = tmp_path / "antonyms.txt"
    table.write_text("# sizes\nsmall large\nwide\n", encoding="utf-8")
    with pytest.raises(ValueError, match="antonyms.txt: 'wide' is a single word"):
        Opposites.load(table)
    table.write_text("small large  # a comment\nspring summer autumn\n", encoding="utf-8")
    assert Opposites.load(table).of == {"small": frozenset({"large"}), "large": frozenset({"small"}),
                                        "spring": frozenset({"summer", "autumn"}),
                                        "summer": frozenset({"spring", "autumn"}),
                                        "autumn": frozenset({"spring", "summer"})}


@pytest.fixture(scope="module")
def lakes_settings(engine_settings: Any, embedder: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from qa_assistant.index import update_index

    root = tmp_path_factory.mktemp("lakes")
    settings = engine_settings.replace(articles_dir=write_articles(root / "articles", LAKES),
                                       index_dir=root / "index")
    update_index(settings, embedder)
    return settings


@pytest.mark.slow
@pytest.mark.parametrize("extractive", [True, False], ids=["extractive", "llm"])
def test_asking_the_opposite_of_the_article_is_refused(lakes_settings: Any, embedder: Any, extractive: bool) -> None:
    from qa_assistant.answering.engine import Engine

    engine = Engine(lakes_settings.replace(extractive=extractive), embedder=embedder)
    engine.load()
    try:
        events = list(engine.ask("What is the smallest subglacial lake of Antarctica?"))
        refused = events[-1]
        assert isinstance(refused, Done) and refused.answer.refused and refused.answer.answer == NOT_COVERED
        assert '"largest", not "smallest"' in (refused.answer.notice or "")
        assert refused.answer.citations[0].text.startswith("Lake Vostok is the largest")  # why, for the reader
        assert [e.text for e in events if isinstance(e, Token)] == [NOT_COVERED]  # the model never started
        answered = final_answer(engine.ask("What is the largest subglacial lake of Antarctica?"))
        assert not answered.refused and "Vostok" in answered.answer
    finally:
        engine.close()
