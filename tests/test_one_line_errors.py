"""Inputs that were tracebacks (issue 24, list 8), each now one clear line, and the API and MCP a message.

Each test feeds the input a user or a client could send and checks the one line they see.
"""

import json
import os
import re
import resource
import shutil
import subprocess
import sys

import gradio as gr
import httpx
import pytest
from click.testing import CliRunner
from gradio_client import Client
from gradio_client.exceptions import AppError

import app.web.app as web
from app.cli import _base_url, cli
from app.config import REPO_DIR
from app.corpus.ingest import ingest

CLI = "import sys; from app.cli import main; sys.argv[0] = 'ask-karpathy'; main()"


@pytest.fixture
def run(tmp_path, seed_index):
    """The CLI in an index and data folder of this test's own (seeded with the session's index)."""
    seed_index(tmp_path / "index")
    env = {"ASK_KARPATHY_INDEX_DIR": str(tmp_path / "index"), "ASK_KARPATHY_DATA_DIR": str(tmp_path / "data")}

    def invoke(*args, **extra_env):
        return CliRunner().invoke(cli, list(args), env={**env, **extra_env})

    return invoke


def one_line(result, exit_code: int = 1) -> str:
    assert result.exit_code == exit_code and result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception
    )
    assert result.stderr.count("\n") == 1, result.stderr
    return result.stderr.strip()


def test_after_with_invalid_utf8_is_one_line(run):
    assert one_line(run("ask", "why?", "--after", "caf\udce9")) == "Error: An --after question is not valid UTF-8 text."


@pytest.mark.parametrize(
    "line, said",
    [
        ({"q": "", "ids": [27]}, "question 1: The question is empty"),
        ({"q": "hiring", "ids": [99999]}, "question 1: no insight or passage with id 99999"),
    ],
)
def test_eval_with_an_empty_question_or_an_unknown_id_is_one_line(run, tmp_path, line, said):
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps(line) + "\n")
    assert one_line(run("eval", "--questions", str(questions))).startswith(f"Error: {questions}: {said}")


def test_feedback_on_a_binary_file_is_one_line(run, tmp_path):
    log = tmp_path / "log.bin"
    log.write_bytes(bytes(range(256)) * 4)
    assert one_line(run("feedback", "--log", str(log))).startswith(f"Error: {log} is not a feedback log")


def test_a_base_url_that_is_not_an_address_is_a_usage_error_and_a_remote_one_warns(run, capsys):
    result = run("ask", "hiring", "--mode", "local", "--backend", "http", "--base-url", "::::")
    assert result.exit_code == 2 and "'::::' is not an http(s) address" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    # checked without contacting it: only the argument is read
    assert _base_url("http://192.0.2.7:11434/v1") == "http://192.0.2.7:11434/v1"
    assert capsys.readouterr().err == (
        "ask: warning: --base-url http://192.0.2.7:11434/v1: the question and the passages will be sent to 192.0.2.7\n"
    )
    _base_url("http://localhost:11434/v1")
    assert capsys.readouterr().err == ""


def test_a_file_name_that_is_not_utf8_is_skipped_with_a_line(run, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "ok.md").write_text("Overfit a single batch first.")
    with open(os.path.join(os.fsencode(docs), b"caf\xe9.md"), "w") as f:
        f.write("Some words.")
    report = ingest([docs], tmp_path / "passages.jsonl")
    assert report.added == [str(docs / "ok.md")]
    assert report.skipped == [f"{docs}/caf\udce9.md: its name is not UTF-8, skipped (rename it)"]
    # click's test stderr, like a terminal's, would print the name's bytes escaped (\udce9), not fail
    result = run("ingest", str(docs))
    assert result.exit_code == 0 and result.exception is None, result.output
    assert f"ingest: {docs}/caf\ufffd.md: its name is not UTF-8, skipped (rename it)\n" in result.stderr


def test_a_folder_where_an_index_file_or_the_passage_store_should_be_is_one_line(run, tmp_path):
    (tmp_path / "index" / "vectors.faiss").unlink()
    (tmp_path / "index" / "vectors.faiss").mkdir()
    assert one_line(run("ask", "hiring")) == (
        f"Error: {tmp_path / 'index' / 'vectors.faiss'} is a folder where a file of the index should be; move it away"
    )
    shutil.rmtree(tmp_path / "index" / "vectors.faiss")
    (tmp_path / "data" / "passages.jsonl").mkdir(parents=True)
    assert one_line(run("ask", "hiring")) == (
        f"Error: {tmp_path / 'data' / 'passages.jsonl'} is a folder, not the passage store; move it away"
    )


def test_keywords_nested_5000_deep_are_one_line(run, corpus_copy):
    toml = corpus_copy / "insights.toml"
    text = toml.read_text()
    at = text.index("keywords = ")
    toml.write_text(text[:at] + "keywords = " + "[" * 5000 + "]" * 5000 + "\n#" + text[at + len("keywords = ") :])
    assert one_line(run("ask", "hiring", ASK_KARPATHY_CORPUS_DIR=str(corpus_copy))) == (
        f"Error: {toml}: not valid TOML: arrays or tables nested too deep"
    )


