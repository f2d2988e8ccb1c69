"""The index on disk: round trip, and automatic rebuilds when it is missing, stale or corrupt; the same
for the ONNX export of the model that embeds questions."""

import json
import shutil

import numpy as np
import pytest

from app.config import REPO_DIR
from app.corpus.records import load_corpus
from app.retrieval.embedder import (
    ONNX_EXPORT_FILE,
    ONNX_FILE,
    ModelNotInstalled,
    OnnxEmbedder,
    OnnxExport,
    get_embedder,
    model_path,
    query_embedder,
)
from app.retrieval.index import CACHE_FILE, FIELDS_FILE, INDEX_FILE, MANIFEST_FILE, ensure_index
from app.retrieval.search import embedded, record_fields
from app.load import load


@pytest.fixture
def build(settings):
    corpus = load_corpus(REPO_DIR / "corpus")

    def run(index_dir, corpus=corpus):
        notices = []
        index = ensure_index(*embedded(corpus), settings.model, index_dir, notify=notices.append)
        return index, notices

    return run


def test_round_trip_loads_without_rebuilding(tmp_path, build, settings, searcher):
    shutil.copy2(settings.index_dir / CACHE_FILE, tmp_path)  # the session's embeddings: none embedded again
    first, notices = build(tmp_path)
    n = embedded_texts(load_corpus(REPO_DIR / "corpus"))
    assert notices[0] == "index: building 50 passages (no index yet)"
    # one line says which model and which adapter the vectors come from
    assert notices[1].startswith("index: model all-mpnet-base-v2 + adapter adapter/ (LoRA r=")
    assert notices[2:] == [f"index: reused {n} of {n} embeddings, embedded 0"]
    manifest = json.loads((tmp_path / MANIFEST_FILE).read_text())
    assert manifest["model"] == "all-mpnet-base-v2+adapter" and manifest["dim"] == 768
    assert manifest["ids"] == list(range(1, 51)) and len(manifest["corpus_hash"]) == 64
    assert {"faiss_version", "sentence_transformers_version", "built_at"} <= manifest.keys()
    second, notices = build(tmp_path)
    assert notices == []  # up to date: loaded, not rebuilt
    assert second.index.ntotal == 50 and second.manifest == first.manifest
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".build.lock",
        CACHE_FILE,
        FIELDS_FILE,
        MANIFEST_FILE,
        INDEX_FILE,
    ]


def embedded_texts(corpus) -> int:
    """How many texts an index of `corpus` embeds: one blend per record, and each curated field on its own."""
    return sum(1 + len(record_fields(insight)) for insight in corpus.insights)


def test_edited_corpus_makes_the_index_stale(tmp_path, build, seed_index, corpus_copy):
    seed_index(tmp_path)
    path = corpus_copy / "insights.toml"
    path.write_text(path.read_text().replace("Start Simple and Iterate", "Start Small and Iterate"))
    edited = load_corpus(corpus_copy)
    index, notices = build(tmp_path, edited)
    # only what the edit touched is embedded again: that insight's blended text and its title field
    n = embedded_texts(edited)
    assert notices[0] == "index: building 50 passages (the corpus changed since it was built)"
    assert notices[2:] == [f"index: reused {n - 2} of {n} embeddings, embedded 2"]  # [1]: the model line
    assert len(index.fields) == n - 50


def _swap_ids(path, reseal: bool):
    """Swap the records of rows 0 and 1; `reseal`: as if by someone who also fixed the checksum."""
    from app.retrieval.index import Manifest

    manifest = Manifest.model_validate_json(path.read_text())
    ids = list(manifest.ids)
    ids[0], ids[1] = ids[1], ids[0]
    manifest = manifest.model_copy(update={"ids": ids})
    path.write_text((manifest.sealed() if reseal else manifest).model_dump_json())


def _stale_model_files(path):
    """An export record, sealed, from a model whose files were not the ones installed now."""
    export = OnnxExport.model_validate_json(path.read_text())
    path.write_text(export.model_copy(update={"model_files": "0" + export.model_files}).sealed().model_dump_json())


@pytest.mark.parametrize(
    "damage, reason",
    [
        (lambda d: (d / INDEX_FILE).write_bytes((d / INDEX_FILE).read_bytes()[:1000]), "is corrupt or truncated"),
        (lambda d: (d / MANIFEST_FILE).write_text("{not json"), "manifest.json is corrupt"),
        (lambda d: (d / FIELDS_FILE).write_bytes((d / FIELDS_FILE).read_bytes()[:1000]), "fields.npy is corrupt"),
        (lambda d: (d / INDEX_FILE).unlink(), "no index yet"),
        # an edited manifest is never trusted, whatever the edit: another model, two ids swapped
        (
            lambda d: (d / MANIFEST_FILE).write_text(
                (d / MANIFEST_FILE).read_text().replace('"all-mpnet-base-v2+adapter"', '"another-model"')
            ),
            "manifest.json is damaged (its checksum does not match)",
        ),
        (
            lambda d: _swap_ids(d / MANIFEST_FILE, reseal=False),
            "manifest.json is damaged (its checksum does not match)",
        ),
        (lambda d: _swap_ids(d / MANIFEST_FILE, reseal=True), "does not list the records in the corpus's order"),
    ],
)
def test_damaged_index_is_detected_and_rebuilt(tmp_path, build, seed_index, damage, reason):
    seed_index(tmp_path)  # the session's index of the same corpus: nothing is embedded again
    damage(tmp_path)
    index, notices = build(tmp_path)
    assert reason in notices[0]
    n = embedded_texts(load_corpus(REPO_DIR / "corpus"))
    assert notices[2:] in ([], [f"index: reused {n} of {n} embeddings, embedded 0"])  # nothing embedded twice
    assert index.index.ntotal == 50
    assert build(tmp_path)[1] == []  # the rebuilt index is whole


