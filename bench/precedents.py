"""Read the aspects answered before (K and WEIGHT in app/answering/precedents.py) on the tune half of the realistic
conversations, each batch of conversations (one helper session's: c201-c250, c301-c340, ...) left out of its own
vote, as a batch nothing has seen would be; print every kind's numbers for each pair, and without a vote.

    .venv/bin/python bench/precedents.py                 # the grid (~10 minutes a row on 2 cores)
    .venv/bin/python bench/precedents.py 20 0.4          # one pair
"""

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

import app.answering.precedents as precedents  # noqa: E402
from app.config import get_settings  # noqa: E402
from app.load import load  # noqa: E402
from app.offline.evaluate import (  # noqa: E402
    conversation_summary,
    format_conversations,
    load_conversations,
    score_conversations,
)

GRID = [(0, 0.0), (10, 0.2), (20, 0.4), (20, 0.3), (30, 0.4)]


def batch(conversation_id: str) -> int:
    """The helper session that wrote a conversation: its hundred from c201 on; the first 90 are one batch."""
    number = int(re.sub(r"\D", "", conversation_id))
    return number // 100 if number >= 200 else 0


def main(grid: list[tuple[int, float]]) -> None:
    searcher = load()
    path = get_settings().corpus_dir / "realistic" / "conversations.jsonl"
    tune = [c for c in load_conversations(path) if c.half == "tune"]
    # the graded aspects of each conversation, in the order graded_aspects reads them
    texts, grades, batches = [], [], []
    for c in tune:
        for text, graded in precedents.graded_aspects_of(c.turns):
            texts.append(text)
            grades.append(graded)
            batches.append(batch(c.id))
    vectors = searcher.embedder.encode(texts)
    vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    cards = sorted({card for g in grades for card in g})
    graded = np.array([[g.get(card, 0) for card in cards] for g in grades], dtype=np.uint8)
    batches = np.array(batches)
    print(f"tune half: {len(tune)} conversations, {len(texts)} graded aspects\n")
    for k, weight in grid:
        precedents.K, precedents.WEIGHT = k, weight
        scores = []
        for c in tune:
            others = batches != batch(c.id)
            left_out = precedents.Precedents(vectors[others], graded[others], cards)
            precedents._loaded = lambda name, left_out=left_out: left_out if k else None
            scores += score_conversations(searcher, [c])
        print(f"K {k}, WEIGHT {weight}" if k else "no vote")
        print(format_conversations(conversation_summary(scores)), "\n", flush=True)


if __name__ == "__main__":
    main([(int(sys.argv[1]), float(sys.argv[2]))] if len(sys.argv) == 3 else GRID)
