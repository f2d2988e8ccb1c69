"""Fit ANSWER_FLOOR (app/answering/extractive.py): the relevance from which an answer's first card is
framed as "His answer" rather than "The closest he comes". Prints, on the realistic set's tune half, for each
floor: of the answers framed as his answer, the share whose first card answers the question directly
(grade 2), and the share of all direct first cards that get that framing.

    .venv/bin/python bench/answer_floor.py [tune|test]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import get_settings  # noqa: E402
from app.offline.evaluate import load_questions  # noqa: E402
from app.load import load  # noqa: E402


def main(half: str = "tune") -> None:
    searcher = load()
    questions = [q for q in load_questions(get_settings().corpus_dir / "realistic_questions.jsonl") if q.half == half]
    firsts = []  # (relevance of the first card, it answers the question directly)
    for q, result in zip(questions, searcher.search_many([q.q for q in questions])):
        if result.on_topic and result.hits:
            firsts.append((result.hits[0].relevance, q.grades.get(result.hits[0].key, 0) == 2))
    direct = sum(d for _, d in firsts)
    print(f"{half} half: {len(firsts)} answers on topic, {direct} with a direct first card\n")
    print(f"{'floor':>6} {'his answer':>11} {'direct among them':>18} {'direct framed so':>17}")
    for floor in [x / 100 for x in range(30, 62, 2)]:
        framed = [d for r, d in firsts if r >= floor]
        print(
            f"{floor:>6.2f} {len(framed):>11} {sum(framed) / max(len(framed), 1):>18.3f} "
            f"{sum(framed) / max(direct, 1):>17.3f}"
        )


if __name__ == "__main__":
    main(*sys.argv[1:])
