"""Calibrate app.local.verify.SUPPORT_THRESHOLD: how similar must a model sentence be to the passage it cites?

Runs the in-process local model on the calibration half of the dev set (odd lines of
corpus/dev_questions.jsonl, on-topic only; the tests and bench/local_model.py use the even lines) and
takes every sentence that passes the other checks (a shown citation, only verbatim quotes). For each it
measures the cosine similarity (bare sentence vs passage text, as app/local/verify.py does) to
  - the passage(s) it cites (the best one),
  - the best shown passage it does not cite (a plausible wrong citation: same question, other passage),
  - the best of 5 passages drawn from the rest of the corpus (a citation to something off the subject).
With --labels, hand labels (bench/support_labels.jsonl: {"sentence", "supported"}) for the cited
pairs are read and precision / recall of "kept" against them is printed for each threshold.

    .venv/bin/python bench/calibrate_support.py [--questions 60] [--dump FILE] [--labels FILE]
"""

import argparse
import json
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import REPO_DIR, Settings  # noqa: E402
from app.offline.evaluate import load_questions  # noqa: E402
from app.local.backends import get_backend  # noqa: E402
from app.local.answer import build_messages  # noqa: E402
from app.local.verify import SUPPORT_THRESHOLD, Verifier, similarities, split_sentences  # noqa: E402
from app.load import load  # noqa: E402

THRESHOLDS = [0.25, 0.30, 0.35, 0.40, 0.45, 0.50, 0.55, 0.60]


def candidates(searcher, backend, questions, max_tokens):
    """(question, sentence, cited records, other shown records) for sentences that only the support check judges."""
    rows = []
    for i, dq in enumerate(questions, 1):
        result = searcher.search(dq.q)
        if not result.on_topic:
            continue
        records = [hit.record for hit in result.hits]
        reply = "".join(backend.stream(build_messages(result), max_tokens, 0.0))
        verifier = Verifier(records, searcher.embedder, threshold=-1.0)  # keep all: support is measured below
        for check in map(verifier.check, split_sentences(reply)):
            if check.kept:
                cited = [records[n - 1] for n in check.cited]
                others = [r for n, r in enumerate(records, 1) if n not in check.cited]
                rows.append((dq.q, check.text, cited, others))
        print(f"\r{i}/{len(questions)} questions, {len(rows)} sentences", end="", file=sys.stderr)
    print(file=sys.stderr)
    return rows


def best(sentence, records, embedder) -> float | None:
    return float(similarities([sentence], records, embedder).max()) if records else None


def share_at_least(values, threshold) -> str:
    values = [v for v in values if v is not None]
    return f"{np.mean([v >= threshold for v in values]):.2f}" if values else "-"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--dump", type=Path, help="write the measured sentences here (JSONL), e.g. for labelling")
    parser.add_argument("--labels", type=Path, help="hand labels: JSONL of {sentence, supported}")
    args = parser.parse_args()

    settings = Settings()
    searcher = load(settings)
    backend = get_backend(settings)
    dev = load_questions(REPO_DIR / "corpus" / "dev_questions.jsonl")
    questions = [dq for dq in dev[1::2] if dq.ids][: args.questions]
    rows = candidates(searcher, backend, questions, settings.llm_max_tokens)

    rng = random.Random(0)
    everything = searcher.corpus.insights
    measured = []
    for q, sentence, cited, others in rows:
        elsewhere = rng.sample([r for r in everything if r not in cited and r not in others], 5)
        measured.append(
            {
                "q": q,
                "sentence": sentence,
                "cited": [getattr(r, "id", None) for r in cited],
                "cited_sim": best(sentence, cited, searcher.embedder),
                "other_shown_sim": best(sentence, others, searcher.embedder),
                "random_sim": best(sentence, elsewhere, searcher.embedder),
            }
        )
    if args.dump:
        args.dump.write_text("".join(json.dumps(m, ensure_ascii=False) + "\n" for m in measured))

    print(
        f"{len(measured)} sentences passing the citation and quote checks, from {len(questions)} questions "
        f"(model: {backend.label})\n"
    )
    print("share of sentences at or above the threshold, by which passage they are compared with:")
    print(f"{'threshold':>9} | {'cited':>6} | {'other shown':>11} | {'random':>6}")
    for t in THRESHOLDS:
        mark = "  <- SUPPORT_THRESHOLD" if abs(t - SUPPORT_THRESHOLD) < 1e-9 else ""
        print(
            f"{t:>9.2f} | {share_at_least([m['cited_sim'] for m in measured], t):>6} | "
            f"{share_at_least([m['other_shown_sim'] for m in measured], t):>11} | "
            f"{share_at_least([m['random_sim'] for m in measured], t):>6}{mark}"
        )

    if args.labels:
        labels = {}
        for line in args.labels.read_text().splitlines():
            if line.strip():
                row = json.loads(line)
                labels[row["sentence"]] = row["supported"]
        labelled = [(m["cited_sim"], labels[m["sentence"]]) for m in measured if m["sentence"] in labels]
        n_supported = sum(s for _, s in labelled)
        print(f"\nagainst hand labels ({len(labelled)} sentences, {n_supported} supported by the passage they cite):")
        print(f"{'threshold':>9} | {'kept':>4} | {'precision':>9} | {'recall':>6} | unsupported kept")
        for t in THRESHOLDS:
            kept = [s for sim, s in labelled if sim >= t]
            precision = f"{np.mean(kept):.2f}" if kept else "-"
            recall = f"{sum(kept) / n_supported:.2f}" if n_supported else "-"
            print(f"{t:>9.2f} | {len(kept):>4} | {precision:>9} | {recall:>6} | {len(kept) - sum(kept)}")


if __name__ == "__main__":
    main()
