"""Fault injection: each file the app reads at start is damaged in turn (truncated, bytes flipped, rows or
ids swapped), then `ask` runs. It must give the same answer as before (after rebuilding what was damaged)
or refuse with one clear line: never a different answer with exit code 0."""

import io
import json
from pathlib import Path

import faiss
import numpy as np
import pytest
from click.testing import CliRunner

from app.cli import cli
import app.corpus.ingest as ingest
from app.retrieval.embedder import ONNX_EXPORT_FILE, ONNX_FILE
from app.retrieval.index import CACHE_FILE, FIELDS_FILE, INDEX_FILE, MANIFEST_FILE, Manifest

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
QUESTIONS = ["why sort my data by loss", "what should I do first with a new model? overfit a single batch?"]
PASSAGES = "passages.jsonl"


def ask(root: Path, *args: str):
    env = {"ASK_KARPATHY_INDEX_DIR": str(root / "index"), "ASK_KARPATHY_DATA_DIR": str(root / "data")}
    return CliRunner().invoke(cli, list(args), env=env)


def answers(root: Path) -> list:
    """Each question's answer text and cited ids, or the error a user sees."""
    found = []
    for question in QUESTIONS:
        result = ask(root, "ask", question, "--json", "-k", "3")
        if result.exit_code != 0:
            crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
            found.append(("refused", result.exit_code, repr(result.exception) if crashed else result.stderr))
            continue
        answer = json.loads(result.stdout)
        found.append((answer["text"], [c["id"] for c in answer["citations"]]))
    return found


@pytest.fixture(scope="module")
def base(tmp_path_factory, seed_index):
    """An index of the corpus and ingested documents, and the answers it gives."""
    root = tmp_path_factory.mktemp("faults")
    seed_index(root / "index")
    env = {"ASK_KARPATHY_INDEX_DIR": str(root / "index"), "ASK_KARPATHY_DATA_DIR": str(root / "data")}
    result = CliRunner().invoke(cli, ["ingest", str(FIXTURES), "--author", "Andrej Karpathy"], env=env)
    assert result.exit_code == 0, result.output
    expected = answers(root)
    assert all(a[0] != "refused" for a in expected) and expected[0][1][0] == 27
    assert any("#" in str(i) for i in expected[1][1])  # the second is answered from an ingested passage
    return root, expected


def truncate(path: Path):
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])


def empty(path: Path):
    path.write_bytes(b"")


