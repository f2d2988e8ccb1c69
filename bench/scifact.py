"""Reproduce a published number: SciFact nDCG@10 through the project's own embedder and FAISS index.

MTEB publishes 0.645 for all-MiniLM-L6-v2 on SciFact (test split). This script embeds the 5,183
abstracts as "title text" (the BEIR/MTEB convention) with app.retrieval.embedder, indexes them with the same
FAISS inner-product index the app uses, and scores the 300 test queries, embedded both by
sentence-transformers and by the ONNX export that embeds the app's questions. With the adapter
(`ask-karpathy train`) it scores the base model too: the adapter must not cost general retrieval. The data
is read from ../shared/data/scifact (never copied into the project); without it the script says so and
exits 0.

    .venv/bin/python bench/scifact.py
"""

import json
import os
import platform
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import REPO_DIR, get_settings  # noqa: E402
from app.offline.evaluate import ndcg_at  # noqa: E402
from app.retrieval.embedder import base_name, get_embedder, query_embedder  # noqa: E402

DATA = Path(os.environ.get("SCIFACT_DIR", REPO_DIR.parent / "shared" / "data" / "scifact"))
PUBLISHED = {"all-MiniLM-L6-v2": 0.645}


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main():
    if not (DATA / "corpus.jsonl").exists():
        print(f"SciFact data not found at {DATA}: skipped (set SCIFACT_DIR to point at it)")
        return
    import faiss

    docs = read_jsonl(DATA / "corpus.jsonl")
    queries = {q["_id"]: q["text"] for q in read_jsonl(DATA / "queries.jsonl")}
    # graded relevance (doc -> grade), as ndcg_at takes it; SciFact's grades are all 1
    qrels = defaultdict(dict)
    for line in (DATA / "qrels" / "test.tsv").read_text().splitlines()[1:]:
        query_id, doc_id, score = line.split("\t")
        if int(score) > 0:
            qrels[query_id][doc_id] = int(score)
    test_ids = sorted(qrels)
    doc_ids = [d["_id"] for d in docs]
    configured = get_settings().model
    print(
        f"SciFact test ({len(docs)} docs, {len(test_ids)} queries), {date.today()}, "
        f"{platform.machine()} {os.cpu_count()} cores"
    )

    for model in dict.fromkeys([base_name(configured), configured]):  # the base model first, then the app's
        embedder = get_embedder(model)
        start = time.perf_counter()
        vectors = embedder.encode([f"{d['title']} {d['text']}".strip() for d in docs], batch_size=32)
        encode_s = time.perf_counter() - start
        index = faiss.IndexFlatIP(embedder.dim)
        index.add(vectors)

        def ndcg(encoder) -> float:
            _, rows = index.search(encoder.encode([queries[q] for q in test_ids]), 10)
            return sum(ndcg_at([doc_ids[r] for r in row], qrels[q], depth=10) for q, row in zip(test_ids, rows)) / len(
                test_ids
            )

        encoders = [("sentence-transformers", embedder)]
        if model == configured:
            with tempfile.TemporaryDirectory() as tmp:
                encoders.append(("the app's questions", query_embedder(model, Path(tmp), notify=lambda _: None)))
        published = PUBLISHED.get(model)
        for name, encoder in encoders:
            score = ndcg(encoder)
            print(
                f"{model}: nDCG@10 {score:.4f}"
                + (f" (published {published}, diff {score - published:+.4f})" if published else "")
                + f", queries embedded by {name} ({type(encoder).__name__})"
            )
        print(f"{model}: encode {len(docs) / encode_s:.0f} docs/s ({encode_s:.1f} s)")


if __name__ == "__main__":
    main()
