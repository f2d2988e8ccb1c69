"""The ask-karpathy command line: every command, its JSON contract and its errors."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli import cli
from app.config import REPO_DIR
from app.corpus.records import load_corpus
from app.corpus.ingest import load_passages

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"


@pytest.fixture
def run(ask_karpathy):
    """The CLI in-process on the session's index and Searcher (tests/conftest.py)."""
    return ask_karpathy


def test_search_json_contract(run):
    result = run("search", "why sort my data by loss", "--json", "-k", "2")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["question"] == "why sort my data by loss" and data["on_topic"] is True
    top = data["citations"][0]
    assert set(top) == {
        "n",
        "id",
        "kind",
        "title",
        "theme",
        "theme_name",
        "score",
        "quotes",
        "quoting",
        "paraphrase",
        "sources",
        "document",
        "url",
        "quote_checks",
        "copy_text",
    }
    assert (top["n"], top["id"], top["theme"], top["kind"]) == (1, 27, "training", "quote")
    assert [(s["n"], s["status"], s["kind"]) for s in top["sources"]] == [(2, "partial", "post on X")]
    assert [(c["status"], c["how"]) for c in top["quote_checks"]] == [
        ("not available", "which work it is from is not identified (post on X)")
    ]
    assert len(data["citations"]) <= 2  # k is a maximum: only cards close to the best are shown
    assert "keywords" not in result.output and "questions" not in result.output  # curated enrichment stays inside


def test_search_stdin_prints_one_json_line_per_question(run):
    result = run("search", "-", input="data engine?\n\nis AGI definable\n")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert [json.loads(line)["question"] for line in lines] == ["data engine?", "is AGI definable"]
    assert json.loads(lines[0])["citations"][0]["id"] == 11


def test_search_human_output(run):
    result = run("search", "best pizza in Naples")
    assert result.exit_code == 0
    assert result.output.startswith("(nothing in the corpus is on that topic; closest insights:)\n1. #")


def test_ask_prints_cited_answer_and_json(run):
    result = run("ask", "what would Karpathy say about the data engine?")
    assert result.exit_code == 0
    assert '[1] Karpathy said: "Competitive advantage in AI' in result.output
    data = json.loads(run("ask", "data engine?", "--json").output)
    assert data["citations"][0]["id"] == 11
    assert data["citations"][0]["copy_text"]["plain"].startswith('"Competitive advantage in AI')
    assert data["citations"][0]["quote_checks"][0]["status"] == "not available"


@pytest.mark.parametrize(
    "question, message",
    [("", "The question is empty"), ("   ", "The question is empty"), ("x" * 5000, "The question is too long")],
)
def test_bad_question_exits_nonzero_with_one_clear_line(run, question, message):
    for command in ("ask", "search"):
        result = run(command, question)
        assert result.exit_code == 1
        assert result.output.startswith(f"Error: {message}")
        assert "Traceback" not in result.output


def test_bad_options_are_usage_errors(run):
    assert run("ask", "hi", "-k", "0").exit_code == 2
    assert run("search", "hi", "--theme", "cooking").exit_code == 2


def test_broken_corpus_is_a_clear_error(corpus_copy):
    path = corpus_copy / "insights.toml"
    path.write_text(path.read_text().replace('theme = "future"', 'theme = "past"', 1))
    result = CliRunner().invoke(cli, ["ask", "agi"], env={"ASK_KARPATHY_CORPUS_DIR": str(corpus_copy)})
    assert result.exit_code == 1
    assert "insights.toml:" in result.output and "field 'theme'" in result.output


def test_index_and_eval_commands(run, settings, tmp_path):
    env = {"ASK_KARPATHY_INDEX_DIR": str(settings.index_dir), "ASK_KARPATHY_DATA_DIR": str(settings.data_dir)}
    result = CliRunner().invoke(cli, ["index"], env=env)  # loads the index itself: up to date, nothing built
    assert result.exit_code == 0 and "index: 50 passages, model all-mpnet-base-v2+adapter (768-dim)" in result.output
    report = json.loads(run("eval", "--json").output)
    assert report["n_on_topic"] >= 150 and report["n_off_topic"] >= 25
    # the report for people, on a few of the same questions (the scores themselves: tests/offline/)
    few = tmp_path / "few.jsonl"
    few.write_text("".join((REPO_DIR / "corpus" / "dev_questions.jsonl").read_text().splitlines(True)[:12]))
    result = run("eval", "--questions", str(few), "--worst", "3")
    assert result.exit_code == 0
    assert "hit@1" in result.output and "worst 3 questions (sorted by loss):" in result.output


def test_index_command_indexes_ingested_passages_too(tmp_path, seed_index):
    seed_index(tmp_path / "index")  # only the ingested passages are embedded
    data = tmp_path / "data"
    env = {"ASK_KARPATHY_INDEX_DIR": str(tmp_path / "index"), "ASK_KARPATHY_DATA_DIR": str(data)}
    ingested = CliRunner().invoke(cli, ["ingest", str(FIXTURES / "talks.jsonl")], env=env)
    assert ingested.exit_code == 0, ingested.output
    rebuilt = CliRunner().invoke(cli, ["index", "--force"], env=env)
    passages = len(load_corpus(REPO_DIR / "corpus", load_passages(data / "passages.jsonl")).keys())
    assert passages > 50 and f"index: {passages} passages" in rebuilt.output
    asked = CliRunner().invoke(cli, ["search", "why sort my data by loss"], env=env)
    assert asked.exit_code == 0 and "index: building" not in asked.output  # up to date: nothing rebuilt


def test_console_script_is_installed():
    exe = os.path.join(os.path.dirname(sys.executable), "ask-karpathy")
    out = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    for command in ("ask", "search", "index", "eval"):
        assert command in out.stdout