def flip(path: Path):
    data = bytearray(path.read_bytes())
    for at in range(len(data) // 2, len(data) // 2 + 16):
        data[at] ^= 0xFF
    path.write_bytes(bytes(data))


def swap_manifest_ids(path: Path, reseal: bool = False, field: str = "ids"):
    manifest = Manifest.model_validate_json(path.read_text())
    values = list(getattr(manifest, field))
    i = next(n for n in range(1, len(values)) if values[n] != values[0])
    values[0], values[i] = values[i], values[0]
    manifest = manifest.model_copy(update={field: values})
    path.write_text((manifest.sealed() if reseal else manifest).model_dump_json())


def swap_vectors(path: Path):
    index = faiss.deserialize_index(np.frombuffer(path.read_bytes(), dtype=np.uint8))
    vectors = index.reconstruct_n(0, index.ntotal)
    vectors[[0, 1]] = vectors[[1, 0]]
    swapped = faiss.IndexFlatIP(index.d)
    swapped.add(vectors)
    path.write_bytes(faiss.serialize_index(swapped).tobytes())


def swap_field_rows(path: Path):
    fields = np.load(path)
    fields[[0, -1]] = fields[[-1, 0]]
    saved = io.BytesIO()
    np.save(saved, fields)
    path.write_bytes(saved.getvalue())


def swap_cached_vectors(path: Path):
    """Every text given another's vector, in a cache that is still a valid zip with its old checksum."""
    with np.load(path) as f:
        arrays = {name: f[name] for name in f.files}
    arrays["vectors"] = arrays["vectors"][::-1].copy()
    saved = io.BytesIO()
    np.savez(saved, **arrays)
    path.write_bytes(saved.getvalue())


def change_a_letter(path: Path):
    """One letter of a passage's text changed, the JSON still valid: "reward" -> "regard" was answered from."""
    data = path.read_text()
    at = data.index('"clean":"', data.index("\n")) + len('"clean":"') + 10
    path.write_text(data[:at] + ("a" if data[at] != "a" else "b") + data[at + 1 :])


def duplicate_a_passage(path: Path, reseal: bool = False):
    """A passage line repeated at the end (re-sealed: with a checksum line that matches again)."""
    lines = path.read_text().splitlines(keepends=True)
    body = "".join(lines[1:] + [lines[2]]).encode()
    path.write_bytes(((ingest._header(body) + "\n").encode() if reseal else lines[0].encode()) + body)


def edit_export(field: str, value: int):
    def edit(path: Path):
        export = json.loads(path.read_text())
        export[field] = value
        path.write_text(json.dumps(export))

    edit.__name__ = f"edit_{field}"
    return edit


FAULTS = [
    (INDEX_FILE, truncate),
    (INDEX_FILE, empty),
    (INDEX_FILE, flip),
    (INDEX_FILE, swap_vectors),
    (FIELDS_FILE, truncate),
    (FIELDS_FILE, flip),
    (FIELDS_FILE, swap_field_rows),
    (MANIFEST_FILE, truncate),
    (MANIFEST_FILE, empty),
    (MANIFEST_FILE, flip),
    (MANIFEST_FILE, swap_manifest_ids),
    (MANIFEST_FILE, lambda p: swap_manifest_ids(p, reseal=True)),
    (MANIFEST_FILE, lambda p: swap_manifest_ids(p, field="field_rows")),
    (MANIFEST_FILE, lambda p: swap_manifest_ids(p, reseal=True, field="field_rows")),
    (CACHE_FILE, truncate),
    (CACHE_FILE, empty),
    (CACHE_FILE, flip),
    (CACHE_FILE, swap_cached_vectors),
    (ONNX_FILE, truncate),
    (ONNX_FILE, flip),
    (ONNX_EXPORT_FILE, truncate),
    (ONNX_EXPORT_FILE, flip),
    (ONNX_EXPORT_FILE, edit_export("max_seq_length", 8)),
    (ONNX_EXPORT_FILE, edit_export("dim", 12)),
    (PASSAGES, truncate),
    (PASSAGES, flip),
    (PASSAGES, change_a_letter),
    (PASSAGES, duplicate_a_passage),
]


@pytest.mark.parametrize("name, damage", FAULTS, ids=[f"{n}-{getattr(d, '__name__', 'swap')}" for n, d in FAULTS])
def test_a_damaged_file_gives_the_same_answer_or_one_clear_error(base, tmp_path, seed_copy, name, damage):
    root, expected = base
    seed_copy(root, tmp_path, damaged=name)
    damage(tmp_path / ("data" if name == PASSAGES else "index") / name)
    if name == CACHE_FILE:  # the cache is read only by a build: force one
        result = ask(tmp_path, "index", "--force")
        assert result.exit_code == 0, result.output
    for got, want in zip(answers(tmp_path), expected):
        if got[0] == "refused":  # one clear line, after any notices of what was rebuilt
            assert got[1] == 1 and got[2].splitlines()[-1].startswith("Error: ") and got[2].count("Error") == 1, got
        else:
            assert got == want
    if name != PASSAGES:  # what was rebuilt is whole: the next start rebuilds nothing
        assert "index:" not in ask(tmp_path, "ask", QUESTIONS[0]).stderr


def test_a_duplicated_passage_id_is_refused_with_file_and_line(base, tmp_path, seed_copy):
    root, _ = base
    seed_copy(root, tmp_path)
    store = tmp_path / "data" / PASSAGES
    first = json.loads(store.read_text().splitlines()[2])["id"]
    duplicate_a_passage(store, reseal=True)  # a checksum that matches: only the duplicate is wrong
    lines = len(store.read_text().splitlines())
    result = ask(tmp_path, "ask", QUESTIONS[1])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {store}:{lines}: duplicate passage id {first!r} (first at line 3); "
        "re-run `ask-karpathy ingest` on its sources\n"
    )
