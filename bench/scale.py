"""Scale: the FAISS index from 10k to 1M vectors, and the embedding rate of an index build.

For each size: build time of the index app.retrieval.index.make_faiss_index chooses, its size on disk, the time
to load it as app.retrieval.index.load_index does (read, sha256, deserialise), one-query latency p50/p95 (the
chosen index, exact flat search for comparison, and the whole path from question text to candidates
including the real question embedding), and recall@10 against exact flat search.

The vectors are realistic, not random: real embeddings (the configured model's; docs/performance.md's table was all-MiniLM-L6-v2's) of the 50 insights and of
SciFact passages (../shared/data/scifact, cut into passages by app.corpus.ingest like any ingested document),
repeated with gaussian variation and renormalised. The queries are real questions embedded one at a
time as the app does (by the ONNX export of the model, app.retrieval.embedder.query_embedder): the dev
questions and SciFact's queries. The base embeddings are cached under
$TMPDIR/ask-karpathy-bench, never in the project.

    .venv/bin/python bench/scale.py                       # 10k to 1M: about 10 minutes
    .venv/bin/python bench/scale.py --sizes 10000,30000   # a quick look
    .venv/bin/python bench/scale.py --sizes "" --no-beside  # the embedding rate only
"""

import argparse
import hashlib
import inspect
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import faiss  # noqa: E402

from app.config import REPO_DIR, get_settings  # noqa: E402
from app.corpus.records import Document, Passage, load_corpus  # noqa: E402
from app.retrieval.embedder import get_embedder  # noqa: E402
from app.retrieval.embedder import query_embedder  # noqa: E402
from app.retrieval.index import CACHE_FILE, embed_with_cache, make_faiss_index  # noqa: E402
from app.corpus.ingest import split_passages  # noqa: E402
from app.retrieval.question import topic_of  # noqa: E402
from app.retrieval.search import CANDIDATES, LexicalIndex, passage_text  # noqa: E402
from bench.machine import header  # noqa: E402

SCIFACT = Path(os.environ.get("SCIFACT_DIR", REPO_DIR.parent / "shared" / "data" / "scifact"))
CACHE_DIR = Path(tempfile.gettempdir()) / "ask-karpathy-bench"
SCIFACT_PASSAGES = 4000
QUERIES = 500
# Per-dimension std of the variation added to a real embedding: a copy keeps a cosine of about 0.9
# with its original, about as close as two paragraphs on one topic. Every copy is a near-duplicate of
# ~250 others at 1M, which makes the top 10 hard to get exactly right: a severe test of recall.
VARIATION = 0.025
APP_SIDE_PASSAGES = 100_000
THROUGHPUT_PASSAGES = 400
BATCHES = (8, 16, 32, 64)
ROUNDS = 3
FLAT_TIMED = 100  # exact flat search is timed on this many queries (it takes ~0.3 s each at 1M)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def base_texts() -> list[str]:
    """The 50 insights as the index embeds them, then SciFact abstracts cut into ingested passages."""
    texts = [passage_text(insight) for insight in load_corpus(REPO_DIR / "corpus").insights]
    if not (SCIFACT / "corpus.jsonl").exists():
        return texts
    return texts + [passage_text(p) for p in scifact_passages(SCIFACT_PASSAGES)]


def query_texts() -> list[str]:
    """Real questions: the dev set's, then SciFact's (so queries land in both parts of the corpus)."""
    questions = [q["q"] for q in read_jsonl(REPO_DIR / "corpus" / "dev_questions.jsonl")]
    if (SCIFACT / "queries.jsonl").exists():
        questions += [q["text"] for q in read_jsonl(SCIFACT / "queries.jsonl")]
    return [topic_of(q) for q in (questions * QUERIES)[:QUERIES]]


def scifact_passages(n: int) -> list[Passage]:
    """n ingested passages as app.corpus.ingest cuts them from SciFact abstracts (repeated as new documents)."""
    records = read_jsonl(SCIFACT / "corpus.jsonl")
    passages = []
    for k in range(n):
        record = records[k % len(records)]
        doc = Document(key=f"scifact-{k}", source=str(SCIFACT / "corpus.jsonl"), kind="jsonl", title=record["title"])
        passages += split_passages(doc, record["text"], 0, line=k + 1)
        if len(passages) >= n:
            return passages[:n]
    return passages


def base_vectors(embedder, texts: list[str]) -> np.ndarray:
    """The real embeddings of `texts`, embedded once and cached outside the project."""
    key = hashlib.sha256(json.dumps([embedder.name, texts]).encode()).hexdigest()[:16]
    path = CACHE_DIR / f"base-{key}.npy"
    if not path.exists():
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        print(f"embedding {len(texts)} base passages once (cached in {path})", file=sys.stderr)
        np.save(path, embedder.encode(texts))
    return np.load(path)


