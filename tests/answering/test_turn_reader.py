"""The learned readings of a turn (app/answering/turn_reader.py): the follow-ups it rescues, the facts it declines,
what it leaves alone, and that its committed weights are fresh and never saw the test half."""

import json

import numpy as np
import pytest

import app.answering.turn_reader as turn_reader
from app.answering.conversation import NOT_A_VIEW, conversation
from app.config import REPO_DIR

CORPUS = REPO_DIR / "corpus"


@pytest.mark.parametrize(
    "opener, follow_up, kind",
    [
        # the answer in another setting, in words no rule knows: no "what about", no "that", no "for …?" cue
        # ("i only have evenings after work though" is a constraint told, which turns.py now reads itself)
        ("how do i learn deep learning properly", "evenings after work only, two kids at home", "aspect"),
        (  # ("even for simple refund requests …": "even for" is an aspect's cue in turns.py since stop 36)
            "should we build a fully autonomous support agent",
            "only for simple refund requests from customers?",
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
        "the conversations or the training questions changed since the turn reader was fitted: run `make train-turns`"
    )
    assert turn_reader.WEIGHTS.stat().st_size < 100_000  # data, not a model


def test_the_reader_never_fitted_on_a_test_turn(searcher):
    """Blind helpers wrote the same follow-ups into both halves ("what does yann lecun think about that"): the
    readings' training questions hold none of the test half's turns with words of their own, by text or by
    cosine."""
    conversations = turn_reader.training_files(CORPUS)[0]
    turns, views, _ = turn_reader.training_sets(searcher.embedder, *turn_reader.training_files(CORPUS))
    test = [
        t["q"]
        for line in conversations.read_text().splitlines()
        if json.loads(line)["half"] == "test"
        for t in json.loads(line)["turns"]
    ]
    own = [q for q in {t[0] for t in turns} | {q for q, _ in views} if turn_reader.has_words_of_its_own(q)]
    test_own = [q for q in test if turn_reader.has_words_of_its_own(q)]
    assert len(own) > 300 and len(test_own) > 200
    assert not {q.lower() for q in own} & {q.lower() for q in test_own}
    a, b = (searcher.embedder.encode(x) for x in (own, test_own))  # remembered from training_sets
    cosines = (a / np.linalg.norm(a, axis=1, keepdims=True)) @ (b / np.linalg.norm(b, axis=1, keepdims=True)).T
    close = np.argwhere(cosines >= turn_reader.OVERLAP)
    assert not len(close), [(own[i], test_own[j]) for i, j in close[:5]]


def test_a_reader_fitted_on_another_models_vectors_is_left_out():
    class OtherModel:
        name = "all-MiniLM-L6-v2"

        def encode(self, texts):
            raise AssertionError("the reader must not embed with a model it was not fitted on")

    assert turn_reader.follow_up_kind(OtherModel(), "explain the reasoning a bit", "should we automate support") is None
    assert not turn_reader.asks_no_view(OtherModel(), "which cloud has the cheapest gpus right now?")


DEBUGGING = "how should i debug a neural net that trains but performs badly"


@pytest.mark.parametrize(
    "fact",
    [
        # facts in the middle of a conversation no pattern of views.py knows: the search would answer them with
        # the card the topic made likely
        "which gpu has more memory, a 4090 or an a6000?",
        "what version of python does pytorch need",
        "which cloud provider is cheapest for gpus right now?",  # ("which cloud has the cheapest …": a pattern now)
    ],
)
def test_a_fact_no_pattern_knows_is_declined_by_the_reader(searcher, monkeypatch, fact):
    turn = conversation(searcher, [DEBUGGING, fact])[1]
    assert turn.declined == NOT_A_VIEW and not turn.result.on_topic
    monkeypatch.setattr(turn_reader, "asks_no_view", lambda *args: False)
    assert not conversation(searcher, [DEBUGGING, fact])[1].declined  # the patterns alone let it through


@pytest.mark.parametrize("fact", ["what chip is in the iphone 15", "which gpu has more memory, a 4090 or an a6000?"])
def test_a_first_question_off_every_topic_that_asks_a_fact_is_declined_as_one(searcher, monkeypatch, fact):
    """Declined either way; the lead says why: no view of his is missing, the corpus holds none of these facts."""
    turn = conversation(searcher, [fact])[0]
    assert turn.declined == NOT_A_VIEW and not turn.result.on_topic
    monkeypatch.setattr(turn_reader, "asks_no_view", lambda *args: False)
    turn = conversation(searcher, [fact])[0]
    assert turn.declined is None and not turn.result.on_topic  # "nothing in the corpus is on that topic"


def test_a_first_question_off_every_topic_that_asks_no_fact_is_not_called_one(searcher):
    for question in ["best pizza in naples", "how do i bake sourdough bread"]:
        turn = conversation(searcher, [question])[0]
        assert turn.declined is None and not turn.result.on_topic, question


VIBE = "is vibe coding legit?"


# ("cursor or replit for that?" is nearly sure since the reader learnt from c3301-c3330's "vercel or netlify for hosting
# it", and "is cursor better than copilot" since it learnt from c4201-c4230's picks)
@pytest.mark.parametrize("pick", ["is copilot better than cursor", "claude code or aider for that?"])
def test_two_products_compared_are_declined_when_no_view_is_likelier_than_not(searcher, monkeypatch, pick):
    """A product pick in the middle of a conversation (a blind batch, c2214: "is cursor better than copilot"
    after vibe coding was read as an aspect and the vibe coding card stood as his answer)."""
    turn = conversation(searcher, [VIBE, pick])[1]
    assert turn.declined == NOT_A_VIEW and not turn.result.on_topic
    monkeypatch.setattr(turn_reader, "COMPARISON_FLOOR", turn_reader.NO_VIEW_FLOOR)
    assert not conversation(searcher, [VIBE, pick])[1].declined  # nearly sure is too sure for these


def test_two_ideas_he_compares_are_not_declined(searcher):
    """Comparisons he answers ("labeled data better than rules", "building better than watching") stay his."""
    for opener, follow_up in [
        (VIBE, "is labeled data better than rules?"),
        ("how should i learn ml", "is building stuff better than watching videos?"),
    ]:
        turn = conversation(searcher, [opener, follow_up])[1]
        assert not turn.declined and turn.result.on_topic, follow_up


@pytest.mark.parametrize(
    "opener, follow_up",
    [
        # the asker's situation, advice in their own words, his view: never a fact, whatever the reader thinks
        ("how do i learn deep learning", "i only have an old laptop, no gpu at all"),
        (
            "should we kill our own product before a competitor does",
            "how do we do it without tanking this year's numbers",
        ),
        ("what would karpathy say about vibe coding", "what did he say about working with elon"),
        ("what gives an ai startup a moat", "and for someone with a full time job?"),
    ],
)
def test_the_reader_declines_no_situation_advice_or_view_of_his(searcher, opener, follow_up):
    turn = conversation(searcher, [opener, follow_up])[1]
    assert not turn.declined and turn.result.on_topic, turn.kind


def test_a_long_follow_up_of_a_declined_fact_is_its_own_question(searcher):
    """ "and once i have it, …" after a fact the corpus holds nothing on brings a topic of its own: it is asked as a
    new question, not declined with the fact."""
    fact, turn = conversation(
        searcher,
        [
            "what's the best gpu for a home deep learning rig?",
            "and once i have it, how should i go about learning to build a transformer from scratch",
        ],
    )
    assert fact.declined and turn.kind == "new" and not turn.declined and turn.result.on_topic
    assert conversation(searcher, ["what's the best gpu for a home deep learning rig?", "and for a laptop?"])[
        1
    ].declined
