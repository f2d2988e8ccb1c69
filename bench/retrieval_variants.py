"""Retrieval variants on the dev set: what is embedded, how the question is read, dense vs hybrid.

Prints hit@1 / hit@5 / MRR@10 (and abstention F1 at the app's threshold) for each step tried, in the
order tried, so the README table can be regenerated:  .venv/bin/python bench/retrieval_variants.py
The last row is the app's real search path (Searcher + evaluate), not a re-implementation.
"""
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import Settings, get_settings  # noqa: E402
from app.corpus import load_corpus  # noqa: E402
from app.embedder import get_embedder  # noqa: E402
from app.evaluate import (QuestionScore, abstention, evaluate, first_relevant_rank, load_questions,  # noqa: E402
                          ndcg_at, summarise)
from app.index import passage_text  # noqa: E402
from app.search import LEXICAL_WEIGHT, MIN_SCORE, LexicalIndex, Searcher, topic_of  # noqa: E402

RECIPES = {
    "text alone": lambda i: i.text,
    "title + theme + text": lambda i: "\n".join([i.title, i.theme_name, i.text]),
    "+ curated keywords and questions": passage_text,
}


def scores_to_report(questions, ids, score_matrix, top_cosine):
    rows = []
    for dq, scores, cos in zip(questions, score_matrix, top_cosine):
        retrieved = [ids[j] for j in np.argsort(-scores)][:10]
        rows.append(QuestionScore(q=dq.q, ids=dq.ids, theme=None, retrieved=retrieved, scores=[], ms=0.0, embed_ms=0.0,
                                  on_topic=bool(cos >= MIN_SCORE), rank=first_relevant_rank(retrieved, set(dq.ids)),
                                  ndcg=ndcg_at(retrieved, set(dq.ids))))
    return summarise([r for r in rows if r.ids]), abstention(rows)


def main():
    settings = get_settings()
    corpus = load_corpus(settings.corpus_dir)
    embedder = get_embedder(settings.model)
    questions = load_questions(settings.corpus_dir / "dev_questions.jsonl")
    ids = [i.id for i in corpus.insights]
    raw = embedder.encode([dq.q for dq in questions])
    topics = [topic_of(dq.q) for dq in questions]
    stripped = embedder.encode(topics)

    table = []
    for name, recipe in RECIPES.items():
        passages = embedder.encode([recipe(i) for i in corpus.insights])
        cos = raw @ passages.T
        table.append((f"{name}", *scores_to_report(questions, ids, cos, cos.max(1))))
    cos = stripped @ passages.T
    table.append(("+ question without his name and framing", *scores_to_report(questions, ids, cos, cos.max(1))))
    bm25 = np.array([LexicalIndex([passage_text(i) for i in corpus.insights]).scores(t) for t in topics])
    table.append(("BM25 alone (same texts)", *scores_to_report(questions, ids, bm25, cos.max(1))))
    rank_dense = np.argsort(np.argsort(-cos, 1), 1) + 1
    rank_bm25 = np.argsort(np.argsort(-bm25, 1), 1) + 1
    rrf = 1 / (60 + rank_dense) + 1 / (60 + rank_bm25)
    table.append(("hybrid, reciprocal rank fusion (k=60)", *scores_to_report(questions, ids, rrf, cos.max(1))))
    for w in (0.05, 0.1, 0.2, 0.3, 0.5):
        fused = cos + w * bm25 / np.maximum(bm25.max(1, keepdims=True), 1e-9)
        table.append((f"hybrid, cosine + {w} x BM25/max", *scores_to_report(questions, ids, fused, cos.max(1))))

    with tempfile.TemporaryDirectory() as tmp:
        searcher = Searcher.load(Settings(index_dir=Path(tmp), corpus_dir=settings.corpus_dir, model=settings.model))
        report = evaluate(searcher, questions)
    table.append((f"the app (hybrid, weight {LEXICAL_WEIGHT})", report.metrics, report.abstention))

    n_on = sum(1 for dq in questions if dq.ids)
    print(f"dev set: {n_on} on-topic, {len(questions) - n_on} off-topic questions; model {settings.model}; "
          f"abstention = best cosine < {MIN_SCORE}")
    print(f"| variant | hit@1 | hit@5 | MRR@10 | abstention F1 |\n|---|---|---|---|---|")
    for name, m, a in table:
        print(f"| {name} | {m['hit@1']:.3f} | {m['hit@5']:.3f} | {m['mrr@10']:.3f} | {a['f1']:.3f} |")


if __name__ == "__main__":
    main()