def synthetic(base: np.ndarray, n: int, seed: int) -> np.ndarray:
    """n unit vectors: the base embeddings in turn, each with gaussian variation, renormalised."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, base.shape[1]), np.float32)
    for start in range(0, n, 100_000):  # in chunks: no float64 temporaries of the whole 1M
        stop = min(n, start + 100_000)
        rows = base[np.arange(start, stop) % len(base)]
        rows += VARIATION * rng.standard_normal(rows.shape, dtype=np.float32)
        out[start:stop] = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return out


def ms(seconds: list[float]) -> str:
    return f"{np.percentile(seconds, 50) * 1000:.2f} / {np.percentile(seconds, 95) * 1000:.2f}"


def describe(index: faiss.Index) -> str:
    if isinstance(index, faiss.IndexHNSW):
        return f"HNSWFlat M={index.hnsw.nb_neighbors(1)} efSearch={index.hnsw.efSearch}"
    if isinstance(index, faiss.IndexIVF):
        return f"IVFFlat nlist={index.nlist} nprobe={index.nprobe}"
    return "FlatIP (exact)"


def scale_row(n: int, base: np.ndarray, questions: list[str], question_embedder) -> str:
    vectors = synthetic(base, n, seed=n)
    faiss.omp_set_num_threads(os.cpu_count())  # a build is one big job: every core
    start = time.perf_counter()
    index = make_faiss_index(vectors)
    build_s = time.perf_counter() - start

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "vectors.faiss"
        faiss.write_index(index, str(path))
        size_mb = path.stat().st_size / 1e6
        start = time.perf_counter()
        data = path.read_bytes()
        hashlib.sha256(data).hexdigest()
        faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
        load_s = time.perf_counter() - start
        del data

    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    del vectors
    # one query at a time, one thread each, as VectorIndex.search serves it
    faiss.omp_set_num_threads(1)
    embed_s, search_s, whole_s, flat_s, found, query_vectors = [], [], [], [], [], []
    for i, question in enumerate(questions):
        start = time.perf_counter()
        vector = question_embedder.encode([question])
        embedded = time.perf_counter()
        _, rows = index.search(vector, CANDIDATES)
        done = time.perf_counter()
        embed_s.append(embedded - start)
        search_s.append(done - embedded)
        whole_s.append(done - start)
        found.append(rows[0, :10])
        query_vectors.append(vector[0])
        if i < FLAT_TIMED:
            question_embedder.encode([question])  # so that exact search, too, starts from the caches a query leaves
            start = time.perf_counter()
            exact.search(vector, CANDIDATES)
            flat_s.append(time.perf_counter() - start)
    faiss.omp_set_num_threads(os.cpu_count())
    _, truth = exact.search(np.stack(query_vectors), 10)
    recall = np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth)])
    return (
        f"| {n:,} | {describe(index)} | {build_s:.1f} | {size_mb:,.0f} | {load_s:.2f} | {ms(search_s)} | "
        f"{ms(flat_s)} | {ms(embed_s)} | {ms(whole_s)} | {recall:.3f} |"
    )


def rss_mb() -> float:
    return int(Path("/proc/self/status").read_text().split("VmRSS:")[1].split()[0]) / 1024


def app_side(n: int, questions: list[str]) -> list[str]:
    """What the rest of Searcher costs per ingested passage, beside FAISS: the passages loaded from
    passages.jsonl (as pydantic objects) and the BM25 index, which is built at every start."""
    lines = [p.model_dump_json() for p in scifact_passages(n)]
    before, start = rss_mb(), time.perf_counter()
    passages = [Passage.model_validate_json(line) for line in lines]
    load_s, load_mb = time.perf_counter() - start, rss_mb() - before
    before, start = rss_mb(), time.perf_counter()
    lexical = LexicalIndex([passage_text(p) for p in passages])
    bm25_s, bm25_mb = time.perf_counter() - start, rss_mb() - before
    scores_s = []
    for question in questions:
        start = time.perf_counter()
        lexical.scores(question)
        scores_s.append(time.perf_counter() - start)
    return [
        "| passages | load passages.jsonl | RSS | BM25 build (every start) | RSS | BM25 scores, one question |",
        "|---|---|---|---|---|---|",
        f"| {n:,} | {load_s:.1f} s | {load_mb:.0f} MB | {bm25_s:.1f} s | {bm25_mb:.0f} MB | {ms(scores_s)} ms |",
    ]


class NoEncode:
    """Stands in for the embedder so that everything embed_with_cache does besides encoding is timed alone:
    unlike rates, that does not swing with what else runs on the machine."""

    def __init__(self, embedder):
        self.name, self.dim = embedder.name, embedder.dim

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        return np.zeros((len(texts), self.dim), np.float32)


def throughput(embedder, texts: list[str]) -> list[str]:
    """Passages/s of the raw model.encode at several batch sizes, and of the index build's embed path
    (embed_with_cache: hash, look up, Embedder.encode at its default batch size, save the cache)."""
    embedder.encode(texts[:64])  # warm-up; also sets torch to every core, as for any batch
    rates = {}
    for _ in range(ROUNDS):  # best of several, interleaved: other processes share the CPU
        for batch in BATCHES:
            start = time.perf_counter()
            embedder.model.encode(texts, batch_size=batch, normalize_embeddings=True, convert_to_numpy=True)
            rates[batch] = max(rates.get(batch, 0), len(texts) / (time.perf_counter() - start))
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            embed_with_cache(texts, embedder, Path(tmp) / CACHE_FILE, progress=False, notify=lambda _: None)
            rates["path"] = max(rates.get("path", 0), len(texts) / (time.perf_counter() - start))
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        embed_with_cache(texts, NoEncode(embedder), Path(tmp) / CACHE_FILE, progress=False, notify=lambda _: None)
        overhead = time.perf_counter() - start
    best = max(rates[b] for b in BATCHES)
    default = inspect.signature(embedder.encode).parameters["batch_size"].default
    lines = [f"| what | passages/s | vs the best raw rate | vs raw at batch {default} |", "|---|---|---|---|"]
    lines += [
        f"| raw model.encode, batch {b} | {rates[b]:.0f} | {rates[b] / best:.0%} | {rates[b] / rates[default]:.0%} |"
        for b in BATCHES
    ]
    lines.append(
        f"| index build path (embed_with_cache), batch {default} (goal >= 90%) | {rates['path']:.0f} | "
        f"{rates['path'] / best:.0%} | {rates['path'] / rates[default]:.0%} |"
    )
    encoding = len(texts) / best
    lines.append(
        f"| the path's own work (hash, cache, write) without encoding: {overhead * 1000:.0f} ms, "
        f"{overhead / encoding:.1%} of the encoding time | | | |"
    )
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    # 10k and 20k sit either side of app.retrieval.index.FLAT_LIMIT: the crossover from exact to IVF
    parser.add_argument(
        "--sizes", default="10000,20000,50000,100000,1000000", help="comma-separated vector counts (empty: none)"
    )
    parser.add_argument("--no-throughput", action="store_true", help="skip the embedding-rate table")
    parser.add_argument("--no-beside", action="store_true", help="skip the passages-and-BM25 table")
    args = parser.parse_args()

    model = get_settings().model
    embedder = get_embedder(model)
    with tempfile.TemporaryDirectory() as tmp:
        question_embedder = query_embedder(model, Path(tmp), notify=lambda _: None)
    texts = base_texts()
    base = base_vectors(embedder, texts)
    questions = query_texts()
    # measured first, while the heap is fresh: RSS deltas mean nothing once 1M vectors were freed
    beside = []
    if (SCIFACT / "corpus.jsonl").exists() and not args.no_beside:
        beside = app_side(APP_SIDE_PASSAGES, questions)
    sizes = [int(size) for size in args.sizes.split(",") if size]
    kind = "50 insights + SciFact passages" if len(texts) > 50 else "the 50 insights (SciFact not found)"
    if sizes:
        print(header("Scale: FAISS index by size"))
        print(
            f"Vectors: real {embedder.name} embeddings of {len(texts):,} passages ({kind}), repeated with "
            f"gaussian variation (std {VARIATION}/dim) and renormalised. Queries: {len(questions)} real questions "
            f"(dev set + SciFact), embedded one at a time by {type(question_embedder).__name__}; each fetches "
            f"{CANDIDATES} candidates as Searcher does."
        )
        print("Latencies p50 / p95 in ms, one thread per query.\n")
        print(
            "| vectors | index (chosen by size) | build s | disk MB | load s | search | exact flat search | "
            "embed question | embed + search | recall@10 vs exact |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|")
    for n in sizes:
        print(scale_row(n, base, questions, question_embedder), flush=True)
    if beside:
        print(f"\n{header('Beside FAISS: passages and BM25 in memory')}")
        print("SciFact abstracts cut into passages by app.corpus.ingest; one Searcher holds all of this per process.\n")
        print("\n".join(beside))
    if not args.no_throughput:
        sample = texts[50 : 50 + THROUGHPUT_PASSAGES] if len(texts) > 50 else texts
        print(f"\n{header('Embedding throughput of an index build')}")
        print(
            f"{len(sample)} passages ({'SciFact' if len(texts) > 50 else 'the insights'}), best of {ROUNDS} "
            "interleaved runs; sentence-transformers sorts each call's texts by length before batching.\n"
        )
        print("\n".join(throughput(embedder, sample)))


if __name__ == "__main__":
    main()
