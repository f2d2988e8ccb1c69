"""Two learned readings of a turn, for what the word rules did not recognise: a follow-up ("why", "example" or
"aspect" asked in words of its own, right after an answer) that would otherwise be declined as a new question
on no topic; and a question that asks for no view of his at all (a fact, a product pick, someone else's
opinion) that the rules and the search would otherwise answer with the closest card.

The rules in turns.py know the phrasings they were written for; every new blind batch of conversations
brought phrasings they did not know (docs/conversations.md). This reader learned the kinds instead: a
logistic regression over the question's vector (the same embedder the search uses), how close it is to
the question before it, and its length, fitted on the turns of the conversations' tune half (never the
test half). It is asked only where a turn would be declined as new and on no topic, and counts only when it
finds a follow-up likelier than a new question, asked in words that share something with the question
before it. On a blind batch that neither it nor the rules had seen (c801-c840) it took abstention precision
from 0.65 to 0.94 (0.92 as finally fitted), and it changed no tune-half turn the rules read
(docs/conversations.md, stop 25).

The second reading is a logistic regression over the question's vector alone, fitted on the embedder's
training questions (what the 50 insights answer, and what they do not: corpus/training/) and the tune
half's turns (off-topic or not). Its patterns' counterparts in views.py know the phrasings they were
written for; each blind batch asked its facts differently ("what percentage of support tickets can gpt-4
resolve", "which is better for this, chatgpt or claude"). It is asked only in a conversation, of a
question that may ask a fact (views.could_ask_a_fact), and declines only when nearly sure (NO_VIEW_FLOOR;
what it declined and what it cost on blind batches: docs/conversations.md, stop 26).

The weights (turn_reader.npz, ~17 KB) are data, like the embedder's adapter: they hold for the adapter they
were fitted with (turn_reader.json names it), and a different one leaves the reader out. Fit them again
after `make train` or new conversations with `make train-turns` (python -m app.answering.turn_reader).
"""

import functools
import hashlib
import io
import json
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from app.answering.turns import EXAMPLE_WORDS, TurnKind, words_of
from app.retrieval.embedder import ADAPTER_DIR
from app.retrieval.question import NOT_A_TOPIC
from app.storage import write_atomic

WEIGHTS = Path(__file__).resolve().parent / "turn_reader.npz"
MANIFEST = Path(__file__).resolve().parent / "turn_reader.json"
# The regression's inverse regularisation: turn kinds read right, each tune batch left out of the fit in turn
# (before the negatives were added), 0.81 at 1, 0.85 at 4, 0.86 at 16
C = 4.0
# How much an off-topic training question weighs against a labelled turn. Fitted on half the negatives, the
# other half asked after an answer: at 1.0 0.5% read as follow-ups, at 0.3 3%, at 0.1 9%; on a blind batch of
# conversations (c801-c840, before it joined the tune half) 1.0 kept the rules' false declines that 0.3 and 0.1
# rescued (abstention precision 0.88, 0.92, 0.92)
NEGATIVE_WEIGHT = 0.3
# A follow-up shares something with the question before it: "why is the sky blue?" and "can you write me a poem"
# sit at cosine 0.00-0.04 with it, and the reader found them likelier a "why?" than new (few of the training
# negatives are whys). With this floor, held-out negatives asked after an answer read as follow-ups 1.1% of
# the time instead of 3.2%, and the blind batch c801-c840 kept every rescue (docs/conversations.md, stop 25)
RELATED_MIN = 0.05
# Two questions this close are the same question reworded (as in tests/retrieval/test_train.py)
OVERLAP = 0.95
# What a labelled turn teaches: an off-topic turn, a switch and a new question all read as "new"
_AS_NEW = {"offtopic", "switch", "bare-first"}
# How sure the second reading must be that a question asks for no view of his before it is declined. Each tune
# batch of conversations read through the app with the reading fitted without it: at 0.9 it declined four
# off-topic turns nothing else declined and no on-topic one; at 0.8 "and for someone with a full time job?" (0.84)
NO_VIEW_FLOOR = 0.9
# ... but a comparison of two things ("is cursor better than copilot", "yolov8 or detectron2 for this?") is declined
# when asking for no view is merely likelier than not: the tune half's follow-ups that compare and may ask a fact
# were off-topic at 0.66-0.996 and on-topic at 0.001 and 0.105 (in-sample; at 0.9 three off-topic ones stood)
COMPARISON_FLOOR = 0.5


