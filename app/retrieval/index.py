"""The vector index: every record's embedded text, stored with FAISS in index/, rebuilt when stale.

index/ holds vectors.faiss (the FAISS index: exact while small, IVF beyond FLAT_LIMIT rows),
fields.npy (one vector per curated field of a record), manifest.json (which model, which texts, which
record in which row, which row each field belongs to, which index type, the sha256 of both vector files,
and a checksum over itself) and embeddings.npz (every vector by the sha256 of its text, with a checksum
over both, so a rebuild embeds only what changed and never reuses a damaged vector). The manifest is written last and is the commit point: a crash mid-build
leaves a manifest that does not match, and the next start rebuilds. What is embedded is the caller's
choice (app/retrieval/search.py); this module only stores and finds vectors.
"""

import hashlib
import io
import json
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import faiss
import numpy as np
from pydantic import BaseModel, ValidationError

from app.retrieval.embedder import Embedder, adapter_description, get_embedder, model_fingerprint
from app.storage import load_or_build, notify_stderr, write_atomic

INDEX_FILE = "vectors.faiss"
FIELDS_FILE = "fields.npy"
MANIFEST_FILE = "manifest.json"
CACHE_FILE = "embeddings.npz"


# Exact search while it is nearly free next to embedding the question (4.1 ms with the ONNX encoder):
# one query over 10,000 vectors took 0.47 ms, 20,000 took 1.06 ms (a quarter of the embedding), 100,000
# 5.3 ms and 1M 50 ms, while IVF took 0.17 ms at 15,000 to 20,000 (recall@10 0.97) and 0.75 ms at 1M
# (bench/scale.py). Beyond: IVF.
FLAT_LIMIT = 10_000
# IVF: ~4·sqrt(n) lists (k-means centroids), of which a query scans the IVF_NPROBE closest. Measured on
# near-duplicate-heavy data (bench/scale.py): recall@10 vs exact 0.984 at 50k, 0.987 at 100k, 0.998 at
# 1M; with 16 probes it fell to 0.947 at 30k. HNSW (M=32) lost on the same data: recall@10 0.82 at
# 100k with efSearch 128, 0.90 with 256, and it built slower.
IVF_NPROBE = 32
# k-means trains on this many vectors per list (FAISS alone would take up to 256): 1M vectors
# build in about a minute on 2 cores, with the recall above
IVF_TRAIN_PER_LIST = 64
# the search threads FAISS starts with (every core): builds and batches use them, one query does not
THREADS = faiss.omp_get_max_threads()


def make_faiss_index(vectors: np.ndarray, flat_limit: int = FLAT_LIMIT) -> faiss.Index:
    """An inner-product index over normalised `vectors`: exact (flat) up to `flat_limit` rows, IVF beyond."""
    faiss.omp_set_num_threads(THREADS)  # a build is one big job: every core (VectorIndex.search may have set 1)
    n, dim = vectors.shape
    if n <= flat_limit:
        index = faiss.IndexFlatIP(dim)
    else:
        # FAISS wants at least 39 training vectors per list
        lists = max(1, int(min(4 * np.sqrt(n), n / 39)))
        index = faiss.index_factory(dim, f"IVF{lists},Flat", faiss.METRIC_INNER_PRODUCT)
        index.nprobe = min(IVF_NPROBE, lists)  # saved with the index
        sample = np.random.default_rng(0).choice(n, min(n, IVF_TRAIN_PER_LIST * lists), replace=False)
        index.train(vectors[np.sort(sample)])
    index.add(vectors)
    return index


class Manifest(BaseModel):
    model: str
    model_files: str = ""  # model_fingerprint at build time: a retrained adapter or upgraded model makes it stale
    dim: int
    corpus_hash: str  # of the embedded texts: any edit to them makes the index stale
    ids: list[int | str]  # the record in each row: an insight number or a passage id
    index_sha256: str
    field_rows: list[int] = []  # the row whose record each vector of fields.npy belongs to, ascending
    fields_sha256: str | None = None
    index_type: str  # chosen by size (make_faiss_index)
    faiss_version: str
    sentence_transformers_version: str
    built_at: str
    build_seconds: float
    checksum: str = ""  # sha256 of every other field: an edited or damaged manifest is never trusted

    def sealed(self) -> "Manifest":
        return self.model_copy(update={"checksum": self.own_checksum()})

    def own_checksum(self) -> str:
        return hashlib.sha256(self.model_dump_json(exclude={"checksum"}).encode()).hexdigest()


