"""Aspects answered before: how readers graded the cards for an aspect ("and for a startup?", "our volunteers are
elderly so it really has to work") asked of a topic, as a vote that narrows a new aspect's ranking.

The embedder reads a setting told as an aspect apart from the topic it narrows, and ten stops of ranking rules
over its relevances found no more in them (docs/conversations.md, stops 41-50): the card that answers "investors
want the full autonomy pitch tho" after an ai product question is ranked first by neither the topic nor the
aspect's words. The conversations' tune half holds 866 such aspects, each graded by the person who wrote it. A
new aspect, joined to its topic as one text, finds the K nearest of them; each votes for the cards it graded, by
its cosine and its grade, and WEIGHT times the vote (a share of 0 to 1) is added to each card's relevance and
score. The follow-up rules then read the ranking as before (app/answering/follow_up.py): whether the answer
stands, which card is next, the floors.

The precedents (precedents.npz, ~1 MB: the joined texts' vectors and their grades) are data, like the turn
reader's weights: they hold for the adapter they were embedded with (precedents.json names it), and another one
leaves them out. Embed them again after `make train` or new conversations with `make train-turns`. A tune-half
aspect as close as OVERLAP to a test-half turn is left out. Tune-half aspect numbers read with them are in-sample:
bench/precedents.py reads the tune half with each batch of conversations left out of its own vote.
"""

import functools
import io
import json
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from app.answering.turn_reader import OVERLAP, adapter_fingerprint, data_sha256
from app.retrieval.search import SearchResult
from app.storage import write_atomic

VECTORS = Path(__file__).resolve().parent / "precedents.npz"
MANIFEST = Path(__file__).resolve().parent / "precedents.json"
# How many precedents vote, and how much their vote weighs against the embedder's relevance. Read on the tune
# half with each batch of conversations left out of its own vote (bench/precedents.py, docs/conversations.md
# stop 51), aspects' first card on topic: 0.768 without a vote; K 10, WEIGHT 0.2: 0.809; K 20, WEIGHT 0.3 or 0.4:
# 0.819 (examples 0.792 or 0.788); K 30, WEIGHT 0.4: 0.804. "more" 0.847 -> 0.839-0.843 (what an aspect shows
# changes what comes after), switches 0.929 -> 0.940
K = 20
WEIGHT = 0.3


def joined(topic: str, aspect: str) -> str:
    """The topic and the aspect that narrows it, as one text: how a precedent is stored and a new aspect asked."""
    return f"{topic} — {aspect}"


class Precedents:
    """Graded aspects: their joined texts' unit vectors, and for each a grade (0-2) per card."""

    def __init__(self, vectors: np.ndarray, grades: np.ndarray, cards: list[int]):
        self.vectors, self.grades, self.cards = vectors, grades, cards

    def vote(self, asked: np.ndarray) -> dict[int, float]:
        """Each card's share of the K nearest precedents' grades (2 counts whole), weighed by their cosine."""
        near = self.vectors @ (asked / np.linalg.norm(asked))
        top = np.argsort(-near)[:K]
        weights = np.clip(near[top], 0.0, None)
        if not weights.sum():
            return {}
        shares = weights @ (self.grades[top] / 2) / weights.sum()
        return {card: float(share) for card, share in zip(self.cards, shares) if share}

    def narrow(self, ranked: SearchResult, asked: np.ndarray) -> SearchResult:
        """The aspect's ranking with the precedents' vote added to each card, best first again."""
        vote = self.vote(asked)
        hits = [
            h.model_copy(
                update={
                    "score": round(h.score + WEIGHT * vote.get(h.key, 0.0), 4),
                    "relevance": None if h.relevance is None else round(h.relevance + WEIGHT * vote.get(h.key, 0.0), 4),
                }
            )
            for h in ranked.hits
        ]
        hits.sort(key=lambda h: -h.score)
        return ranked.model_copy(update={"hits": [h.model_copy(update={"rank": n}) for n, h in enumerate(hits, 1)]})