def features(embedder, questions: list[str], previous: list[str]) -> np.ndarray:
    """What the reader sees of a follow-up: its vector, its cosine with the question before it, its length."""
    asked, before = _unit(embedder.encode(questions)), _unit(embedder.encode(previous))
    length = np.array([[min(len(q.split()), 30) / 30] for q in questions], dtype=np.float32)
    return np.hstack([asked, (asked * before).sum(1, keepdims=True), length])


def adapter_fingerprint() -> str:
    """The adapter the question vectors come from: its manifest names its training data, seed and time."""
    path = ADAPTER_DIR / "manifest.json"
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "no adapter"


def training_files(corpus_dir: Path) -> tuple[Path, Path, Path]:
    training = corpus_dir / "training"
    return corpus_dir / "realistic" / "conversations.jsonl", training / "negatives.jsonl", training / "positives.jsonl"


def data_sha256(*paths: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()


@functools.cache
def _weights(embedder_name: str) -> dict | None:
    """The fitted weights, or None when they were fitted on vectors of another model or adapter."""
    try:
        manifest = json.loads(MANIFEST.read_text())
        with np.load(WEIGHTS) as saved:
            fitted = {name: saved[name] for name in ("weights", "bias", "no_view_weights", "no_view_bias")}
            fitted["kinds"] = [str(k) for k in saved["kinds"]]
    except (OSError, ValueError, KeyError):
        return None
    fitted_on = (manifest.get("embedder"), manifest.get("adapter_sha256"))
    return fitted if fitted_on == (embedder_name, adapter_fingerprint()) else None


def follow_up_kind(embedder, question: str, previous: str) -> TurnKind | None:
    """The likeliest kind of follow-up `question` is, asked after `previous`, when a follow-up is likelier than a
    new question; None otherwise, or when the weights do not fit the embedder."""
    fitted = _weights(embedder.name)
    if fitted is None:
        return None
    seen = features(embedder, [question], [previous])[0]
    if seen[-2] < RELATED_MIN:  # its cosine with the question before it
        return None
    logits = seen @ fitted["weights"].T + fitted["bias"]
    p = dict(zip(fitted["kinds"], np.exp(logits - logits.max())))
    best = max((kind for kind in p if kind != "new"), key=p.get)
    return best if p["new"] < sum(p.values()) / 2 else None


def asks_no_view(embedder, question: str, floor: float = NO_VIEW_FLOOR) -> bool:
    """Whether `question` is, at least `floor` sure, one the corpus of his views cannot answer: a fact, a product
    pick, another person's opinion. False when the weights do not fit the embedder."""
    p = _no_view_probability(embedder, question)
    return p is not None and p >= floor


def asks_his_view(embedder, question: str) -> bool:
    """Whether `question` nearly surely asks for a view of his, as sure the other way as NO_VIEW_FLOOR: a long
    situation told in words of its own ("icu nurse here. our hospital is rolling out some ai thing …") whose
    best card is under the on-topic floor. False when the weights do not fit the embedder."""
    p = _no_view_probability(embedder, question)
    return p is not None and p <= 1 - NO_VIEW_FLOOR


def _no_view_probability(embedder, question: str) -> float | None:
    fitted = _weights(embedder.name)
    if fitted is None:
        return None
    logit = _unit(embedder.encode([question]))[0] @ fitted["no_view_weights"][0] + fitted["no_view_bias"][0]
    return float(1 / (1 + np.exp(-logit)))


def labelled_turns(conversations: Path, negatives: Path) -> tuple[list[tuple[str, str, str, float]], list[str]]:
    """What the follow-up reading is fitted on, and what it must never see. (question, the question before it,
    its kind, its weight in the fit): every turn after the first of the conversations' tune half, and each
    question of the embedder's training negatives (corpus/training/negatives.jsonl: facts, other people's
    views, cooking) asked as new after a tune conversation's first question. Without those, every everyday
    question ("how do I fix a flat bike tire") read likelier a follow-up than a new question: the
    conversations' new turns are mostly on his topics. And the turns of the test half, whose numbers are
    reported."""
    turns, openers, test = [], [], []
    for conversation in _lines(conversations):
        asked = [t["q"] for t in conversation["turns"]]
        if conversation["half"] != "tune":
            test += asked
            continue
        openers.append(asked[0])
        for before, turn in zip(asked, conversation["turns"][1:]):
            turns.append((turn["q"], before, "new" if turn["kind"] in _AS_NEW else turn["kind"], 1.0))
    off_topic = [q["q"] for q in _lines(negatives)]
    return turns + [(q, openers[n % len(openers)], "new", NEGATIVE_WEIGHT) for n, q in enumerate(off_topic)], test


def labelled_views(conversations: Path, negatives: Path, positives: Path) -> list[tuple[str, bool]]:
    """What the no-view reading is fitted on: (question, whether it asks for no view of his). Every tune-half
    turn in words of its own (an off-topic turn asks for none), the questions the 50 insights answer and those
    they do not (the embedder's training data, written blind to every evaluation set)."""
    turns = [
        (t["q"], t["kind"] == "offtopic")
        for conversation in _lines(conversations)
        if conversation["half"] == "tune"
        for t in conversation["turns"]
        if t["kind"] != "bare-first" and has_words_of_its_own(t["q"])
    ]
    return turns + [(q["q"], False) for q in _lines(positives)] + [(q["q"], True) for q in _lines(negatives)]


def _lines(path: Path) -> list[dict]:
    """A JSON Lines file: conversations, or training questions, each with its "q"."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def has_words_of_its_own(question: str) -> bool:
    """Not only the words any follow-up has ("why?", "tell me more", "example pls"): those are asked in both
    halves alike, and learning them is the point."""
    return bool(set(words_of(question)) - NOT_A_TOPIC - EXAMPLE_WORDS)


def training_sets(embedder, conversations: Path, negatives: Path, positives: Path) -> tuple[list, list, set]:
    """Both readings' labelled questions, less any with words of its own that is the same question as a
    test-half turn (cosine >= OVERLAP: blind helpers wrote "what does yann lecun think about that" in both
    halves); and those left out."""
    labelled, test = labelled_turns(conversations, negatives)
    views = labelled_views(conversations, negatives, positives)
    own = sorted({q for q in [t[0] for t in labelled] + [q for q, _ in views] if has_words_of_its_own(q)})
    test = [q for q in test if has_words_of_its_own(q)]
    close = (_unit(embedder.encode(own)) @ _unit(embedder.encode(test)).T).max(axis=1)
    dropped = {own[n] for n in np.flatnonzero(close >= OVERLAP)}
    return [t for t in labelled if t[0] not in dropped], [v for v in views if v[0] not in dropped], dropped


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def fit(embedder, conversations: Path, negatives: Path, positives: Path) -> dict:
    """Fit both readings on training_sets and write their weights and manifest."""
    from sklearn.linear_model import LogisticRegression  # fitting only; reading is numpy

    # the query embedder remembers what it embedded (Settings.remembered_questions): the guard against test
    # turns and each reading ask for the same questions again, and a tune opener comes with every negative
    turns, views, dropped = training_sets(embedder, conversations, negatives, positives)
    x = features(embedder, [t[0] for t in turns], [t[1] for t in turns])
    model = LogisticRegression(C=C, max_iter=3000).fit(x, [t[2] for t in turns], sample_weight=[t[3] for t in turns])
    # two thousand questions his insights answer against six hundred they do not: weighed as equals
    no_view = LogisticRegression(C=C, max_iter=3000, class_weight="balanced")
    no_view.fit(_unit(embedder.encode([q for q, _ in views])), [asks_none for _, asks_none in views])
    saved = {
        "weights": model.coef_,
        "bias": model.intercept_,
        "no_view_weights": no_view.coef_,
        "no_view_bias": no_view.intercept_,
    }
    weights = io.BytesIO()
    np.savez(weights, kinds=np.array(model.classes_), **{name: a.astype(np.float32) for name, a in saved.items()})
    write_atomic(WEIGHTS, weights.getvalue())
    manifest = {
        "embedder": embedder.name,
        "adapter_sha256": adapter_fingerprint(),
        "data_sha256": data_sha256(conversations, negatives, positives),
        "turns": {kind: sum(t[2] == kind for t in turns) for kind in model.classes_},
        "views": {"asks none": sum(a for _, a in views), "asks his": sum(not a for _, a in views)},
        "left_out_as_test_turns": len(dropped),
        "negative_weight": NEGATIVE_WEIGHT,
        "C": C,
        "fitted_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    write_atomic(MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode())
    _weights.cache_clear()
    return manifest


def main() -> None:
    from app.config import Settings
    from app.load import load

    settings = Settings()
    searcher = load(settings)
    manifest = fit(searcher.embedder, *training_files(settings.corpus_dir))
    print(json.dumps(manifest, indent=2))


if __name__ == "__main__":
    main()
