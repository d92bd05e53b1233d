"""passage_vectors="mean": passages get the normalised mean of their sentences' vectors, unembedded;
"compact": passages get the embedding of their non-stopwords, cut to 80 tokens, plus half their title's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from index_helpers import NEW_ARTICLE, CountingEmbedder

from qa_assistant.config import ConfigError, Settings, load_settings
from qa_assistant.embedding.passages import COMPACT_TOKENS, compact_passage_text, with_title
from qa_assistant.index import index_status, open_index, update_index, verify_index


@pytest.mark.slow
def test_mean_passage_vectors_embed_sentences_only(settings: Settings, embedder: CountingEmbedder) -> None:
    settings = settings.replace(passage_vectors="mean")
    update_index(settings, embedder)
    with open_index(settings.index_dir, embedder.name) as reader:
        _, n_sentences, n_passages = reader.counts()
        assert n_passages >= 3
        assert embedder.texts == n_sentences  # no passage text was embedded
        passages = list(reader.iter_passages())
        stored = reader.passage_vectors([p.id for p in passages])
        for passage, vector in zip(passages, stored, strict=True):
            sentences = reader.sentences(passage.article_id, passage.first_sentence, passage.last_sentence)
            mean = reader.sentence_vectors([s.id for s in sentences]).mean(axis=0)
            assert np.dot(vector, mean / np.linalg.norm(mean)) > 0.99  # 8- and 4-bit codes
            assert np.isclose(np.linalg.norm(vector), 1.0, atol=1e-5)
        question = embedder.inner.encode(["Who was elected mayor of Riverton?"])[0]
        best = reader.get_passages([reader.search(question, 1)[0][0]])[0]
        assert "Okafor" in best.text
    assert verify_index(settings) == []
    assert index_status(settings).passage_vectors == "mean"

    (settings.articles_dir / "library.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    update_index(settings.replace(passage_vectors="embed"), embedder)
    assert index_status(settings).passage_vectors == "mixed"  # usable as is; a rebuild makes it uniform


@pytest.mark.slow
def test_compact_passage_vectors_embed_the_compact_text(settings: Settings, embedder: CountingEmbedder) -> None:
    settings = settings.replace(passage_vectors="compact")
    update_index(settings, embedder)
    with open_index(settings.index_dir, embedder.name) as reader:
        _, n_sentences, n_passages = reader.counts()
        assert n_passages >= 3
        sentence_texts = {s.text for a in reader.articles() for s in reader.sentences(a.id)}
        titles = sorted({reader.article(a.id)[1] for a in reader.articles()})
        new_titles = [t for t in titles if t not in sentence_texts]  # a title that is a sentence is reused
        # one text per passage and per title, in calls of their own
        assert embedder.texts == n_sentences + n_passages + len(new_titles)
        passages = list(reader.iter_passages())
        stored = reader.passage_vectors([p.id for p in passages])
        compact = [compact_passage_text(p.text) for p in passages]
        assert all(len(c) < len(p.text) for c, p in zip(compact, passages, strict=True))
        title_of = [titles.index(reader.article(p.article_id)[1]) for p in passages]
        expected = with_title(embedder.inner.encode(compact, max_tokens=COMPACT_TOKENS),
                              embedder.inner.encode(titles), np.array(title_of))
        cosines = np.sum(stored * expected, axis=1)
        assert cosines.min() > 0.97  # 8-bit codes, and int8 activations scaled per batch
        without_title = np.sum(stored * embedder.inner.encode(compact, max_tokens=COMPACT_TOKENS), axis=1)
        assert np.all(without_title < cosines)  # the title is part of each passage's vector
        sentence = reader.sentences(passages[0].article_id, passages[0].first_sentence, passages[0].first_sentence + 1)
        embedded = embedder.inner.encode([sentence[0].text])[0]
        assert float(reader.sentence_vectors([sentence[0].id])[0] @ embedded) > 0.97  # sentences as ever
        question = embedder.inner.encode(["Who was elected mayor of Riverton?"])[0]
        best = reader.get_passages([reader.search(question, 1)[0][0]])[0]
        assert "Okafor" in best.text
    assert verify_index(settings) == []
    assert index_status(settings).passage_vectors == "compact"


def test_bad_passage_vectors_names_the_setting(tmp_path: Path) -> None:
    environ = {"QA_ASSISTANT_HOME": str(tmp_path), "QA_ASSISTANT_PASSAGE_VECTORS": "average"}
    with pytest.raises(ConfigError, match="passage_vectors") as error:
        load_settings(environ=environ)
    assert "\n" not in str(error.value)
    with pytest.raises(ConfigError, match="passage_vectors"):
        Settings().replace(passage_vectors="sum")
