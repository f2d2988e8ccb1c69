"""Fit the follow-up cut (FOLLOW_FLOOR and RELATED_FLOOR in app/answering/follow_up.py) on the tune half
of the realistic conversations, and print the grid: for "more", "example" and "aspect" turns, how often the
first card bears on the topic, how often a card of the turn before is repeated, and the cards shown.

    .venv/bin/python bench/follow_up_cut.py            # the tune half (what the constants are fitted on)
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import app.answering.follow_up as follow_up  # noqa: E402
from app.config import get_settings  # noqa: E402
from app.offline.evaluate import load_conversations, score_conversations  # noqa: E402
from app.load import load  # noqa: E402

FOLLOW_UPS = ("more", "example", "aspect")


def main(half: str = "tune") -> None:
    searcher = load()
    path = get_settings().corpus_dir / "realistic" / "conversations.jsonl"
    chosen = [c for c in load_conversations(path) if c.half == half]
    print(f"{half} half: {len(chosen)} conversations\n")
    print(f"{'floor':>6} {'related':>8} {'first on topic':>15} {'repeats':>8} {'cards':>6}")
    rows = []
    for floor in (0.28, 0.30, 0.32, 0.34, 0.36, 0.40):
        for related in (0.0, 0.05, 0.10, 0.15, 0.20, 0.25, 0.30):
            follow_up.FOLLOW_FLOOR, follow_up.RELATED_FLOOR = floor, related
            turns = [s for s in score_conversations(searcher, chosen) if s.kind in FOLLOW_UPS and s.grades]
            on_topic = sum(s.first_on_topic for s in turns) / len(turns)
            repeats = sum(s.repeats for s in turns) / len(turns)
            cards = sum(len(s.shown) for s in turns) / len(turns)
            rows.append((round(on_topic - repeats, 4), -cards, floor, related))
            print(f"{floor:>6.2f} {related:>8.2f} {on_topic:>15.3f} {repeats:>8.3f} {cards:>6.2f}", flush=True)
    best = max(rows)
    print(f"\nbest (first on topic - repeats, then fewer cards): floor {best[2]:.2f}, related floor {best[3]:.2f}")


if __name__ == "__main__":
    main(*sys.argv[1:])
