"""The aspects answered before (app/answering/precedents.py): how their vote narrows an aspect, that an aspect
they point elsewhere changes the answer as a user sees it, and that the committed ones are fresh and never saw
the test half."""

import json

import numpy as np
import pytest

import app.answering.precedents as precedents
from app.answering.conversation import conversation
from app.answering.turn_reader import adapter_fingerprint, data_sha256
from app.config import REPO_DIR
from app.retrieval.search import Hit, SearchResult

CONVERSATIONS = REPO_DIR / "corpus" / "realistic" / "conversations.jsonl"


def test_the_nearest_precedents_vote_by_cosine_and_grade(monkeypatch):
    vectors = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]])
    grades = np.array([[2, 0], [1, 2], [0, 2]], dtype=np.uint8)
    known = precedents.Precedents(vectors, grades, cards=[7, 9])
    monkeypatch.setattr(precedents, "K", 2)
    vote = known.vote(np.array([2.0, 0.0]))  # nearest: the first (1.0), then the second (0.8); never the third
    assert vote[7] == pytest.approx((1.0 * 1 + 0.8 * 0.5) / 1.8)
    assert vote[9] == pytest.approx(0.8 * 1 / 1.8)


def test_the_vote_lifts_a_card_over_the_one_the_words_rank_first(searcher):
    ranked = SearchResult(
        question="and for a startup?",
        on_topic=True,
        hits=[
            Hit(rank=1, record=searcher.corpus.get(11), score=0.40, relevance=0.38),
            Hit(rank=2, record=searcher.corpus.get(12), score=0.30, relevance=0.30),
        ],
    )
    known = precedents.Precedents(np.array([[1.0, 0.0]]), np.array([[0, 2]], dtype=np.uint8), cards=[11, 12])
    narrowed = known.narrow(ranked, np.array([1.0, 0.0]))
    assert [h.key for h in narrowed.hits] == [12, 11] and [h.rank for h in narrowed.hits] == [1, 2]
    assert narrowed.hits[0].relevance == round(0.30 + precedents.WEIGHT, 4)


def test_an_aspect_the_precedents_answer_elsewhere_changes_the_answer(searcher, monkeypatch):
    """Asked by a senior engineer, how to learn machine learning is still about learning: by its words alone the
    aspect went to what AI does to a developer's job (#47), off the topic; readers who asked such settings before
    were answered with the learning cards."""
    opener, aspect = (
        "what's the best way to learn machine learning",
        "and for someone who is already a senior software engineer?",
    )
    first, turn = conversation(searcher, [opener, aspect])
    learning = {h.key for h in first.result.hits}
    assert turn.kind == "aspect" and turn.result.hits[0].key in learning
    monkeypatch.setattr(precedents, "_loaded", lambda name: None)  # without them: the developer's role
    assert conversation(searcher, [opener, aspect])[1].result.hits[0].key not in learning


def test_precedents_of_another_models_vectors_are_left_out():
    class OtherModel:
        name = "all-MiniLM-L6-v2"

        def encode(self, texts):
            raise AssertionError("the precedents must not be asked with a model they were not embedded with")

    ranked = SearchResult(question="and for a startup?", on_topic=True, hits=[])
    assert precedents.narrow(OtherModel(), ranked, "what gives an ai company an edge", "and for a startup?") is ranked


def test_the_committed_precedents_fit_the_adapter_and_the_data():
    manifest = json.loads(precedents.MANIFEST.read_text())
    assert manifest["adapter_sha256"] == adapter_fingerprint(), (
        "the adapter changed since the precedents were embedded: run `make train-turns`"
    )
    assert manifest["data_sha256"] == data_sha256(CONVERSATIONS), (
        "the conversations changed since the precedents were embedded: run `make train-turns`"
    )
    with np.load(precedents.VECTORS) as saved:
        assert len(saved["vectors"]) == len(saved["grades"]) == manifest["precedents"]
    assert manifest["precedents"] + manifest["left_out_as_test_turns"] == len(
        precedents.graded_aspects(CONVERSATIONS, "tune")
    )
    assert precedents.VECTORS.stat().st_size < 3_000_000  # data, not a model


def test_no_precedent_is_a_test_turn(searcher):
    """Blind helpers wrote alike aspects into both halves: no precedent is within OVERLAP of a test-half turn or
    of a test-half aspect joined to its topic, by cosine (so the test half's aspects are read blind)."""
    with np.load(precedents.VECTORS) as saved:
        vectors = saved["vectors"].astype(np.float32)
    test = precedents.reported_texts(CONVERSATIONS)
    assert len(vectors) > 800 and len(test) > 1000
    b = searcher.embedder.encode(test)
    cosines = vectors @ (b / np.linalg.norm(b, axis=1, keepdims=True)).T
    # fitted on float32 vectors below OVERLAP, stored as float16 (a thousandth off at most)
    assert cosines.max() < precedents.OVERLAP + 0.002
    assert not any(text for text, _ in precedents.graded_aspects(CONVERSATIONS, "tune") if text in set(test))
