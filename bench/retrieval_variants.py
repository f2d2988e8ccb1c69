"""Retrieval variants: what is embedded, how the question is read, dense vs hybrid, field evidence.

Prints hit@1 / hit@5 / MRR@10 and abstention F1 for each step tried, in the order tried, on the dev set
(corpus/dev_questions.jsonl, which the choices were made on) and on the held-out set
(corpus/heldout_questions.jsonl, written separately and never tuned on), so the README table can be
regenerated:  .venv/bin/python bench/retrieval_variants.py
Abstention is "best cosine < 0.27" (the rule before field evidence) for the rows before field evidence,
and the app's rule (best relevance < MIN_RELEVANCE) after. The last row is the app's real search path
(Searcher + evaluate), not a re-implementation.
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
from app.question import topic_of  # noqa: E402
from app.search import LEXICAL_WEIGHT, MIN_RELEVANCE, LexicalIndex, Searcher, passage_text, record_fields  # noqa: E402

COSINE_FLOOR = 0.27  # the abstention rule calibrated before field evidence, for the rows that predate it
RECIPES = {
    "text alone": lambda i: i.text,
    "title + theme + text": lambda i: "\n".join([i.title, i.theme_name, i.text]),
    "+ curated keywords and questions": passage_text,
}


def scores_to_report(questions, ids, score_matrix, top_relevance, floor):
    rows = []
    for dq, scores, best in zip(questions, score_matrix, top_relevance):
        retrieved = [ids[j] for j in np.argsort(-scores)][:10]
        rows.append(QuestionScore(q=dq.q, ids=dq.ids, theme=None, retrieved=retrieved, scores=[], ms=0.0,
                                  embed_ms=0.0, on_topic=bool(best >= floor),
                                  rank=first_relevant_rank(retrieved, set(dq.ids)), ndcg=ndcg_at(retrieved, set(dq.ids))))
    return summarise([r for r in rows if r.ids]), abstention(rows)


def best_field_matrix(question_vectors, corpus, embedder) -> np.ndarray:
    """(questions, insights): the best cosine between each question and any curated field of each insight."""
    fields = [record_fields(i) for i in corpus.insights]
    vectors = embedder.encode([f for record in fields for f in record])
    starts = np.cumsum([0] + [len(record) for record in fields[:-1]])
    return np.maximum.reduceat(question_vectors @ vectors.T, starts, axis=1)


def variants(questions, corpus, embedder, lexical) -> list[tuple[str, dict, dict]]:
    ids = [i.id for i in corpus.insights]
    raw = embedder.encode([dq.q for dq in questions])
    topics = [topic_of(dq.q) for dq in questions]
    stripped = embedder.encode(topics)

    table = []
    for name, recipe in RECIPES.items():
        passages = embedder.encode([recipe(i) for i in corpus.insights])
        cos = raw @ passages.T
        table.append((name, *scores_to_report(questions, ids, cos, cos.max(1), COSINE_FLOOR)))
    cos = stripped @ passages.T
    table.append(("+ question without his name and framing",
                  *scores_to_report(questions, ids, cos, cos.max(1), COSINE_FLOOR)))
    bm25 = np.array([lexical.scores(t) for t in topics])
    bm25_scaled = bm25 / np.maximum(bm25.max(1, keepdims=True), 1e-9)
    table.append(("BM25 alone (same texts)", *scores_to_report(questions, ids, bm25, cos.max(1), COSINE_FLOOR)))
    rank_dense = np.argsort(np.argsort(-cos, 1), 1) + 1
    rank_bm25 = np.argsort(np.argsort(-bm25, 1), 1) + 1
    rrf = 1 / (60 + rank_dense) + 1 / (60 + rank_bm25)
    table.append(("hybrid, reciprocal rank fusion (k=60)", *scores_to_report(questions, ids, rrf, cos.max(1), COSINE_FLOOR)))
    for w in (0.05, 0.2, 0.5):
        table.append((f"hybrid, cosine + {w} x BM25/max",
                      *scores_to_report(questions, ids, cos + w * bm25_scaled, cos.max(1), COSINE_FLOOR)))
    fields = best_field_matrix(stripped, corpus, embedder)
    table.append(("best curated field alone (dense)", *scores_to_report(questions, ids, fields, fields.max(1), MIN_RELEVANCE)))
    relevance = (cos + fields) / 2
    table.append(("relevance = (blend + best field) / 2 (dense)",
                  *scores_to_report(questions, ids, relevance, relevance.max(1), MIN_RELEVANCE)))
    for w in (0.1, 0.2, 0.3):
        table.append((f"relevance + {w} x BM25/max",
                      *scores_to_report(questions, ids, relevance + w * bm25_scaled, relevance.max(1), MIN_RELEVANCE)))
    return table


def main():
    settings = get_settings()
    corpus = load_corpus(settings.corpus_dir)
    embedder = get_embedder(settings.model)
    lexical = LexicalIndex([passage_text(i) for i in corpus.insights])
    with tempfile.TemporaryDirectory() as tmp:
        searcher = Searcher.load(Settings(index_dir=Path(tmp), data_dir=Path(tmp) / "data",
                                          corpus_dir=settings.corpus_dir, model=settings.model))
        for name in ("dev_questions.jsonl", "heldout_questions.jsonl"):
            questions = load_questions(settings.corpus_dir / name)
            table = variants(questions, corpus, embedder, lexical)
            report = evaluate(searcher, questions)
            table.append((f"**the app** (relevance + {LEXICAL_WEIGHT} x BM25/max, abstain below {MIN_RELEVANCE})",
                          report.metrics, report.abstention))
            n_on = sum(1 for dq in questions if dq.ids)
            print(f"\n{name}: {n_on} on-topic, {len(questions) - n_on} off-topic questions; model {settings.model}")
            print("| variant | hit@1 | hit@5 | MRR@10 | abstention F1 |\n|---|---|---|---|---|")
            for variant, m, a in table:
                print(f"| {variant} | {m['hit@1']:.3f} | {m['hit@5']:.3f} | {m['mrr@10']:.3f} | {a['f1']:.3f} |")


if __name__ == "__main__":
    main()
