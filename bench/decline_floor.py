"""Fit MIN_RELEVANCE (app/retrieval/search.py) as its comment says: of the floors read, the one with the most
precise declines over the conversations' and the realistic questions' tune halves together whose recall is still
>= 0.85 on each (issue 22; pooled, the conversations' 670 unanswerable turns would swamp the 35 single questions).
Prints, for one floor, the declines on each set and both, and each turn kind's first card on topic, so a floor
does not buy precision with the follow-ups.

    PYTHONPATH=. .venv/bin/python bench/decline_floor.py 0.26
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.answering import follow_up  # noqa: E402
from app.config import get_settings  # noqa: E402
from app.load import load  # noqa: E402
from app.offline.evaluate import (  # noqa: E402
    conversation_summary,
    load_conversations,
    load_questions,
    score_conversations,
)
from app.retrieval import search  # noqa: E402


def main(floor: float) -> None:
    search.MIN_RELEVANCE = follow_up.MIN_RELEVANCE = floor  # follow_up imported the number by name
    searcher, corpus_dir = load(), get_settings().corpus_dir
    conversations = [
        c for c in load_conversations(corpus_dir / "realistic" / "conversations.jsonl") if c.half == "tune"
    ]
    scores = score_conversations(searcher, conversations)
    questions = [q for q in load_questions(corpus_dir / "realistic_questions.jsonl") if q.half == "tune"]
    results = searcher.search_many([q.q for q in questions])
    turns = [(s.declined, not s.grades) for s in scores]
    singles = [(not r.on_topic, not q.grades) for q, r in zip(questions, results)]
    for name, rows in (("conversations", turns), ("questions", singles), ("both", turns + singles)):
        declined, unanswerable = sum(d for d, _ in rows), sum(u for _, u in rows)
        right = sum(d and u for d, u in rows)
        print(
            f"floor {floor} {name}: declined {declined}, unanswerable {unanswerable}, "
            f"precision {right / max(declined, 1):.3f}, recall {right / max(unanswerable, 1):.3f}"
        )
    on_topic = {k: v["first_on_topic"] for k, v in conversation_summary(scores).items() if v.get("first_on_topic")}
    print("first card on topic:", {k: round(v, 3) for k, v in on_topic.items()})


if __name__ == "__main__":
    main(float(sys.argv[1]))
