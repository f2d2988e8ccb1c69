"""Ranking rules side by side: the former rule, the rules tried, and the app's, on every question set.

For each set (the realistic set's tune half, which the constants were fitted on; its test half, never
tuned on; the older dev and held-out sets) prints hit@1, first card grade 2, graded nDCG@5, what is shown
at k=3 (precision, recall of grade-2 insights, share of the uncut top 3's grade-2 cards kept, cards per
question) and abstention F1. Every rule is computed from the same three signals per (question, insight):
the cosine with the embedded blend, the best curated field's cosine, BM25 scaled by the question's best.
The last row is the app's real search path (Searcher + app.offline.evaluate), not a re-implementation. Each
rule's abstention floor is the one that gave it the best F1 on the tune half.

    PYTHONPATH=. .venv/bin/python bench/retrieval_variants.py
"""

import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.retrieval import search  # noqa: E402
from app.config import Settings, get_settings  # noqa: E402
from app.offline.evaluate import evaluate, load_questions, report, score_question  # noqa: E402
from app.retrieval.question import clean_question, topic_of  # noqa: E402
from app.retrieval.search import Searcher  # noqa: E402
from app.load import load  # noqa: E402

K = 3


@contextmanager
def scratch_searcher(model: str | None = None):
    """A Searcher on an index built in a temporary folder: the corpus as it is, with `model` (default: the
    configured one), never touching the app's index/."""
    settings = get_settings()
    with tempfile.TemporaryDirectory() as tmp:
        yield load(
            Settings(
                index_dir=Path(tmp),
                data_dir=Path(tmp) / "data",
                corpus_dir=settings.corpus_dir,
                model=model or settings.model,
            )
        )


def signals(searcher: Searcher, questions) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(questions, insights) matrices: blend cosine, best-field cosine, BM25 / the question's best, and the
    best cosine with one of the insight's situations."""
    topics = [topic_of(clean_question(q.q, 2000)) for q in questions]
    vectors = searcher.embedder.encode(topics)
    n = len(searcher.corpus.insights)
    dense = vectors @ searcher.index.index.reconstruct_n(0, n).T
    field, told = dense.copy(), np.full_like(dense, -1.0)
    best_field = searcher.index.best_field_scores(vectors)
    best_situation = searcher.index.best_field_scores(vectors, only=searcher.situation_fields)
    for column, owner in enumerate(searcher.index.field_owners.tolist()):
        field[:, owner], told[:, owner] = best_field[:, column], best_situation[:, column]
    bm25 = np.array([searcher.lexical.scores(t)[:n] for t in topics])
    return dense, field, bm25 / np.maximum(bm25.max(1, keepdims=True), 1e-9), told


def rule(
    blend: float,
    lexical: float,
    floor: float,
    margin: float | None = None,
    show_floor: float = 0.0,
    situation_gap: float | None = None,
):
    """A rule: relevance = blend x cosine + (1 - blend) x best field, or a situation's cosine less
    `situation_gap` when more (None: situations ignored); order by relevance + lexical x BM25; abstain below
    `floor`; show cards within `margin` of the best and above `show_floor` (None: all k)."""

    def apply(dense, field, bm25, told):
        relevance = blend * dense + (1 - blend) * field
        if situation_gap is not None:
            relevance = np.maximum(relevance, told - situation_gap)
        return relevance + lexical * bm25, relevance, floor, margin, show_floor

    return apply


def scored(questions, ids, fused, relevance, floor, margin, show_floor, searcher):
    scores = []
    for q, row, rel in zip(questions, fused, relevance):
        order = np.argsort(-row)
        top = order[:K]
        keep = [
            j
            for n, j in enumerate(top)
            if margin is None or n == 0 or (row[j] >= row[top[0]] - margin and rel[j] >= show_floor)
        ]
        group = q.style or (searcher.corpus.get(max(q.grades, key=q.grades.get)).theme if q.grades else None)
        scores.append(
            score_question(q, group, [ids[j] for j in order[:10]], [ids[j] for j in keep], [], bool(rel.max() >= floor))
        )
    return report(scores, K)


