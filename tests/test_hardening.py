"""Bad input, hostile documents and bounds: each gets one clear line, and nothing hostile reaches a user.

Invalid UTF-8 on argv and stdin, one bad line in `search -`, escape sequences in an ingested document,
javascript: links and HTML in its metadata, absolute paths, oversized files, forgetting a document,
re-ingesting without a rebuild, a stale index that cannot be written, and a kill mid-export.
"""

import errno
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from gradio_client import Client
from gradio_client.exceptions import AppError, AuthenticationError
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from app import storage
from app.cli import cli
from app.config import REPO_DIR
from app.retrieval.embedder import ONNX_FILE
from app.corpus.ingest import ingest, load_passages, remove
from app.corpus.records import CorpusError
from app.load import load

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
CLI = "import sys; from app.cli import main; sys.argv[0] = 'ask-karpathy'; main()"
HOSTILE = """---
title: "<img src=x onerror=alert(1)>Debugging <b>tiny</b> [models](javascript:alert(1))"
author: Andrej Karpathy
---

Overfit a single batch of zebra giraffe examples first \x1b[31mred\x1b[0m then\x00 stop\x1b]52;c;ZXZpbA==\x07 here.
"""


@pytest.fixture
def workspace(tmp_path, seed_index):
    """An index and data folder of this test's own (seeded with the session's index), and a CLI run in it."""
    seed_index(tmp_path / "index")
    env = {"ASK_KARPATHY_INDEX_DIR": str(tmp_path / "index"), "ASK_KARPATHY_DATA_DIR": str(tmp_path / "data")}

    def run(*args, input=None, **extra_env):
        return CliRunner().invoke(cli, list(args), input=input, env={**env, **extra_env})

    return tmp_path, run


def test_invalid_utf8_in_argv_is_one_line():
    result = subprocess.run(
        [sys.executable, "-c", CLI, "ask", b"caf\xe9 \xff"],
        cwd=REPO_DIR,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO_DIR)},
    )
    assert (result.returncode, result.stdout, result.stderr) == (
        1,
        "",
        "Error: The question is not valid UTF-8 text.\n",
    )


def test_one_bad_line_in_search_stdin_is_reported_and_the_others_answered(workspace):
    _, run = workspace
    stdin = b"hiring\n\xff\xfe not utf-8\n" + b"x" * 3000 + b"\n   \ndata engine\n"
    result = run("search", "-", input=stdin)
    assert result.exit_code == 1 and result.stderr == (
        "Error: 2 of 4 lines could not be searched (their JSON says why)\n"
    )
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line.get("error") for line in lines] == [
        None,
        "The question is not valid UTF-8 text.",
        "The question is too long (3,000 characters; the limit is 2,000).",
        None,
    ]
    assert [line.get("line") for line in lines] == [None, 2, 3, None]
    assert lines[0]["citations"] and lines[3]["question"] == "data engine"


def test_escape_sequences_from_a_document_never_reach_the_terminal(workspace):
    root, run = workspace
    (root / "docs").mkdir()
    (root / "docs" / "hostile.md").write_text(HOSTILE)
    assert run("ingest", str(root / "docs")).exit_code == 0
    human = run("ask", "overfit a batch of zebra giraffe examples")
    assert human.exit_code == 0 and "zebra giraffe" in human.stdout
    for control in ("\x1b", "\x00", "\x07", "]52;"):
        assert control not in human.stdout
    listed = run("search", "zebra giraffe examples")
    assert listed.exit_code == 0 and "\x1b" not in listed.stdout
    as_json = run("ask", "overfit a batch of zebra giraffe examples", "--json")
    assert "\x1b" not in as_json.stdout and "\x00" not in as_json.stdout
    passage = next(c for c in json.loads(as_json.stdout)["citations"] if c["kind"] == "passage")
    assert "\x1b[31mred\x1b[0m then\x00 stop" in passage["quotes"][0]  # JSON keeps the exact text, escaped


