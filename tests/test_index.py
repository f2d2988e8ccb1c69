"""The index on disk: round trip, and automatic rebuilds when it is missing, stale or corrupt."""
import json

import pytest

from app.config import REPO_DIR
from app.corpus import load_corpus
from app.embedder import ModelNotInstalled, get_embedder, model_path
from app.index import CACHE_FILE, INDEX_FILE, MANIFEST_FILE, ensure_index


@pytest.fixture
def build(settings):
    corpus = load_corpus(REPO_DIR / "corpus")
    embedder = get_embedder(settings.model)

    def run(index_dir, corpus=corpus):
        notices = []
        index = ensure_index(corpus, embedder, index_dir, notify=notices.append)
        return index, notices
    return run


def test_round_trip_loads_without_rebuilding(tmp_path, build):
    first, notices = build(tmp_path)
    assert notices == ["index: building 50 passages (no index yet)"]
    manifest = json.loads((tmp_path / MANIFEST_FILE).read_text())
    assert manifest["model"] == "all-MiniLM-L6-v2" and manifest["dim"] == 384
    assert manifest["ids"] == list(range(1, 51)) and len(manifest["corpus_hash"]) == 64
    assert {"faiss_version", "sentence_transformers_version", "built_at"} <= manifest.keys()
    second, notices = build(tmp_path)
    assert notices == []  # up to date: loaded, not rebuilt
    assert second.index.ntotal == 50 and second.manifest == first.manifest
    assert sorted(p.name for p in tmp_path.iterdir()) == [".build.lock", CACHE_FILE, MANIFEST_FILE, INDEX_FILE]


def test_edited_corpus_makes_the_index_stale(tmp_path, build, corpus_copy):
    build(tmp_path)
    path = corpus_copy / "insights.toml"
    path.write_text(path.read_text().replace("Start Simple and Iterate", "Start Small and Iterate"))
    _, notices = build(tmp_path, load_corpus(corpus_copy))
    # only the edited insight is embedded again
    assert notices == ["index: building 50 passages (the corpus changed since it was built)",
                       "index: reused 49 of 50 embeddings, embedded 1"]


@pytest.mark.parametrize("damage, reason", [
    (lambda d: (d / INDEX_FILE).write_bytes((d / INDEX_FILE).read_bytes()[:1000]), "is corrupt or truncated"),
    (lambda d: (d / MANIFEST_FILE).write_text("{not json"), "manifest.json is corrupt"),
    (lambda d: (d / INDEX_FILE).unlink(), "no index yet"),
    (lambda d: (d / MANIFEST_FILE).write_text((d / MANIFEST_FILE).read_text().replace(
        '"all-MiniLM-L6-v2"', '"another-model"')), "built with model 'another-model'"),
])
def test_damaged_index_is_detected_and_rebuilt(tmp_path, build, damage, reason):
    build(tmp_path)
    damage(tmp_path)
    index, notices = build(tmp_path)
    assert reason in notices[0]
    assert notices[1:] in ([], ["index: reused 50 of 50 embeddings, embedded 0"])  # nothing embedded twice
    assert index.index.ntotal == 50
    assert build(tmp_path)[1] == []  # the rebuilt index is whole


def test_unknown_model_names_what_to_install():
    with pytest.raises(ModelNotInstalled, match="no sentence-transformers model at /nowhere"):
        model_path("/nowhere")
    assert (model_path("all-MiniLM-L6-v2") / "model.safetensors").exists()
