"""Pure parts of retrieval: tokens, fusion, answer-type cues, context building, citing choice."""

from __future__ import annotations

import numpy as np

from qa_assistant.answering.extractive import choose, extractive_answer
from qa_assistant.models import Sentence
from qa_assistant.retrieval import ScoredSentence, SentenceHit, build_context, leans_back, led_by, tokenize
from qa_assistant.retrieval.fusion import reciprocal_rank_fusion
from qa_assistant.retrieval.lexical import LexicalIndex, TermStats, overlap_share
from qa_assistant.retrieval.scoring import counted_thing, counts_it, has_kind, question_kind


def test_tokenize_lowercases_drops_stopwords_and_meets_plurals() -> None:
    assert tokenize("The Ministers' meetings in Paris, 1973!") == ["minister", "meeting", "paris", "1973"]
    assert tokenize("What is it?") == []


def test_bm25_ranks_documents_sharing_rare_terms_first() -> None:
    docs = ["Oil prices rose sharply in 1973.", "The cat sat on the mat.", "Prices of cats rose."]
    index = LexicalIndex([tokenize(d) for d in docs])
    ranked = index.search(tokenize("Why did oil prices rise?"), 3)
    assert ranked[0][0] == 0
    assert all(score > 0 for _, score in ranked)
    assert index.search(tokenize("zebra"), 3) == []
    assert LexicalIndex([]).search(["oil"], 3) == []


def test_overlap_share_weights_rare_terms_more() -> None:
    stats = TermStats()
    for text in ["oil price", "oil embargo", "oil crisis", "price"]:
        stats.add(tokenize(text))
    q = tokenize("oil embargo")
    assert overlap_share(q, tokenize("the embargo"), stats) > overlap_share(q, tokenize("the oil"), stats)
    assert overlap_share(q, tokenize("oil embargo began"), stats) == 1.0
    assert overlap_share([], ["oil"], stats) == 0.0


def test_reciprocal_rank_fusion_rewards_agreement() -> None:
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "c", "a"], ["b", "a"]])
    assert [item for item, _ in fused] == ["b", "a", "c"]
    assert fused[0][1] == 1 / 62 + 1 / 61 + 1 / 61


def test_question_kinds_and_cues() -> None:
    assert question_kind("How many people died?") == "number"
    assert question_kind("In what year did the war end?") == "date"
    assert question_kind("Who founded the company?") == "name"
    assert question_kind("Why did prices rise?") is None
    assert has_kind("About 25 million died.", "number")
    assert has_kind("It ended in 1973.", "date")
    assert has_kind("It was founded by Walter Reed.", "name", "Who founded it?")
    assert not has_kind("It was founded long ago.", "name", "Who founded it?")


def test_leans_back_on_pronouns_and_connectives() -> None:
    assert leans_back("He resigned in 1974.")
    assert leans_back("However, prices fell.")
    assert not leans_back("Helen resigned in 1974.")


def _sentence(i: int, article: int = 1, text: str = "") -> Sentence:
    body = text or f"Sentence {i}."
    return Sentence(id=article * 100 + i, article_id=article, position=i, start=i * 20,
                    end=i * 20 + len(body), text=body)


def _scored(sentences: list[Sentence], scores: list[float]) -> list[ScoredSentence]:
    items = [ScoredSentence(SentenceHit(s, tuple(tokenize(s.text)), 0.5, 0.5, 0), sc, False)
             for s, sc in zip(sentences, scores, strict=True)]
    return sorted(items, key=lambda x: -x.score)


def test_context_adds_the_sentence_before_a_pronoun_and_numbers_in_document_order() -> None:
    article = {1: _sentence(0), 2: _sentence(2), 3: _sentence(3, text="He left.")}
    before = {3: article[2], 2: _sentence(1)}
    ranked = _scored([article[3], article[1]], [0.9, 0.5])
    context = build_context(ranked, 8, lambda s: before.get(s.position), lambda a: ("a.txt", "A"))
    texts = [c.text for c in context.citations]
    assert texts == ["Sentence 2.", "He left.", "Sentence 0."]  # best group first, touching sentences together
    assert [c.n for c in context.citations] == [1, 2, 3]
    assert context.by_sentence[article[3].id] == 2


def test_context_respects_the_limit_and_the_window() -> None:
    sentences = [_sentence(i) for i in range(0, 20, 2)]
    ranked = _scored(sentences, [1.0 - i / 100 for i in range(len(sentences))])
    assert len(build_context(ranked, 4, lambda s: None, lambda a: ("a.txt", "A")).citations) == 4
    small = build_context(ranked, 8, lambda s: None, lambda a: ("a.txt", "A"), fits=lambda cs: len(cs) <= 2)
    assert len(small.citations) == 2


def test_the_best_source_leads_and_the_other_closest_follow_renumbered() -> None:
    # the best sentence touches the one before it, so among three it is numbered [2]
    article = {1: _sentence(1), 2: _sentence(2), 5: _sentence(5)}
    ranked = _scored([article[2], article[1], article[5]], [0.9, 0.8, 0.7])
    closest = build_context(ranked, 3, lambda s: None, lambda a: ("a.txt", "A"))
    best = build_context(ranked, 1, lambda s: None, lambda a: ("a.txt", "A"))
    assert [c.text for c in closest.citations][:2] == ["Sentence 1.", "Sentence 2."]
    led = led_by(best, closest)
    assert [(c.n, c.text) for c in led.citations] == [(1, "Sentence 2."), (2, "Sentence 1."), (3, "Sentence 5.")]
    assert led.by_sentence == {article[2].id: 1, article[1].id: 2, article[5].id: 3}


def test_choose_cites_a_second_sentence_only_when_close() -> None:
    sentences = [_sentence(i) for i in range(3)]
    assert len(choose(_scored(sentences, [1.0, 0.5, 0.4]))) == 1
    assert len(choose(_scored(sentences, [1.0, 0.99, 0.4]))) == 2
    assert choose([]) == []


def test_extractive_answer_cites_each_sentence_with_its_number() -> None:
    sentences = [_sentence(i) for i in range(3)]
    ranked = _scored(sentences, [1.0, 0.99, 0.2])
    context = build_context(ranked, 8, lambda s: None, lambda a: ("a.txt", "A"))
    text, answer_sentences = extractive_answer(choose(ranked), context)
    assert text == "Sentence 0. [1] Sentence 1. [2]"
    assert [s.citations for s in answer_sentences] == [(1,), (2,)]
    assert all(s.verdict == "supported" for s in answer_sentences)
    assert np.isclose(answer_sentences[0].support, 1.0)


def test_a_how_many_question_prefers_the_number_of_what_it_counts() -> None:
    assert counted_thing("How many stops will the Eastside tram line have?") == "stop"
    assert counted_thing("How many of the players were injured?") == "player"
    assert counted_thing("How much is the grant?") is None
    assert counted_thing("Who won?") is None
    assert counts_it("The line will have 19 stops and is expected to open in 2029.", "stop")
    assert counts_it("The council approved six new stops.", "stop")
    assert not counts_it("The council voted 9-4 to approve the 8.8-mile tram line.", "stop")
    assert not counts_it("The tram stops at 19 stations.", "stop")