@functools.cache
def _loaded(embedder_name: str) -> Precedents | None:
    """The saved precedents, or None when they were embedded by another model or adapter."""
    try:
        manifest = json.loads(MANIFEST.read_text())
        with np.load(VECTORS) as saved:
            vectors, grades, cards = saved["vectors"].astype(np.float32), saved["grades"], saved["cards"].tolist()
    except (OSError, ValueError, KeyError):
        return None
    if (manifest.get("embedder"), manifest.get("adapter_sha256")) != (embedder_name, adapter_fingerprint()):
        return None
    return Precedents(vectors, grades, cards)


def narrow(embedder, ranked: SearchResult, topic: str, aspect: str) -> SearchResult:
    """`ranked` (the topic narrowed by the aspect) with the vote of the aspects answered before; as it is when
    there are none for this embedder."""
    precedents = _loaded(embedder.name)
    if precedents is None:
        return ranked
    return precedents.narrow(ranked, embedder.encode([joined(topic, aspect)])[0])


def graded_aspects_of(turns: list[dict]) -> list[tuple[str, dict[int, int]]]:
    """A conversation's graded aspects, (joined text, its grades), each joined to the topic it narrows: the
    question that opened it (the last new question or switch before it)."""
    aspects, topic = [], turns[0]["q"]
    for turn in turns:
        if turn["kind"] in ("new", "switch"):
            topic = turn["q"]
        elif turn["kind"] == "aspect" and turn["grades"]:
            aspects.append((joined(topic, turn["q"]), {int(card): g for card, g in turn["grades"].items()}))
    return aspects


def _conversations(path: Path, half: str) -> list[dict]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [c for c in map(json.loads, lines) if c["half"] == half]


def graded_aspects(conversations: Path, half: str) -> list[tuple[str, dict[int, int]]]:
    """Every graded aspect of one half of the conversations."""
    return [a for c in _conversations(conversations, half) for a in graded_aspects_of(c["turns"])]


def reported_texts(conversations: Path) -> list[str]:
    """What the precedents must not be: every turn of the test half, whose numbers are reported, and each of its
    aspects joined to its topic."""
    turns = [t["q"] for c in _conversations(conversations, "test") for t in c["turns"]]
    return turns + [text for text, _ in graded_aspects(conversations, "test")]


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def fit(embedder, conversations: Path) -> dict:
    """Embed the tune half's graded aspects, less any as close as OVERLAP to a test-half turn or aspect, and write
    them and their manifest."""
    aspects = graded_aspects(conversations, "tune")
    vectors = _unit(embedder.encode([text for text, _ in aspects]))
    close = (vectors @ _unit(embedder.encode(reported_texts(conversations))).T).max(axis=1) >= OVERLAP
    kept = [a for a, dropped in zip(aspects, close) if not dropped]
    cards = sorted({card for _, grades in kept for card in grades})
    grades = np.array([[g.get(card, 0) for card in cards] for _, g in kept], dtype=np.uint8)
    saved = io.BytesIO()
    np.savez_compressed(saved, vectors=vectors[~close].astype(np.float16), grades=grades, cards=np.array(cards))
    write_atomic(VECTORS, saved.getvalue())
    manifest = {
        "embedder": embedder.name,
        "adapter_sha256": adapter_fingerprint(),
        "data_sha256": data_sha256(conversations),
        "precedents": len(kept),
        "left_out_as_test_turns": int(close.sum()),
        "fitted_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    write_atomic(MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode())
    _loaded.cache_clear()
    return manifest


def main() -> None:
    from app.config import Settings
    from app.load import load

    settings = Settings()
    searcher = load(settings)
    print(json.dumps(fit(searcher.embedder, settings.corpus_dir / "realistic" / "conversations.jsonl"), indent=2))


if __name__ == "__main__":
    main()
