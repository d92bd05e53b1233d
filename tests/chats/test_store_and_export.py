"""Saved conversations and the Markdown export, on their own (no models, no app)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from qa_assistant.chats.export import AnswerExportError, answer_markdown, export_answer, export_filename
from qa_assistant.chats.store import (
    ConversationError,
    ConversationStore,
    atomic_write_text,
)
from qa_assistant.models import Answer, AnswerSentence, Citation


def sample_answer(question: str = "How much will the bridge cost?", answer_id: str = "abc123") -> Answer:
    citations = (
        Citation(n=1, article="news/bridge.txt", title="Port Elwood approves bridge", start=10, end=60,
                 text="The bridge will cost 42 million dollars.", sentence_id=7),
        Citation(n=2, article="news/bridge.txt", title="Port Elwood approves bridge", start=61, end=90,
                 text="Work begins in March.", sentence_id=8),
    )
    sentences = (
        AnswerSentence("It will cost 42 million dollars [1].", (1,), "supported", 0.91),
        AnswerSentence("The mayor said it starts soon [2][7].", (2,), "attributed", 0.7, invalid_citations=(7,)),
    )
    return Answer(question=question, answer="It will cost 42 million dollars [1]. The mayor said it starts soon "
                  "[2][7].", mode="llm", sentences=sentences, citations=citations, passages=(),
                  timings_ms={"total": 812.345}, id=answer_id, standalone_question="bridge cost?",
                  notice="A notice.")


def test_answer_round_trips_through_json() -> None:
    answer = sample_answer()
    again = Answer.from_json(json.loads(json.dumps(answer.to_json())))
    assert again.to_json() == answer.to_json()
    assert again.sentences == answer.sentences
    assert [c.to_json() for c in again.citations] == [c.to_json() for c in answer.citations]


def test_malformed_answer_record_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="lacks 'citations'"):
        Answer.from_json({"answer": "no citations"})
    with pytest.raises(ValueError, match=r"citation 1 lacks n, article, start, end or text"):
        Answer.from_json({"citations": [{"n": 1}]})
    with pytest.raises(ValueError, match="not a whole number"):
        Answer.from_json({"citations": [], "sentences": [{"text": "x", "citations": ["1"]}]})
    store = ConversationStore.for_index(tmp_path / "index")
    conversation = store.new()
    conversation.answers.append(sample_answer())
    path = store.save(conversation)
    data = json.loads(path.read_text())
    data["answers"][0]["citations"][0]["start"] = "twelve"
    path.write_text(json.dumps(data))
    with pytest.raises(ConversationError, match=rf"^conversation file {path} holds a malformed answer"):
        store.load(conversation.id)
    assert [s.id for s in store.list()] == [conversation.id]  # still listed; load() names the problem


def test_store_saves_lists_newest_first_and_loads(tmp_path: Path) -> None:
    store = ConversationStore.for_index(tmp_path / "index")
    assert store.list() == [] and store.latest() is None
    assert not store.folder.exists()  # nothing is created before the first save
    older = store.new()
    older.answers.append(sample_answer("First question?", "a1"))
    store.save(older)
    newer = store.new()
    newer.answers += [sample_answer("Second question?", "b1"), sample_answer("Third?", "b2")]
    path = store.save(newer)
    assert path == tmp_path / "index" / "conversations" / f"{newer.id}.json"
    older_saved = json.loads(store.path_of(older.id).read_text(encoding="utf-8"))
    older_saved["updated"] = 1.0
    store.path_of(older.id).write_text(json.dumps(older_saved), encoding="utf-8")

    summaries = store.list()
    assert [s.id for s in summaries] == [newer.id, older.id]
    assert [(s.title, s.questions) for s in summaries] == [("Second question?", 2), ("First question?", 1)]
    assert store.latest().id == newer.id
    loaded = store.load(newer.id)
    assert [a.to_json() for a in loaded.answers] == [a.to_json() for a in newer.answers]


def test_damaged_file_is_skipped_in_the_list_and_named_when_loaded(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path)
    good = store.new()
    good.answers.append(sample_answer())
    store.save(good)
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    assert [s.id for s in store.list()] == [good.id]
    with pytest.raises(ConversationError, match="broken.json"):
        store.load("broken")
    with pytest.raises(ConversationError, match="no conversation file"):
        store.load("missing")
    with pytest.raises(ConversationError, match="not valid"):
        store.path_of("../escape")


def test_atomic_write_leaves_no_temporary_files(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "file.json"
    atomic_write_text(target, "one")
    atomic_write_text(target, "two")
    assert target.read_text(encoding="utf-8") == "two"
    assert [p.name for p in target.parent.iterdir()] == ["file.json"]


def test_markdown_export_embeds_the_answer_json(tmp_path: Path) -> None:
    answer = sample_answer()
    text = answer_markdown(answer)
    assert text.startswith("# How much will the bridge cost?\n")
    assert "**supported** (0.91, [1])" in text and "**attributed**" in text
    assert "cites no source: [7]" in text
    assert "[1] **Port Elwood approves bridge** (`news/bridge.txt`, characters 10–60)" in text
    blocks = re.findall(r"```json\n(.*?)\n```", text, re.S)
    assert len(blocks) == 1 and json.loads(blocks[0]) == answer.to_json()

    path = export_answer(answer, tmp_path / "exports")
    assert path.name == export_filename(answer) == "answer-how-much-will-the-bridge-cost-abc123.md"
    assert path.read_text(encoding="utf-8") == text


def test_export_into_an_unwritable_place_is_a_user_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(AnswerExportError, match="a-file"):
        export_answer(sample_answer(), blocker / "exports")


def test_refusals_and_alternatives_round_trip() -> None:
    answer = sample_answer()
    refused = Answer(question=answer.question, answer="The articles do not say.", mode="extractive",
                     sentences=(AnswerSentence("The articles do not say.", (), "unsupported", 0.1,
                                               alternatives=(1, 2)),),
                     citations=answer.citations, passages=(), refused=True)
    again = Answer.from_json(json.loads(json.dumps(refused.to_json())))
    assert again.refused and again.sentences[0].alternatives == (1, 2)
    assert again.to_json() == refused.to_json()
