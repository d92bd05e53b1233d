"""A close call: the runner-up scored almost as high as the sentence the answer rests on.

Real engines (packaged embedder, FAISS, BM25, llama.cpp with the packaged GGUF) over an
article where two people praise the same library: asked "Which person praised …", the
ranker picks one, the other scores just below, and the answer names it for the reader.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from answer_helpers import both_engines, final_answer, write_articles
from click.testing import CliRunner

from qa_assistant.answering.engine import Engine
from qa_assistant.cli import main
from qa_assistant.config import Settings, load_settings
from qa_assistant.models import Answer

pytestmark = pytest.mark.slow

LIBRARY = {
    "library.txt": (
        "Riverside opens its new library\n\n"
        "The new Riverside library opened on Saturday after three years of building work.\n\n"
        "Mayor Ana Ruiz praised the new library for its bright reading rooms.\n\n"
        "Local author Tom Berg praised the new library for its children's corner.\n\n"
        "The building cost $18 million and holds 120,000 books.\n"
    ),
}
NEAR_TIE = "Which person praised the new library?"


@pytest.fixture(scope="module")
def library_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    articles = write_articles(tmp_path_factory.mktemp("library"), LIBRARY)
    return load_settings({"articles_dir": articles, "index_dir": tmp_path_factory.mktemp("index") / "i"},
                         environ={}, config_file=None).replace(max_tokens=60)


@pytest.fixture(scope="module")
def engines(library_settings: Settings, embedder: Any) -> Iterator[dict[str, Engine]]:
    with both_engines(library_settings, embedder) as made:
        yield made


def cited(answer: Answer) -> set[int]:
    return {n for s in answer.sentences for n in s.citations}


def test_a_near_tie_names_the_runner_up_the_answer_does_not_cite(engines: dict[str, Engine]) -> None:
    answer = final_answer(engines["extractive"].ask(NEAR_TIE))
    assert answer.close_call is not None and answer.close_call not in cited(answer)
    runner_up = answer.citations[answer.close_call - 1]
    answered = {answer.citations[n - 1].text for n in cited(answer)}
    assert {runner_up.text} | answered == {
        "Mayor Ana Ruiz praised the new library for its bright reading rooms.",
        "Local author Tom Berg praised the new library for its children's corner."}
    assert Answer.from_json(answer.to_json()).close_call == answer.close_call  # saved chats keep it


@pytest.mark.parametrize("question", [
    "How much did the library building cost?",  # one sentence answers
    "Who praised the new library?",  # a tie so close that the extractive answer cites both
])
def test_no_close_call_where_the_pick_is_clear_or_both_are_cited(engines: dict[str, Engine], question: str) -> None:
    answer = final_answer(engines["extractive"].ask(question))
    assert answer.sentences and answer.close_call is None
    assert "close_call" not in answer.to_json()


def test_on_a_close_call_the_model_reads_the_runner_up_too(engines: dict[str, Engine]) -> None:
    from qa_assistant.answering.close_call import sources_to_read
    from qa_assistant.retrieval import score_sentences

    engine = engines["llm"]
    retriever = engine._retriever
    assert retriever is not None
    for question, reads in ((NEAR_TIE, 2), ("How much did the library building cost?", 1)):
        ranked = score_sentences(retriever.retrieve(question, engine.settings.top_k_passages), retriever.stats)
        assert sources_to_read(ranked, question, engine.settings) == reads, question
    answer = final_answer(engine.ask(NEAR_TIE))
    assert answer.mode == "llm" and not answer.refused
    praised = {c.n for c in answer.citations if " praised " in c.text}
    assert praised == {1, 2}  # the two the model read, best first
    if answer.close_call is None:  # only when the answer itself cites both praising sentences
        assert praised <= cited(answer)
    else:
        assert answer.close_call in praised and answer.close_call not in cited(answer)


def test_ask_prints_the_close_call_and_lists_its_source(library_settings: Settings, engines: Any) -> None:
    result = CliRunner().invoke(main, ["ask", NEAR_TIE, "--extractive", "--articles",
                                       str(library_settings.articles_dir), "--index",
                                       str(library_settings.index_dir)])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("Close call: source ["))
    n = int(line.split("[", 1)[1].split("]", 1)[0])
    sources = result.output.split("\nSources:\n", 1)[1].split("\n\nChecked:", 1)[0]
    assert f"  [{n}] " in sources and "Mayor Ana Ruiz" in sources and "Tom Berg" in sources