FORMER = "former rule: (blend + field) / 2 + 0.2 BM25, abstain < 0.36, always k cards"
RULES = {
    FORMER: rule(0.5, 0.2, 0.36),
    "blend cosine alone": rule(1.0, 0.0, 0.30),
    "best field alone": rule(0.0, 0.0, 0.50),
    "0.7 blend + 0.3 field + 0.1 BM25": rule(0.7, 0.1, 0.35),
    "0.6 blend + 0.4 field + 0.3 BM25": rule(0.6, 0.3, 0.365),
    "0.6 blend + 0.4 field + 0.15 BM25, always k cards": rule(0.6, 0.15, 0.35),
    (
        f"**new rule**: {search.BLEND_WEIGHT} blend + {1 - search.BLEND_WEIGHT:.1f} field + {search.LEXICAL_WEIGHT} BM25, "
        f"abstain < {search.MIN_RELEVANCE}, cut {search.SHOW_MARGIN} / {search.SHOW_FLOOR}"
    ): rule(
        search.BLEND_WEIGHT,
        search.LEXICAL_WEIGHT,
        search.MIN_RELEVANCE,
        search.SHOW_MARGIN,
        search.SHOW_FLOOR,
        search.SITUATION_GAP,
    ),
}
COLUMNS = ["hit@1", "first=2", "ndcg@5", "shown_precision", "recall2_shown", "kept2", "cards"]


def row(name, r) -> str:
    m = r.metrics
    return f"| {name} | " + " | ".join(f"{m[c]:.3f}" for c in COLUMNS) + f" | {r.abstention['f1']:.3f} |"


def main():
    settings = get_settings()
    with scratch_searcher() as searcher:
        ids = [i.id for i in searcher.corpus.insights]
        realistic = load_questions(settings.corpus_dir / "realistic_questions.jsonl")
        sets = {
            "realistic, tune half (fitted on)": [q for q in realistic if q.half == "tune"],
            "realistic, test half (never tuned on)": [q for q in realistic if q.half == "test"],
            "dev set (old)": load_questions(settings.corpus_dir / "dev_questions.jsonl"),
            "held-out set (old)": load_questions(settings.corpus_dir / "heldout_questions.jsonl"),
        }
        for title, questions in sets.items():
            n_on = sum(1 for q in questions if q.grades)
            print(f"\n{title}: {n_on} on-topic, {len(questions) - n_on} off-topic questions; model {settings.model}")
            print("| rule | " + " | ".join(COLUMNS) + " | abstention F1 |\n|---|" + "---|" * (len(COLUMNS) + 1))
            features = signals(searcher, questions)
            for name, apply in RULES.items():
                print(row(name, scored(questions, ids, *apply(*features), searcher)))
            app_report = evaluate(searcher, questions, K)
            print(row("**the app** (Searcher + app.offline.evaluate)", app_report))
            if "test half" in title:
                former = scored(questions, ids, *RULES[FORMER](*features), searcher)
                per_style(former, app_report)


def per_style(former, new) -> None:
    """The test half per style: the former rule, then the app's."""
    columns = ["first=2", "ndcg@5", "shown_precision", "recall2_shown", "cards", "abstained"]
    print("\nrealistic test half per style, former rule -> the app")
    print("| style | " + " | ".join(columns) + " |\n|---|" + "---|" * len(columns))
    for style, m in new.per_group.items():
        old = former.per_group[style]
        print(f"| {style} | " + " | ".join(f"{old[c]:.3f} → {m[c]:.3f}" if c in m else "" for c in columns) + " |")
    m, old = new.metrics, former.metrics
    print("| all on-topic | " + " | ".join(f"{old[c]:.3f} → {m[c]:.3f}" if c in m else "" for c in columns) + " |")
    print(f"| abstention F1 | {former.abstention['f1']:.3f} → {new.abstention['f1']:.3f} |")


if __name__ == "__main__":
    main()
