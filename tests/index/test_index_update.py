"""Incremental updates with the real embedder: what is embedded, what the reader sees."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from index_helpers import NEW_ARTICLE, CountingEmbedder, HashEmbedder, many_articles

from qa_assistant.config import Settings
from qa_assistant.errors import EmbedderMismatchError, IngestError
from qa_assistant.index import index_status, open_index, update_index, verify_index
from qa_assistant.models import UpdateProgress

pytestmark = pytest.mark.slow


def contents(settings: Settings) -> dict[str, str]:
    with open_index(settings.index_dir) as reader:
        return {a.path: reader.article_text(a.id) for a in reader.articles()}


def test_second_update_embeds_nothing(settings: Settings, embedder: CountingEmbedder) -> None:
    first = update_index(settings, embedder)
    assert (first.added, first.changed, first.removed, first.unchanged, first.failed) == (3, 0, 0, 0, ())
    assert embedder.calls >= 1
    with open_index(settings.index_dir, embedder.name) as reader:
        n_articles, n_sentences, n_passages = reader.counts()
        assert n_articles == 3 and n_sentences >= 9 and n_passages >= 3
        assert embedder.texts == n_sentences + n_passages

    embedder.calls = embedder.texts = 0
    second = update_index(settings, embedder)
    assert (second.added, second.changed, second.removed, second.unchanged) == (0, 0, 0, 3)
    assert embedder.calls == 0 and embedder.texts == 0
    assert second.generation == first.generation  # nothing to do: no new generation
    assert index_status(settings).pending == 0


def test_add_change_remove_rename(settings: Settings, embedder: CountingEmbedder) -> None:
    update_index(settings, embedder)
    with open_index(settings.index_dir) as reader:
        volcano_id = reader.article_by_path("science/volcano.txt").id  # type: ignore[union-attr]
    root = settings.articles_dir
    (root / "city").mkdir()
    (root / "city" / "library.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    (root / "politics" / "mayor.md").write_text("# Mayor resigns\n\nMaria Okafor resigned on Friday.\n",
                                                encoding="utf-8")
    (root / "sport" / "final.html").unlink()
    (root / "archive").mkdir()
    os.rename(root / "science" / "volcano.txt", root / "archive" / "volcano-2024.txt")
    assert index_status(settings).pending == 4

    embedder.calls = embedder.texts = 0
    report = update_index(settings, embedder)
    assert (report.added, report.changed, report.removed, report.renamed, report.unchanged) == (1, 1, 1, 1, 0)
    assert report.failed == ()

    texts = contents(settings)
    assert set(texts) == {"city/library.txt", "politics/mayor.md", "archive/volcano-2024.txt"}
    assert "resigned on Friday" in texts["politics/mayor.md"]
    with open_index(settings.index_dir) as reader:
        moved = reader.article_by_path("archive/volcano-2024.txt")
        assert moved is not None and moved.id == volcano_id  # moved, not re-embedded
        embedded = sum(len(reader.sentences(reader.article_by_path(p).id)) for p in  # type: ignore[union-attr]
                       ("city/library.txt", "politics/mayor.md"))
        n_passages = len([p for p in reader.iter_passages() if p.article_id != volcano_id])
        assert embedder.texts == embedded + n_passages
        question = embedder.encode(["When did the library of Riverton open?"])[0]
        best = reader.get_passages([reader.search(question, 1)[0][0]])[0]
        assert reader.get_article(best.article_id).path == "city/library.txt"
    assert verify_index(settings) == []
    assert index_status(settings).pending == 0


def test_offsets_contract_and_vectors(settings: Settings, embedder: CountingEmbedder) -> None:
    settings = settings.replace(passage_vectors="embed")  # compact and mean: test_index_passage_vectors.py
    update_index(settings, embedder)
    with open_index(settings.index_dir) as reader:
        for article in reader.articles():
            text = reader.article_text(article.id)
            sentences = reader.sentences(article.id)
            assert sentences, article.path
            for sentence in sentences:
                assert text[sentence.start:sentence.end] == sentence.text
            assert reader.get_sentences([s.id for s in sentences]) == sentences
        passages = list(reader.iter_passages())
        assert [p.id for p in passages] == sorted(p.id for p in passages)
        for passage in passages:
            text = reader.article_text(passage.article_id)
            assert text[passage.start:passage.end] == passage.text
            inner = reader.sentences(passage.article_id, passage.first_sentence, passage.last_sentence)
            assert inner[0].start == passage.start and inner[-1].end == passage.end
        sample = passages[:3]
        stored = reader.passage_vectors([p.id for p in sample])
        fresh = embedder.inner.encode([p.text for p in sample])
        # int8 ONNX quantizes activations per batch, so the same text in another batch differs slightly
        assert np.all(np.sum(stored * fresh, axis=1) > 0.98)
        assert np.allclose(np.linalg.norm(stored, axis=1), 1.0, atol=1e-4)
        volcano = reader.article_by_path("science/volcano.txt")
        assert volcano is not None
        first = reader.sentences(volcano.id)[1]
        hits = reader.search(reader.sentence_vectors([first.id])[0], 2)
        assert reader.get_passages([hits[0][0]])[0].article_id == volcano.id
        assert hits[0][1] >= hits[-1][1]
    assert verify_index(settings) == []


def test_failing_file_keeps_its_previous_version(settings: Settings, embedder: CountingEmbedder) -> None:
    update_index(settings, embedder)
    before = contents(settings)["science/volcano.txt"]
    (settings.articles_dir / "science" / "volcano.txt").write_bytes(b"\x00\x01\x02\xff" * 200)
    report = update_index(settings, embedder)
    assert [f.path for f in report.failed] == ["science/volcano.txt"]
    assert "binary" in report.failed[0].error
    assert (report.changed, report.removed) == (0, 0)
    assert contents(settings)["science/volcano.txt"] == before

    (settings.articles_dir / "science" / "volcano.txt").write_text("Volcano calms down\n\nThe lava stopped.\n")
    report = update_index(settings, embedder)
    assert report.changed == 1 and report.failed == ()
    assert "lava stopped" in contents(settings)["science/volcano.txt"]


def test_bad_files_are_reported_and_the_rest_indexed(tmp_path: Path, embedder: CountingEmbedder,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "articles"
    root.mkdir()
    (root / "good.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    (root / "latin1.txt").write_bytes("Café crème\n\nLe café coûte trois euros à Genève.\n".encode("latin-1"))
    (root / "empty.txt").write_bytes(b"")
    (root / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (root / "big.txt").write_text("A long article sentence. " * 200, encoding="utf-8")
    (root / "boiler.html").write_text("<html><body><nav><a href='/'>Home</a></nav>"
                                      "<footer>Copyright 2024</footer></body></html>", encoding="utf-8")
    outside = tmp_path / "outside.txt"
    outside.write_text("Secret text outside the folder.", encoding="utf-8")
    (root / "link.txt").symlink_to(outside)
    locked = root / "locked.txt"
    locked.write_text("Locked article.\n\nNobody may read it.", encoding="utf-8")
    locked.chmod(0)
    if os.access(locked, os.R_OK):  # running as root: permissions do not stop reads, so inject the error
        real_open = os.open

        def refusing_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
            if os.fspath(path).endswith("locked.txt"):
                raise PermissionError(13, "Permission denied", os.fspath(path))
            return real_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", refusing_open)
    settings = Settings(articles_dir=root, index_dir=tmp_path / "index", max_file_bytes=2000)

    report = update_index(settings, embedder)
    failed = {f.path: f.error for f in report.failed}
    assert set(failed) == {"empty.txt", "binary.txt", "big.txt", "boiler.html", "link.txt", "locked.txt"}
    assert "max_file_bytes" in failed["big.txt"] and "outside" in failed["link.txt"]
    assert "permission denied" in failed["locked.txt"]
    assert all("\n" not in error for error in failed.values())
    assert report.added == 2
    embedder.calls = 0
    again = update_index(settings, embedder)  # the failures are remembered: nothing to do, no model needed
    assert {f.path for f in again.failed} == set(failed) and again.generation == report.generation
    assert embedder.calls == 0 and index_status(settings).pending == 0
    assert {f.path for f in index_status(settings).failed} >= {"empty.txt", "binary.txt", "boiler.html"}
    texts = contents(settings)
    assert set(texts) == {"good.txt", "latin1.txt"}
    assert "Genève" in texts["latin1.txt"]
    assert verify_index(settings) == []
    locked.chmod(0o644)


def test_missing_articles_folder_is_a_user_error(tmp_path: Path, embedder: CountingEmbedder) -> None:
    settings = Settings(articles_dir=tmp_path / "nope", index_dir=tmp_path / "index")
    with pytest.raises(IngestError, match="nope"):
        update_index(settings, embedder)


def test_other_embedder_in_meta_is_refused(settings: Settings, embedder: CountingEmbedder) -> None:
    update_index(settings, HashEmbedder())
    with pytest.raises(EmbedderMismatchError, match="qa-assistant index rebuild"):
        open_index(settings.index_dir, embedder.name)
    (settings.articles_dir / "new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    with pytest.raises(EmbedderMismatchError, match="qa-assistant index rebuild"):
        update_index(settings, embedder)
    report = update_index(settings, embedder, rebuild=True)
    assert report.added == 4
    with open_index(settings.index_dir, embedder.name) as reader:
        assert reader.meta.embedder == embedder.name and reader.meta.dimension == 384


def test_rebuild_keeps_content_and_cleans_old_generations(settings: Settings, embedder: CountingEmbedder) -> None:
    update_index(settings, embedder)
    before = contents(settings)
    for _ in range(3):
        report = update_index(settings, embedder, rebuild=True)
    assert report.added == 3 and contents(settings) == before
    epochs = sorted(p.name for p in settings.index_dir.iterdir() if p.name.startswith("epoch-"))
    assert len(epochs) == 1 and report.generation == 4  # numbers keep growing across rebuilds
    (settings.index_dir / "conversations").mkdir()
    update_index(settings, embedder, rebuild=True)
    assert (settings.index_dir / "conversations").is_dir()


def test_new_articles_folder_moves_matching_content(settings: Settings, embedder: CountingEmbedder,
                                                    tmp_path: Path) -> None:
    update_index(settings, embedder)
    other = tmp_path / "elsewhere"
    shutil.copytree(settings.articles_dir, other)
    embedder.calls = 0
    report = update_index(settings.replace(articles_dir=other), embedder)
    assert report.unchanged + report.renamed == 3 and embedder.calls == 0
    with open_index(settings.index_dir) as reader:
        assert reader.meta.articles_dir == str(other)


def test_embedding_progress_counts_the_files_of_the_whole_update(settings: Settings, embedder: CountingEmbedder,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import qa_assistant.index.apply as apply

    monkeypatch.setattr(apply, "_GROUP_TEXTS", 40)  # several groups, as a big folder has
    many_articles(settings.articles_dir, 30)
    (settings.articles_dir / "bad.txt").write_bytes(b"")
    events: list[UpdateProgress] = []
    update_index(settings, embedder, progress=events.append)
    embedded = [(e.done, e.total) for e in events if e.stage == "embed"]
    assert {total for _, total in embedded} == {34}  # every file of the update, the one that fails included
    assert [done for done, _ in embedded] == sorted(done for done, _ in embedded)  # never runs backwards
    assert len({done for done, _ in embedded}) > 3 and embedded[-1][0] >= 33