def test_html_and_links_in_a_title_never_reach_copied_citations(workspace):
    root, run = workspace
    (root / "hostile.md").write_text(HOSTILE)
    ingest([root / "hostile.md"], root / "data" / "passages.jsonl")
    doc = load_passages(root / "data" / "passages.jsonl")[0].doc
    assert doc.title == "Debugging tiny models"
    answer = json.loads(run("ask", "overfit a batch of zebra giraffe examples", "--json").stdout)
    passage = next(c for c in answer["citations"] if c["kind"] == "passage")
    for text in passage["copy_text"].values():
        assert "<" not in text and "javascript:" not in text


@pytest.mark.parametrize(
    "name, content",
    [
        ("post.md", "---\ntitle: A post\nurl: javascript:alert(1)\n---\n\nSome words here.\n"),
        ("post.md", "---\ntitle: A post\nurl: ' JAVASCRIPT:alert(1)'\n---\n\nSome words here.\n"),
        ("talks.jsonl", '{"text": "Some words here.", "url": "data:text/html,<script>alert(1)</script>"}\n'),
    ],
)
def test_a_non_web_url_in_metadata_is_refused_at_ingest(tmp_path, name, content):
    (tmp_path / name).write_text(content)
    with pytest.raises(CorpusError, match=r"is not an http\(s\) address"):
        ingest([tmp_path / name], tmp_path / "passages.jsonl")
    assert not (tmp_path / "passages.jsonl").exists()


def test_answers_name_an_ingested_file_relative_to_its_folder(workspace):
    root, run = workspace
    shutil.copytree(FIXTURES, root / "docs" / "notes")
    assert run("ingest", str(root / "docs")).exit_code == 0
    for args in (["ask", "when should I water tomatoes?", "--json"], ["ask", "when should I water tomatoes?"]):
        result = run(*args)
        assert result.exit_code == 0 and "notes/garden-notes.txt" in result.stdout
        assert str(root) not in result.stdout and "/tmp" not in result.stdout


def test_a_file_over_the_size_limit_is_refused(workspace):
    root, run = workspace
    big = root / "big.txt"
    big.write_text("Words and more words.\n\n" * 10_000)
    result = run("ingest", str(big), ASK_KARPATHY_MAX_INGEST_BYTES="100000")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {big}: 0.2 MB is over the 0.1 MB limit for one file; split it, or raise "
        "ASK_KARPATHY_MAX_INGEST_BYTES\n"
    )
    assert not (root / "data" / "passages.jsonl").exists()


def test_many_passages_warn_with_the_memory_they_take(workspace):
    _, run = workspace
    result = run("ingest", str(FIXTURES), ASK_KARPATHY_WARN_PASSAGES="2")
    assert result.exit_code == 0
    assert "ingest: warning: 6 passages will take about 0.0 GB of memory" in result.stderr


def test_reingesting_one_unchanged_file_of_a_folder_changes_nothing_and_rebuilds_nothing(workspace):
    root, run = workspace
    shutil.copytree(FIXTURES, root / "docs")
    assert run("ingest", str(root / "docs")).exit_code == 0
    stored = (root / "data" / "passages.jsonl").read_bytes()
    again = run("ingest", str(root / "docs" / "garden-notes.txt"))
    assert again.exit_code == 0 and "1 unchanged" in again.stdout
    assert (root / "data" / "passages.jsonl").read_bytes() == stored
    assert "index:" not in again.stderr  # nothing rebuilt, nothing embedded
    edited = root / "docs" / "garden-notes.txt"
    edited.write_text(edited.read_text().replace("Basil", "Mint"))
    order = [p.id for p in load_passages(root / "data" / "passages.jsonl")]
    assert run("ingest", str(edited)).exit_code == 0
    assert [p.id for p in load_passages(root / "data" / "passages.jsonl")] == order  # replaced in place


