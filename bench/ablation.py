"""What each part of ranking is worth, with and without the trained adapter: the base model against the
adapted one, each with and without the curated fields (the best field's cosine beside the blended text's)
and with and without BM25. Scored on the realistic test half (never tuned on); each row's abstention floor
is the one that gave it the best F1 on the tune half; the display cut is the app's.

    PYTHONPATH=. .venv/bin/python bench/ablation.py
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import get_settings  # noqa: E402
from app.offline.evaluate import load_questions  # noqa: E402
from app.retrieval import search  # noqa: E402
from app.retrieval.embedder import base_name  # noqa: E402
from bench.retrieval_variants import rule, scored, scratch_searcher, signals  # noqa: E402

# the constants each model was fitted with: the base model's from before the adapter (git history of
# app/retrieval/search.py), the adapted model's as they are now
BASE_CONSTANTS = {"blend": 0.6, "lexical": 0.15, "margin": 0.12, "show_floor": 0.48}
ADAPTED_CONSTANTS = {
    "blend": search.BLEND_WEIGHT,
    "lexical": search.LEXICAL_WEIGHT,
    "margin": search.SHOW_MARGIN,
    "show_floor": search.SHOW_FLOOR,
}
COLUMNS = ["first=2", "ndcg@5", "hit@1", "shown_precision", "recall2_shown", "cards"]


def main():
    settings = get_settings()
    questions = load_questions(settings.corpus_dir / "realistic_questions.jsonl")
    tune, test = [q for q in questions if q.half == "tune"], [q for q in questions if q.half == "test"]
    print("| model | curated fields | BM25 | " + " | ".join(COLUMNS) + " | abstention F1 (floor) |")
    print("|---|---|---|" + "---|" * (len(COLUMNS) + 1))
    for model, constants in ((base_name(settings.model), BASE_CONSTANTS), (settings.model, ADAPTED_CONSTANTS)):
        with scratch_searcher(model) as searcher:
            ids = [i.id for i in searcher.corpus.insights]
            tune_features, test_features = signals(searcher, tune), signals(searcher, test)
            for fields in (True, False):
                for lexical in (constants["lexical"], 0.0):
                    blend = constants["blend"] if fields else 1.0

                    def run(qs, features, floor):
                        gap = search.SITUATION_GAP if fields else None  # situations are curated fields too
                        apply = rule(blend, lexical, floor, constants["margin"], constants["show_floor"], gap)
                        return scored(qs, ids, *apply(*features), searcher)

                    floors = {
                        round(f, 3): run(tune, tune_features, f).abstention["f1"] for f in np.arange(0.2, 0.6, 0.005)
                    }
                    floor = max(floors, key=floors.get)
                    r = run(test, test_features, floor)
                    print(
                        f"| {model} | {'yes' if fields else 'no'} | {lexical if lexical else 'off'} | "
                        + " | ".join(f"{r.metrics[c]:.3f}" for c in COLUMNS)
                        + f" | {r.abstention['f1']:.3f} ({floor}) |"
                    )


if __name__ == "__main__":
    main()
