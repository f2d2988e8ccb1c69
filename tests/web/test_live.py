"""A running server answers from the files as they are now: `ingest --remove` of a private document
reached it only at a restart, and it answered from the document meanwhile, with no warning."""

import json
from pathlib import Path

import gradio as gr
import pytest
from click.testing import CliRunner

import app.web.app as web
from app.cli import cli
from app.config import Settings
from app.load import load

FIXTURES = Path(__file__).parent.parent / "fixtures" / "ingest"
QUESTION = "what should I do first with a new model? overfit a single batch?"


def test_a_running_server_follows_ingest_and_remove_and_never_answers_from_a_damaged_store(tmp_path, seed_index):
    seed_index(tmp_path / "index")
    env = {"ASK_KARPATHY_INDEX_DIR": str(tmp_path / "index"), "ASK_KARPATHY_DATA_DIR": str(tmp_path / "data")}
    mine = Settings(index_dir=tmp_path / "index", data_dir=tmp_path / "data")
    api = web.Api(load(mine))  # the server, started before anything was ingested

    def cited() -> list:
        return [c["id"] for c in json.loads(api.search(QUESTION, 3, ""))["citations"]]

    assert not any("#" in str(i) for i in cited())
    added = CliRunner().invoke(cli, ["ingest", str(FIXTURES), "--author", "Andrej Karpathy"], env=env)
    assert added.exit_code == 0, added.output
    passage = next(i for i in cited() if "#" in str(i))  # answered from the ingested document at once
    removed = CliRunner().invoke(cli, ["ingest", "--remove", str(FIXTURES)], env=env)
    assert removed.exit_code == 0, removed.output
    assert passage not in cited() and not any("#" in str(i) for i in cited())  # forgotten at once
    # a store damaged on disk: refused with the reason, never answered from the copy in memory
    CliRunner().invoke(cli, ["ingest", str(FIXTURES)], env=env)
    store = tmp_path / "data" / "passages.jsonl"
    store.write_text(store.read_text().replace("batch", "botch", 1))
    with pytest.raises(gr.Error, match="The corpus changed on disk and cannot be loaded again"):
        api.search(QUESTION, 3, "")