def test_a_document_can_be_forgotten(workspace):
    root, run = workspace
    shutil.copytree(FIXTURES, root / "docs")
    assert run("ingest", str(root / "docs")).exit_code == 0
    (root / "docs" / "garden-notes.txt").unlink()  # gone from disk: still forgettable by its path
    result = run("ingest", "--remove", str(root / "docs" / "garden-notes.txt"))
    assert result.exit_code == 0 and result.stdout.startswith("ingest: removed 1 documents;")
    left = load_passages(root / "data" / "passages.jsonl")
    assert left and not any(p.doc.key == "garden-notes" for p in left)
    answer = run("ask", "when should I water tomatoes?", "--json")
    assert not any("garden-notes" in str(c["id"]) for c in json.loads(answer.stdout)["citations"])
    with pytest.raises(CorpusError, match="no ingested document there"):
        remove([str(root / "elsewhere.md")], root / "data" / "passages.jsonl")
    assert run("ingest").exit_code == 2  # neither paths nor --remove: a usage error


def test_a_stale_index_that_cannot_be_written_is_one_line(workspace, monkeypatch):
    root, run = workspace
    (root / "index" / "manifest.json").write_text("{}")  # stale: must be rebuilt
    if os.geteuid() == 0:  # root writes anywhere: make the directory refuse as a read-only one would

        def refuse(directory):
            raise PermissionError(errno.EACCES, "Permission denied", str(directory / storage.LOCK_FILE))

        monkeypatch.setattr(storage, "build_lock", refuse)
    else:
        (root / "index").chmod(0o555)
    try:
        result = run("ask", "hiring")
    finally:
        (root / "index").chmod(0o755)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == (
        f"Error: {root / 'index'} must be rebuilt ({root / 'index' / 'manifest.json'} is corrupt) "
        "but cannot be written (Permission denied): make it writable, or point "
        "ASK_KARPATHY_INDEX_DIR at a writable directory\n"
    )


KILLED_EXPORT = """
import os, sys, time
from pathlib import Path
from app.retrieval.embedder import query_embedder

def hang(fd):  # the temp file is written; the process dies before it is renamed into place
    Path(sys.argv[2]).touch()
    time.sleep(600)

os.fsync = hang
query_embedder("all-mpnet-base-v2", Path(sys.argv[1]), force=True)
"""


def test_a_kill_during_the_onnx_export_leaves_no_temp_file_behind(workspace, settings):
    root, _ = workspace
    marker = root / "writing"
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_EXPORT, str(root / "index"), str(marker)],
        cwd=REPO_DIR,
        env={**os.environ, "PYTHONPATH": str(REPO_DIR)},
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 300
    while not marker.exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    leftovers = list((root / "index").glob(f".{ONNX_FILE}.*.tmp"))
    assert len(leftovers) == 1 and leftovers[0].stat().st_size > 0
    searcher = load(settings.model_copy(update={"index_dir": root / "index"}))  # up to date: no build
    assert searcher.search("hiring").hits
    assert not list((root / "index").glob("*.tmp")) and not list((root / "index").glob(".*.tmp"))


def as_dict(result) -> dict:
    """An /ask or /search result: the contract as a dict, or as the JSON text of it."""
    return json.loads(result) if isinstance(result, str) else result


# The web server: wrong types, authentication, uploads, exposure


@pytest.fixture(scope="module")
def guarded_url(serve_app):
    """The app served as `serve --auth` serves it, on loopback."""
    with serve_app(auth=("reader", "secret")) as url:
        yield url


@pytest.fixture(scope="module")
def client(guarded_url):
    return Client(guarded_url, verbose=False, auth=("reader", "secret"))


def mcp_call(url: str, tool: str, arguments: dict, run_async) -> str:
    async def call():
        async with streamable_http_client(f"{url}gradio_api/mcp/") as (read, write, _):
            async with ClientSession(read, write) as session:
                await session.initialize()
                return (await session.call_tool(tool, arguments)).content[0].text

    return run_async(call())


@pytest.mark.parametrize("endpoint", ["/ask", "/search", "/what_would_karpathy_say"])
@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"question": None}, "The question must be text."),
        ({"question": 42}, "The question must be text."),
        ({"question": ["hiring"]}, "The question must be text."),
        ({"question": "hiring", "k": "3"}, "k must be a number from 1 to 10."),
        ({"question": "hiring", "k": "many"}, "k must be a number from 1 to 10."),
        ({"question": "hiring", "theme": 5}, "Unknown theme 5"),
    ],
)
def test_wrong_types_on_every_endpoint_get_one_short_message(client, endpoint, kwargs, message):
    with pytest.raises(AppError, match=re.escape(message)):
        client.predict(**kwargs, api_name=endpoint)