class VectorIndex:
    """A FAISS inner-product index over normalised vectors, and which insight each row is."""

    def __init__(self, index: faiss.Index, manifest: Manifest, fields: np.ndarray):
        self.index = index
        self.manifest = manifest
        self.ids = manifest.ids
        self.fields = fields
        # the rows that have fields, and where each one's run of fields starts (they are stored row by row)
        self.field_owners, self._field_starts = np.unique(
            np.asarray(manifest.field_rows, dtype=np.int64), return_index=True
        )
        self._first: faiss.IndexFlatIP | None = None  # exact copy of the first rows, see search_first

    def search(self, query_vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Scores and row numbers of the k nearest rows for each query (row -1 where fewer exist)."""
        # One query gains nothing from FAISS's threads and pays for waking them: with another process
        # busy on a core, one flat search over 10k rows took 4.4 ms with two OpenMP threads, 0.65 ms with
        # one. A server gets its parallelism from concurrent requests; a batch still uses every core.
        faiss.omp_set_num_threads(1 if len(query_vectors) == 1 else THREADS)
        return self.index.search(query_vectors, min(k, self.index.ntotal))

    def best_field_scores(self, query_vectors: np.ndarray, only: np.ndarray | None = None) -> np.ndarray:
        """For each query, the best cosine similarity among the fields of each row in field_owners; with
        `only` (one bool per field), among those fields alone (-1 for a row that has none of them)."""
        if not len(self.fields):
            return np.zeros((len(query_vectors), 0), dtype=np.float32)
        cosines = query_vectors @ self.fields.T
        if only is not None:
            cosines = np.where(only, cosines, np.float32(-1.0))
        return np.maximum.reduceat(cosines, self._field_starts, axis=1)

    def search_first(self, query_vectors: np.ndarray, k: int, rows: int) -> tuple[np.ndarray, np.ndarray]:
        """Like search, but exact and among rows 0..rows-1 only (the insights: a theme filter must see every
        one of them, which an approximate index does not promise, and none of the passages after them)."""
        first = self._first
        if first is None or first.ntotal != rows:
            first = faiss.IndexFlatIP(self.index.d)
            first.add(self.index.reconstruct_n(0, rows))
            self._first = first
        return first.search(query_vectors, min(k, rows))


def corpus_hash(texts: list[str], ids: list[int | str], fields: list[list[str]]) -> str:
    return hashlib.sha256(json.dumps([ids, texts, fields]).encode()).hexdigest()


def cache_checksum(keys: np.ndarray, vectors: np.ndarray) -> str:
    """Over the keys and vectors together: a vector moved to another key (an edit, a bit flip inside the
    zip's stored data) would otherwise be built into the index as the vector of another text."""
    return hashlib.sha256(keys.astype(str).tobytes() + np.ascontiguousarray(vectors, np.float32).tobytes()).hexdigest()


def embed_with_cache(
    texts: list[str], embedder: Embedder, cache_path: Path, progress: bool, notify: Callable[[str], None]
) -> np.ndarray:
    """Vectors for `texts`, encoding only those whose sha256 is not cached for this model yet (its files
    included: a retrained adapter keeps the model's name but not its vectors)."""
    model = f"{embedder.name}\n{model_fingerprint(embedder.name)}"
    keys = [hashlib.sha256(f"{model}\n{t}".encode()).hexdigest() for t in texts]
    cached = {}
    if cache_path.exists():
        try:
            with np.load(cache_path) as f:
                stored_keys, stored = f["keys"], f["vectors"]
                if str(f["checksum"]) != cache_checksum(stored_keys, stored):
                    raise ValueError("checksum")
                cached = dict(zip(stored_keys.tolist(), stored))
        except Exception:  # truncated, empty, not a zip, edited, wrong arrays: a cache is only ever a shortcut
            cached = {}
            notify(f"index: {cache_path} is damaged; discarding it and embedding everything again")
    reused = sum(1 for k in keys if k in cached)
    missing = sorted({k: t for k, t in zip(keys, texts) if k not in cached}.items())  # a repeated text once
    if missing:
        fresh = embedder.encode([t for _, t in missing], progress=progress)
        cached.update(zip([k for k, _ in missing], fresh))
    if reused:
        notify(f"index: reused {reused} of {len(texts)} embeddings, embedded {len(missing)}")
    vectors = (
        np.stack([cached[k] for k in keys]).astype(np.float32) if keys else np.zeros((0, embedder.dim), np.float32)
    )
    saved = io.BytesIO()
    keys_array = np.array(keys)
    # only what this corpus uses: it never grows stale
    np.savez(saved, keys=keys_array, vectors=vectors, checksum=np.array(cache_checksum(keys_array, vectors)))
    write_atomic(cache_path, saved.getvalue())
    return vectors


def build_index(
    texts: list[str],
    ids: list[int | str],
    fields: list[list[str]],
    embedder: Embedder,
    index_dir: Path,
    progress: bool = False,
    notify: Callable[[str], None] = notify_stderr,
) -> VectorIndex:
    import sentence_transformers

    start = time.perf_counter()
    index_dir.mkdir(parents=True, exist_ok=True)
    field_texts = [field for record in fields for field in record]
    field_rows = [row for row, record in enumerate(fields) for _ in record]
    vectors = embed_with_cache(texts + field_texts, embedder, index_dir / CACHE_FILE, progress, notify)
    index = make_faiss_index(vectors[: len(texts)])
    field_vectors = vectors[len(texts) :]
    index_data = faiss.serialize_index(index).tobytes()
    write_atomic(index_dir / INDEX_FILE, index_data)
    saved = io.BytesIO()
    np.save(saved, field_vectors)
    write_atomic(index_dir / FIELDS_FILE, saved.getvalue())
    manifest = Manifest(
        model=embedder.name,
        model_files=model_fingerprint(embedder.name),
        dim=embedder.dim,
        corpus_hash=corpus_hash(texts, ids, fields),
        ids=ids,
        index_sha256=hashlib.sha256(index_data).hexdigest(),
        field_rows=field_rows,
        fields_sha256=hashlib.sha256(saved.getvalue()).hexdigest(),
        index_type=type(index).__name__,
        faiss_version=faiss.__version__,
        sentence_transformers_version=sentence_transformers.__version__,
        built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        build_seconds=round(time.perf_counter() - start, 3),
    ).sealed()
    write_atomic(index_dir / MANIFEST_FILE, manifest.model_dump_json(indent=2).encode())
    return VectorIndex(index, manifest, field_vectors)


def load_index(
    texts: list[str], ids: list[int | str], fields: list[list[str]], model: str, index_dir: Path
) -> tuple[VectorIndex | None, str]:
    """The stored index if it is whole and up to date, else None and the reason it is not."""
    manifest_path, index_path, fields_path = index_dir / MANIFEST_FILE, index_dir / INDEX_FILE, index_dir / FIELDS_FILE
    if not manifest_path.exists() or not index_path.exists() or not fields_path.exists():
        return None, "no index yet"
    try:
        manifest = Manifest.model_validate_json(manifest_path.read_bytes())
    except ValidationError:
        return None, f"{manifest_path} is corrupt"
    if manifest.checksum != manifest.own_checksum():
        return None, f"{manifest_path} is damaged (its checksum does not match)"
    if manifest.model != model:
        return None, f"built with model {manifest.model!r}, settings say {model!r}"
    if manifest.model_files != model_fingerprint(model):
        return None, "the model's files (or its adapter) changed since it was built"
    if manifest.corpus_hash != corpus_hash(texts, ids, fields):
        return None, "the corpus changed since it was built"
    field_rows = [row for row, record in enumerate(fields) for _ in record]
    if manifest.ids != ids or manifest.field_rows != field_rows:
        return None, f"{manifest_path} does not list the records in the corpus's order"
    data, field_data = index_path.read_bytes(), fields_path.read_bytes()
    if hashlib.sha256(data).hexdigest() != manifest.index_sha256:
        return None, f"{index_path} is corrupt or truncated"
    if hashlib.sha256(field_data).hexdigest() != manifest.fields_sha256:
        return None, f"{fields_path} is corrupt or truncated"
    index = faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
    field_vectors = np.load(io.BytesIO(field_data))
    fields_shape = (len(manifest.field_rows), manifest.dim)
    if index.ntotal != len(ids) or index.d != manifest.dim or field_vectors.shape != fields_shape:
        return None, f"{index_path} does not match its manifest"
    return VectorIndex(index, manifest, field_vectors), "up to date"


def ensure_index(
    texts: list[str],
    ids: list[int | str],
    fields: list[list[str]],
    model: str,
    index_dir: Path,
    force: bool = False,
    progress: bool = False,
    notify: Callable[[str], None] = notify_stderr,
) -> VectorIndex:
    """The index of `texts` (row i is record ids[i], with its curated `fields`): loaded, or (re)built
    when missing, stale or damaged, saying why in one line. The model is loaded only to build."""

    def build(reason: str) -> VectorIndex:
        notify(f"index: building {len(texts)} passages ({reason})")
        notify(f"index: model {adapter_description(model)}")
        return build_index(texts, ids, fields, get_embedder(model), index_dir, progress=progress, notify=notify)

    return load_or_build(index_dir, lambda: load_index(texts, ids, fields, model, index_dir), build, force)
