"""The vector index: corpus passages embedded once, stored with FAISS in index/, rebuilt when stale.

index/ holds two files: vectors.faiss (the FAISS index) and manifest.json (which model, which corpus,
which passage ids in which order, and the sha256 of vectors.faiss). The manifest is written last and
is the commit point: a crash mid-build leaves a manifest that does not match, and the next start
rebuilds. Builds hold a file lock, so two processes starting at once build once, not twice over
each other.
"""
import fcntl
import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import faiss
import numpy as np
from pydantic import BaseModel, ValidationError

from app.corpus import Corpus, Insight
from app.embedder import Embedder

INDEX_FILE = "vectors.faiss"
MANIFEST_FILE = "manifest.json"


def passage_text(insight: Insight) -> str:
    """What is embedded for an insight. Title, theme and the curated keywords and questions add the
    words people ask with to the words he wrote (README: "What is embedded", measured there)."""
    parts = [insight.title, insight.theme_name, insight.text]
    if insight.keywords:
        parts.append("; ".join(insight.keywords))
    parts.extend(insight.questions)
    return "\n".join(parts)


class Manifest(BaseModel):
    model: str
    dim: int
    corpus_hash: str  # of the embedded texts: any edit to them makes the index stale
    ids: list[int]
    index_sha256: str
    faiss_version: str
    sentence_transformers_version: str
    built_at: str
    build_seconds: float


class VectorIndex:
    """A FAISS inner-product index over normalised vectors, and which insight each row is."""

    def __init__(self, index: faiss.Index, manifest: Manifest):
        self.index = index
        self.manifest = manifest
        self.ids = manifest.ids

    def search(self, query_vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Scores and row numbers of the k nearest rows for each query (row -1 where fewer exist)."""
        return self.index.search(query_vectors, min(k, self.index.ntotal))


def corpus_hash(texts: list[str], ids: list[int]) -> str:
    return hashlib.sha256(json.dumps([ids, texts]).encode()).hexdigest()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_atomic(path: Path, data: bytes) -> None:
    """Write to a temp file beside `path`, fsync, rename: readers see the old file or the new one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def build_index(texts: list[str], ids: list[int], embedder: Embedder, index_dir: Path,
                progress: bool = False) -> VectorIndex:
    import sentence_transformers

    start = time.perf_counter()
    vectors = embedder.encode(texts, progress=progress)
    index = faiss.IndexFlatIP(embedder.dim)
    index.add(vectors)
    index_dir.mkdir(parents=True, exist_ok=True)
    _write_atomic(index_dir / INDEX_FILE, faiss.serialize_index(index).tobytes())
    manifest = Manifest(
        model=embedder.name, dim=embedder.dim, corpus_hash=corpus_hash(texts, ids), ids=ids,
        index_sha256=_sha256(index_dir / INDEX_FILE), faiss_version=faiss.__version__,
        sentence_transformers_version=sentence_transformers.__version__,
        built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        build_seconds=round(time.perf_counter() - start, 3),
    )
    _write_atomic(index_dir / MANIFEST_FILE, manifest.model_dump_json(indent=2).encode())
    return VectorIndex(index, manifest)


def load_index(texts: list[str], ids: list[int], model: str, index_dir: Path) -> tuple[VectorIndex | None, str]:
    """The stored index if it is whole and up to date, else None and the reason it is not."""
    manifest_path, index_path = index_dir / MANIFEST_FILE, index_dir / INDEX_FILE
    if not manifest_path.exists() or not index_path.exists():
        return None, "no index yet"
    try:
        manifest = Manifest.model_validate_json(manifest_path.read_bytes())
    except ValidationError:
        return None, f"{manifest_path} is corrupt"
    if manifest.model != model:
        return None, f"built with model {manifest.model!r}, settings say {model!r}"
    if manifest.corpus_hash != corpus_hash(texts, ids):
        return None, "the corpus changed since it was built"
    data = index_path.read_bytes()
    if hashlib.sha256(data).hexdigest() != manifest.index_sha256:
        return None, f"{index_path} is corrupt or truncated"
    index = faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
    if index.ntotal != len(ids) or index.d != manifest.dim:
        return None, f"{index_path} does not match its manifest"
    return VectorIndex(index, manifest), "up to date"


def ensure_index(corpus: Corpus, embedder: Embedder, index_dir: Path, force: bool = False,
                 progress: bool = False, notify: Callable[[str], None] | None = None) -> VectorIndex:
    """Load the index, or (re)build it when missing, stale or corrupt, saying why in one line."""
    notify = notify or (lambda message: print(message, file=sys.stderr))
    texts = [passage_text(insight) for insight in corpus.insights]
    ids = [insight.id for insight in corpus.insights]
    if not force:
        index, _ = load_index(texts, ids, embedder.name, index_dir)
        if index:
            return index
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        # another process may have built it while we waited for the lock
        index, reason = load_index(texts, ids, embedder.name, index_dir)
        if index and not force:
            return index
        notify(f"index: building {len(texts)} passages ({'forced' if force else reason})")
        return build_index(texts, ids, embedder, index_dir, progress=progress)