@pytest.mark.parametrize("previous", ["why sort my data by loss", ["why sort my data by loss", 7], {"q": 1}])
def test_previous_questions_must_be_a_list_of_text(client, previous):
    with pytest.raises(AppError, match=re.escape("previous_questions must be a list of questions (text).")):
        client.predict(question="why?", previous_questions=previous, api_name="/ask")


def test_a_huge_conversation_history_is_read_only_at_its_end(client):
    # 40,000 questions: as many as fit in one request (ASK_KARPATHY_MAX_REQUEST_BYTES, 2 MB)
    history = ["what would Karpathy say about AGI?"] * 40_000 + ["why sort my data by loss"]
    answer = as_dict(client.predict(question="tell me more", previous_questions=history, api_name="/ask"))
    # read after the last question only: "tell me more" asks for more on it, so #27, shown there, is not repeated
    assert answer["question"] == "more on: sort my data by loss"
    assert 27 not in [c["id"] for c in answer["citations"]]


def test_auth_guards_the_page_the_api_mcp_and_uploads(guarded_url, client, run_async):
    with pytest.raises(AuthenticationError):
        Client(guarded_url, verbose=False)
    for path in ("gradio_api/info", "config"):
        assert httpx.get(guarded_url + path).status_code == 401
    assert "credentials were not provided" in mcp_call(guarded_url, "ask", {"question": "hiring"}, run_async)
    assert httpx.post(guarded_url + "gradio_api/upload", files={"files": ("a.txt", b"x")}).status_code == 403
    with httpx.Client() as session:
        assert session.post(guarded_url + "login", data={"username": "reader", "password": "secret"}).status_code == 200
        # uploads are off for everyone (app/web/limits.py), logged in or not
        assert session.post(guarded_url + "gradio_api/upload", files={"files": ("a.txt", b"x")}).status_code == 403
    assert as_dict(client.predict(question="hiring", api_name="/search"))["citations"]


@pytest.mark.parametrize(
    "host, auth, warned",
    [
        ("127.0.0.1", None, None),
        ("::1", None, None),
        ("0.0.0.0", None, "with no password (add --auth USER:PASSWORD)"),
        ("192.168.1.20", ("u", "p"), "behind the --auth password"),
    ],
)
def test_serve_names_what_a_non_loopback_address_exposes_and_removes_its_temp_files(
    monkeypatch, capsys, host, auth, warned, searcher
):
    import app.web.server as server
    import app.web.app as web

    launched = {}

    def fake_launch(app, host, port, **kwargs):  # what `serve` hands Gradio, without opening a port
        temp = Path(os.environ["GRADIO_TEMP_DIR"])
        (temp / "upload.txt").write_text("an upload")
        launched.update(kwargs, temp=temp)

    monkeypatch.setattr(server, "check_port", lambda host, port: None)
    monkeypatch.setattr(web, "launch", fake_launch)
    monkeypatch.setattr(web, "build_app", lambda searcher: None)
    monkeypatch.setattr(server, "load", lambda settings: searcher)
    server.serve(host, 7999, auth=auth)
    err = capsys.readouterr().err
    if warned is None:
        assert err == ""
    else:
        assert err.startswith(
            f"serve: warning: listening on {host}:7999: anyone who can reach it can use the chat "
            "page, the API (/ask, /search, /what_would_karpathy_say) and the MCP tool"
        )
        assert err.endswith(warned + "\n")
    assert launched["auth"] == auth and not launched["temp"].exists()


def test_serve_auth_must_be_user_and_password():
    result = CliRunner().invoke(cli, ["serve", "--auth", "nopassword"])
    assert result.exit_code == 2 and "USER:PASSWORD" in result.output
