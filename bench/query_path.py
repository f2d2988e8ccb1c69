"""Warm query path, in process: where the milliseconds of one question go.

Every dev question (243, repeated to at least 200 timed) is run three ways, interleaved so that other
processes on the machine slow all three alike: embedding the question alone (the floor, with the
query embedder app.load.load gives: the ONNX export unless it failed its check), the whole
Searcher.search, and the whole extractive answer.ask. A second table splits search and ask into their
steps. Goals (issue 7): ask p50 <= 1.3x the embedding p50, search <= 1.5x. Every question is embedded:
the question vectors the app remembers (Settings.remembered_questions) are off, except in the last table,
a conversation's last turn replayed from its first question as the page does, with them and without.

    .venv/bin/python bench/query_path.py
"""

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.answering.conversation import answer_in_conversation, ask
from app.answering.extractive import compose  # noqa: E402
from app.config import REPO_DIR, get_settings  # noqa: E402
from app.offline.evaluate import load_conversations, load_questions  # noqa: E402
from app.retrieval.question import clean_question, topic_of  # noqa: E402
from app.retrieval.search import CANDIDATES  # noqa: E402
from app.load import load  # noqa: E402
from bench.machine import header  # noqa: E402

MIN_TIMED = 200
WARM_UP = 20


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def row(name: str, seconds: list[float], floor: float | None = None) -> str:
    p50, p95 = np.percentile(seconds, 50), np.percentile(seconds, 95)
    ratio = f"{p50 / floor:.2f}x" if floor else ""
    return f"| {name} | {p50 * 1000:.2f} | {p95 * 1000:.2f} | {ratio} |"


def main():
    settings = get_settings()
    searcher = load(settings.model_copy(update={"remembered_questions": 0}))
    questions = [q.q for q in load_questions(REPO_DIR / "corpus" / "dev_questions.jsonl")]
    questions = questions * -(-MIN_TIMED // len(questions))
    topics = [topic_of(clean_question(q, searcher.settings.max_question_chars)) for q in questions]
    for question in questions[:WARM_UP]:
        ask(searcher, question)

    embed, search, answer = [], [], []
    for question, topic in zip(questions, topics):
        embed.append(timed(searcher.embedder.encode, [topic]))
        search.append(timed(searcher.search, question))
        answer.append(timed(ask, searcher, question))

    # the steps, each timed on its own
    steps = {
        name: []
        for name in (
            "clean + topic_of",
            "FAISS search",
            "best curated field per insight",
            "BM25 scores (all rows)",
            "rerank (BM25 scores + fusion)",
            "compose (answer text, citations)",
        )
    }
    limit = searcher.settings.max_question_chars
    for question, topic in zip(questions, topics):
        steps["clean + topic_of"].append(timed(lambda q=question: topic_of(clean_question(q, limit))))
        vector = searcher.embedder.encode([topic])
        steps["FAISS search"].append(timed(searcher.index.search, vector, CANDIDATES))
        steps["best curated field per insight"].append(timed(searcher.index.best_field_scores, vector))
        if searcher.lexical:
            steps["BM25 scores (all rows)"].append(timed(searcher.lexical.scores, topic))
        scores, rows = searcher.index.search(vector, CANDIDATES)
        owners = searcher.index.field_owners.tolist()
        best_field = dict(zip(owners, searcher.index.best_field_scores(vector)[0].tolist()))
        told = dict(zip(owners, searcher.index.best_field_scores(vector, only=searcher.situation_fields)[0].tolist()))
        steps["rerank (BM25 scores + fusion)"].append(
            timed(searcher._fuse, topic, scores[0], rows[0], best_field, told, None)
        )
        result = searcher.search(question)
        steps["compose (answer text, citations)"].append(timed(compose, result, searcher.corpus))

    floor = float(np.percentile(embed, 50))
    print(header("Warm query path (in process)"))
    print(
        f"{len(questions)} questions (the dev set, repeated), {len(searcher.index.ids)} rows in the index "
        f"({searcher.index.manifest.index_type}), model {searcher.embedder.name} "
        f"({type(searcher.embedder).__name__}); ms.\n"
    )
    print("| step | p50 ms | p95 ms | p50 vs embedding |")
    print("|---|---|---|---|")
    print(row("embed the question (floor)", embed, floor))
    print(row("whole search (goal <= 1.5x)", search, floor))
    print(row("whole extractive ask (goal <= 1.3x)", answer, floor))
    print("\n| inside search and ask | p50 ms | p95 ms | |")
    print("|---|---|---|---|")
    for name, seconds in steps.items():
        if seconds:
            print(row(name, seconds))

    # the last turn of conversations of four turns or more, as the page asks it: the turns before first
    conversations = load_conversations(REPO_DIR / "corpus" / "realistic" / "conversations.jsonl")
    replays = {"every question embedded again": [], "earlier questions remembered": []}
    for c in [c for c in conversations if len(c.turns) >= 4][: MIN_TIMED // 2]:
        asked = [t["q"] for t in c.turns]
        searcher.embedder.remember = 0
        replays["every question embedded again"].append(timed(answer_in_conversation, searcher, asked[-1], asked[:-1]))
        searcher.embedder.remember = settings.remembered_questions
        for n in range(1, len(asked)):
            answer_in_conversation(searcher, asked[n - 1], asked[: n - 1])
        replays["earlier questions remembered"].append(timed(answer_in_conversation, searcher, asked[-1], asked[:-1]))
    print(
        f"\n| last turn of {len(replays['every question embedded again'])} conversations (4+ turns) | p50 ms | p95 ms | |"
    )
    print("|---|---|---|---|")
    for name, seconds in replays.items():
        print(row(name, seconds))


if __name__ == "__main__":
    main()
