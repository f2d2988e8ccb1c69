"""The learned reading of a follow-up (app/answering/turn_reader.py): what it rescues, what it leaves declined,
and that its committed weights are fresh and never saw the test half."""

import json

import numpy as np
import pytest

import app.answering.turn_reader as turn_reader
from app.answering.conversation import conversation
from app.config import REPO_DIR

CORPUS = REPO_DIR / "corpus"


@pytest.mark.parametrize(
    "opener, follow_up, kind",
    [
        # the answer in another setting, in words no rule knows: no "what about", no "that", no "for …?" cue
        ("how do i learn deep learning properly", "i only have evenings after work though", "aspect"),
        (
            "should we build a fully autonomous support agent",
            "even for simple refund requests from customers?",
            "aspect",
        ),
    ],
)
def test_a_follow_up_no_rule_knows_is_read_by_the_reader_not_declined(searcher, monkeypatch, opener, follow_up, kind):
    first, turn = conversation(searcher, [opener, follow_up])
    assert turn.kind == kind and turn.result.on_topic and not turn.declined
    assert turn.result.hits[0].key == first.result.hits[0].key  # about the answer just given
    monkeypatch.setattr(turn_reader, "follow_up_kind", lambda *args: None)  # the rules alone decline it
    assert not conversation(searcher, [opener, follow_up])[1].result.on_topic


@pytest.mark.parametrize(
    "opener, off_topic",
    [
        ("what gives an ai company an edge", "how do I fix a flat bike tire"),
        ("what gives an ai company an edge", "how do i bake sourdough bread"),
        ("should i look at my data before training", "what's a good laptop for college"),
        ("is vibe coding real programming", "how do i get rid of fruit flies in my kitchen"),
        ("how should a beginner debug training", "how do i fix my wifi dropping all the time"),
    ],
)
def test_an_everyday_question_after_an_answer_stays_declined(searcher, opener, off_topic):
    first, turn = conversation(searcher, [opener, off_topic])
    assert first.result.on_topic and not turn.result.on_topic, turn.kind


def test_the_committed_reader_fits_the_adapter_and_the_data():
    manifest = json.loads(turn_reader.MANIFEST.read_text())
    assert manifest["adapter_sha256"] == turn_reader.adapter_fingerprint(), (
        "the adapter changed since the turn reader was fitted: run `make train-turns`"
    )
    assert manifest["data_sha256"] == turn_reader.data_sha256(*turn_reader.training_files(CORPUS)), (
        "the conversations or the training negatives changed since the turn reader was fitted: run `make train-turns`"
    )
    assert turn_reader.WEIGHTS.stat().st_size < 100_000  # data, not a model


def test_the_reader_never_fitted_on_a_test_turn(searcher):
    """Blind helpers wrote the same follow-ups into both halves ("what does yann lecun think about that"): the
    reader's training turns hold none of the test half's with words of their own, by text or by cosine."""
    conversations, negatives = turn_reader.training_files(CORPUS)
    turns = turn_reader.training_turns(searcher.embedder, conversations, negatives)
    test = [
        t["q"]
        for line in conversations.read_text().splitlines()
        if json.loads(line)["half"] == "test"
        for t in json.loads(line)["turns"]
    ]
    own = [t[0] for t in turns if turn_reader.has_words_of_its_own(t[0])]
    test_own = [q for q in test if turn_reader.has_words_of_its_own(q)]
    assert len(own) > 300 and len(test_own) > 200
    assert not {q.lower() for q in own} & {q.lower() for q in test_own}
    a, b = (searcher.embedder.encode(x) for x in (own, test_own))
    cosines = (a / np.linalg.norm(a, axis=1, keepdims=True)) @ (b / np.linalg.norm(b, axis=1, keepdims=True)).T
    close = np.argwhere(cosines >= turn_reader.OVERLAP)
    assert not len(close), [(own[i], test_own[j]) for i, j in close[:5]]


def test_a_reader_fitted_on_another_models_vectors_is_left_out():
    class OtherModel:
        name = "all-MiniLM-L6-v2"

        def encode(self, texts):
            raise AssertionError("the reader must not embed with a model it was not fitted on")

    assert turn_reader.follow_up_kind(OtherModel(), "explain the reasoning a bit", "should we automate support") is None