def small_files():  # `ulimit -f 64`: no file the process writes may pass 64 KB
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))


def ingest_in_small_files(tmp_path, seed_index, document) -> subprocess.CompletedProcess:
    """`ask-karpathy ingest DOCUMENT` in a process of its own (the limit is the process's) on a seeded index."""
    seed_index(tmp_path / "index")
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_DIR),
        "ASK_KARPATHY_DATA_DIR": str(tmp_path / "d"),
        "ASK_KARPATHY_INDEX_DIR": str(tmp_path / "index"),
    }
    return subprocess.run(
        [sys.executable, "-c", CLI, "ingest", str(document)],
        cwd=REPO_DIR,
        capture_output=True,
        text=True,
        env=env,
        preexec_fn=small_files,
        timeout=600,
    )


def test_a_file_size_limit_during_ingest_is_one_line(tmp_path, seed_index):
    long = tmp_path / "long.md"
    long.write_text("\n\n".join(f"Paragraph {i} about training neural networks." for i in range(3000)))
    stored = ingest_in_small_files(tmp_path, seed_index, long)
    assert (stored.returncode, stored.stderr) == (
        1,
        f"Error: cannot write {tmp_path / 'd' / 'passages.jsonl'} "
        "(File too large); set ASK_KARPATHY_DATA_DIR to a writable directory\n",
    )


def test_a_file_size_limit_during_the_build_after_ingest_is_one_line(tmp_path, seed_index):
    # a small document is stored, but the index rebuilt after it (vectors of every record) is larger
    short = tmp_path / "short.md"
    short.write_text("Overfit a single batch first, then grow the model.")
    built = ingest_in_small_files(tmp_path, seed_index, short)
    assert built.returncode == 1 and "Traceback" not in built.stderr
    assert built.stderr.splitlines()[-1].startswith(f"Error: {tmp_path / 'index'} must be rebuilt (")
    assert built.stderr.splitlines()[-1].endswith(
        "cannot be written (File too large): make it writable, or point ASK_KARPATHY_INDEX_DIR at a writable directory"
    )


def raw_call(url: str, endpoint: str, data: str) -> str:
    """An API call with its JSON written by hand: a lone surrogate ("\\udce9") is valid JSON, but no client
    library will encode one. Returns the event stream of the answer."""
    posted = httpx.post(
        f"{url}gradio_api/call/{endpoint}",
        content='{"data": ' + data + "}",
        headers={"content-type": "application/json"},
    )
    posted.raise_for_status()
    return httpx.get(f"{url}gradio_api/call/{endpoint}/{posted.json()['event_id']}", timeout=60).text


@pytest.mark.parametrize("endpoint", ["ask", "search", "what_would_karpathy_say"])
def test_a_lone_surrogate_in_a_question_gets_a_message_not_error(web_url, endpoint):
    said = raw_call(web_url, endpoint, '["caf\\udce9", 3, ""' + ("]" if endpoint == "search" else ", null]"))
    assert "event: error" in said and "The question is not valid UTF-8 text." in said
    if endpoint != "search":
        said = raw_call(web_url, endpoint, '["why?", 3, "", ["caf\\udce9"]]')
        assert "previous_questions must be valid UTF-8 text." in said


def test_a_theme_that_is_a_list_gets_a_message(web_url):
    with pytest.raises(AppError, match=re.escape("Unknown theme ['training']")):
        Client(web_url, verbose=False).predict(question="hiring", theme=["training"], api_name="/ask")


def test_page_events_without_event_data_do_nothing_or_say_why(searcher):
    chat = web.Chat(searcher)
    assert chat.vote([], gr.EventData(None, None)) == (gr.skip(), gr.skip())
    assert chat.why([], gr.EventData(None, None)) == (gr.skip(), gr.skip())
    [(_, _, _, said)] = list(chat.ask_from_page([], 3, "", "extractive", gr.EventData(None, None)))
    assert "The question must be text." in said


def test_control_characters_never_reach_the_terminal_from_error_lines_or_feedback(run, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    name = "\x1b]0;owned\x07\x1b[2Jpost\u202e.md"  # sets the window title, clears the screen, reverses text
    (docs / name).write_text("---\nurl: javascript:alert(1)\n---\n\nOverfit a single batch.\n")
    error = one_line(run("ingest", str(docs)))
    assert error.startswith("Error: ") and "post.md: front matter: url" in error
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", error)
    log = tmp_path / "feedback.jsonl"
    log.write_text(
        json.dumps({"answer_id": "a", "question": "a\u202eb\x9b2Jc\x1b[31m", "liked": False, "why": "x\u2066y"}) + "\n"
    )
    result = run("feedback", "--log", str(log))
    assert result.exit_code == 0
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", result.stdout)
    assert json.loads(result.stdout)["q"] == "a\u202eb\x9b2Jc\x1b[31m"  # a parser still gets the exact text


def test_the_page_neutralises_bidi_overrides_in_ingested_text():
    from app.web.render import e

    assert e("photo of a cat \u202egpj.exe") == "photo of a cat gpj.exe"
    assert e("<b>\u2066x\u2069</b>") == "&lt;b&gt;x&lt;/b&gt;"