def test_unknown_model_names_what_to_install():
    with pytest.raises(ModelNotInstalled, match="no sentence-transformers model at /nowhere"):
        model_path("/nowhere")
    assert (model_path("all-mpnet-base-v2") / "model.safetensors").exists()


def test_best_field_scores_take_the_best_field_of_each_row():
    """Rows 0 and 2 have fields (two and one), row 1 has none: each query gets the best cosine per owner."""
    import faiss

    from app.retrieval.index import Manifest, VectorIndex

    fields = np.eye(3, dtype=np.float32)  # field vectors e0, e1 (row 0) and e2 (row 2)
    manifest = Manifest(
        model="m",
        dim=3,
        corpus_hash="",
        ids=[1, 2, 3],
        index_sha256="",
        field_rows=[0, 0, 2],
        index_type="IndexFlatIP",
        faiss_version="",
        sentence_transformers_version="",
        built_at="",
        build_seconds=0,
    )
    index = VectorIndex(faiss.IndexFlatIP(3), manifest, fields)
    queries = np.array([[0.1, 0.9, 0.3], [0.8, 0.0, 0.6]], dtype=np.float32)
    assert index.field_owners.tolist() == [0, 2]
    np.testing.assert_allclose(index.best_field_scores(queries), [[0.9, 0.3], [0.8, 0.6]])
    # among some fields only (an insight's situations): row 0's second field alone, row 2's none of them
    only = np.array([False, True, False])
    np.testing.assert_allclose(index.best_field_scores(queries, only=only), [[0.9, -1.0], [0.0, -1.0]])


def test_onnx_export_round_trip_loads_without_exporting(tmp_path, settings):
    notices = []
    query_embedder(settings.model, tmp_path, notify=notices.append)
    assert notices == ["index: exported all-mpnet-base-v2+adapter to ONNX for questions (no export yet)"]
    export = json.loads((tmp_path / ONNX_EXPORT_FILE).read_text())
    assert export["model"] == "all-mpnet-base-v2+adapter" and export["dim"] == 768
    assert export["max_seq_length"] == 384  # sentence-transformers' cut, not tokenizer.json's 128
    assert sorted(p.name for p in tmp_path.iterdir()) == [".build.lock", ONNX_EXPORT_FILE, ONNX_FILE]
    again = query_embedder(settings.model, tmp_path, notify=notices.append)
    assert len(notices) == 1 and isinstance(again, OnnxEmbedder)  # up to date: loaded, not exported


def _flip_a_byte(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # inside the weights: ONNX Runtime would load it and embed wrongly
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "damage, reason",
    [
        (
            lambda d: (d / ONNX_FILE).write_bytes((d / ONNX_FILE).read_bytes()[:100_000]),
            "encoder.onnx is corrupt or truncated",
        ),
        (lambda d: _flip_a_byte(d / ONNX_FILE), "encoder.onnx is corrupt or truncated"),
        (lambda d: _stale_model_files(d / ONNX_EXPORT_FILE), "the model's files changed since it was exported"),
        (
            lambda d: (d / ONNX_EXPORT_FILE).write_text(
                (d / ONNX_EXPORT_FILE).read_text().replace('"model_files": "', '"model_files": "0')
            ),
            "encoder.json is damaged (its checksum does not match)",
        ),
        (lambda d: (d / ONNX_EXPORT_FILE).write_text("{not json"), "encoder.json is corrupt"),
        (lambda d: (d / ONNX_FILE).unlink(), "no export yet"),
    ],
)
def test_damaged_or_stale_onnx_export_is_detected_and_exported_again(
    tmp_path, settings, searcher, seed_index, capsys, damage, reason
):
    seed_index(tmp_path, damaged=ONNX_FILE)  # the session's index and a copy of its export
    damage(tmp_path)
    capsys.readouterr()
    local = settings.model_copy(update={"index_dir": tmp_path})
    repaired = load(local)
    notices = capsys.readouterr().err.splitlines()
    assert len(notices) == 1 and notices[0].startswith(
        "index: exported all-mpnet-base-v2+adapter to ONNX for questions ("
    )
    assert reason in notices[0]
    assert isinstance(repaired.embedder, OnnxEmbedder)
    texts = ["hiring", "what would Karpathy say about looking at your data?"]
    np.testing.assert_allclose(repaired.embedder.encode(texts), get_embedder(settings.model).encode(texts), atol=1e-5)
    for question in texts:
        assert [hit.key for hit in repaired.search(question).hits] == [
            hit.key for hit in searcher.search(question).hits
        ]
    load(local)
    assert capsys.readouterr().err == ""  # the new export is whole
