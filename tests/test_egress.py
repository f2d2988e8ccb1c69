"""Nothing leaves the machine: every command, traced at the system-call level.

Patching Python's `socket` (tests/test_reliability.py) cannot see native code: ONNX Runtime's telemetry,
llama.cpp or a compiled dependency would connect from C. Here each command runs under strace, which
records every connect/sendto/sendmsg/sendmmsg of the process and its threads and children; any of them
aimed at an address other than loopback or a Unix socket fails the test, and so does any DNS query
(even to a resolver on loopback: a lookup names the host it wants to reach). HOME is a temp folder, so
anything written under ~/.cache by a library's telemetry is seen too. `make test` installs strace.
The server is traced from start to stop while every public route is used: the API, each MCP tool (an MCP
tools/call made Gradio build a gradio_client.Client, which asked huggingface.co for its "agent harnesses"
until app/__init__.py switched the hub off), a vote, with and without --auth.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from gradio_client import Client
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from app.config import REPO_DIR
from conftest import page_event

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
STRACE = shutil.which("strace")
TRACED = "connect,sendto,sendmsg,sendmmsg"
CLI = "import sys; from app.cli import main; sys.argv[0] = 'ask-karpathy'; main()"
NOT_INHERITED = ("HF_", "TRANSFORMERS_", "GRADIO_", "ORT_", "DO_NOT_TRACK")
ADDRESS = re.compile(r"sa_family=(AF_\w+)(.*?)\}")


def outbound(log: str) -> list[str]:
    """The traced calls that reach past this machine: to a non-loopback address, or DNS on any address."""
    bad = []
    for line in log.splitlines():
        for family, rest in ADDRESS.findall(line):
            port = re.search(r"htons\((\d+)\)", rest)
            if port and port[1] == "53":
                bad.append(line)
            elif family == "AF_INET":
                if not re.search(r'inet_addr\("127\.', rest):
                    bad.append(line)
            elif family == "AF_INET6":
                if not re.search(r'"(::1|::ffff:127\.[\d.]+)"', rest):
                    bad.append(line)
            elif family not in ("AF_UNIX", "AF_NETLINK", "AF_UNSPEC"):  # AF_UNSPEC: a UDP socket's disconnect
                bad.append(line)
    return bad


@pytest.fixture(scope="module")
def env(tmp_path_factory, settings, searcher):
    if STRACE is None:
        pytest.fail("strace is not installed: `make test` installs it (apt-get install strace)")
    root = tmp_path_factory.mktemp("egress")
    shutil.copytree(settings.index_dir, root / "index")  # the session's index and ONNX export
    (root / "home").mkdir()
    # what this pytest process switched off (building the index here sets HF_HUB_OFFLINE) must not be
    # inherited: each command has to switch it off itself
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(NOT_INHERITED)}
    return {
        **inherited,
        "HOME": str(root / "home"),
        "PYTHONPATH": str(REPO_DIR),
        "ASK_KARPATHY_INDEX_DIR": str(root / "index"),
        "ASK_KARPATHY_DATA_DIR": str(root / "data"),
    }


def traced(env: dict, log: Path, *args: str, **popen) -> subprocess.Popen:
    return subprocess.Popen(
        [
            STRACE,
            "-f",
            "-qq",
            "--seccomp-bpf",
            "-e",
            f"trace={TRACED}",
            "-e",
            "signal=none",
            "-s",
            "120",
            "-o",
            str(log),
            sys.executable,
            "-c",
            CLI,
            *args,
        ],
        cwd=REPO_DIR,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **popen,
    )


def run_traced(env: dict, log: Path, *args: str, input: str | None = None) -> str:
    proc = traced(env, log, *args, stdin=subprocess.PIPE)
    out, err = proc.communicate(input, timeout=600)
    assert proc.returncode == 0, err
    assert outbound(log.read_text()) == []
    return out


def assert_no_telemetry_files(env: dict):
    home = Path(env["HOME"])
    assert not (home / ".cache" / "Microsoft").exists()  # ONNX Runtime's telemetry queue (onnxruntime.db)
    assert not list(home.rglob("*.db"))


def test_the_commands_make_no_outbound_connection(env, tmp_path):
    assert json.loads(run_traced(env, tmp_path / "ask.log", "ask", "why sort my data by loss", "--json"))["citations"]
    lines = run_traced(env, tmp_path / "search.log", "search", "-", input="hiring\ndata engine\n").splitlines()
    assert len(lines) == 2
    run_traced(
        env, tmp_path / "ingest.log", "ingest", str(FIXTURES), "--author", "Andrej Karpathy"
    )  # embeds with torch
    assert "passage" in run_traced(env, tmp_path / "ask2.log", "ask", "overfit a single batch", "--json")
    assert_no_telemetry_files(env)


def test_a_local_model_answer_makes_no_outbound_connection(env, tmp_path):
    pytest.importorskip("llama_cpp", reason="the `local` extra (llama-cpp-python) is not installed")
    out = run_traced(
        env,
        tmp_path / "local.log",
        "ask",
        "how should I start training a neural network?",
        "--mode",
        "local",
        "--backend",
        "llama-cpp",
        "--json",
    )
    assert json.loads(out)["local"]["verified"]  # the model ran (its sentences checked, kept or not)
    assert_no_telemetry_files(env)


def as_dict(result) -> dict:
    """An /ask or /search result: the contract as a dict, or as the JSON text of it."""
    return json.loads(result) if isinstance(result, str) else result


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(url: str, proc: subprocess.Popen, timeout: float = 300):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read()
        try:
            httpx.get(url + "gradio_api/info", timeout=2)  # any answer, 401 behind --auth included
            return
        except httpx.TransportError:
            time.sleep(0.5)
    pytest.fail("the server did not start")


MCP_TOOLS = {
    "ask": {"question": "hiring"},
    "what_would_karpathy_say": {"question": "hiring"},
    "search": {"question": "data engine", "k": 2},
}


def mcp_calls(url: str, run_async) -> dict[str, str]:
    """Every MCP tool called once over streamable HTTP: tool name -> the text it returned."""

    async def calls():
        async with streamable_http_client(f"{url}gradio_api/mcp/") as (read, write, _):
            async with ClientSession(read, write) as session:
                await session.initialize()
                assert {t.name for t in (await session.list_tools()).tools} == set(MCP_TOOLS)
                return {name: (await session.call_tool(name, args)).content[0].text for name, args in MCP_TOOLS.items()}

    return run_async(calls())


@pytest.mark.parametrize("auth", [None, ("reader", "secret")], ids=["open", "auth"])
def test_a_running_server_makes_no_outbound_connection(env, tmp_path, auth, run_async):
    port = _free_port()
    log = tmp_path / "serve.log"
    env = {**env, "TMPDIR": str(tmp_path / "tmp"), "ASK_KARPATHY_DATA_DIR": str(tmp_path / "data")}
    (tmp_path / "tmp").mkdir()
    # Ctrl-C stops it below: a test run started in the background by a shell without job control inherits
    # SIGINT ignored, and so would the server, which would then never stop
    proc = traced(
        env,
        log,
        "serve",
        "--port",
        str(port),
        *(["--auth", ":".join(auth)] if auth else []),
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait_until_up(url, proc)  # ready: the index is loaded and the routes answer
        client = Client(url, verbose=False, auth=auth)
        assert as_dict(client.predict(question="what would Karpathy say about hiring?", api_name="/ask"))["citations"]
        assert as_dict(client.predict(question="data engine", k=2, api_name="/search"))["citations"]
        tools = mcp_calls(url, run_async)  # with --auth each is refused, without it each answers
        if auth:
            assert all("credentials were not provided" in text for text in tools.values())
        else:
            assert json.loads(tools["ask"])["citations"] and "[1]" in tools["what_would_karpathy_say"]
        with httpx.Client(timeout=60) as http:
            if auth:
                assert http.post(url + "login", data=dict(zip(["username", "password"], auth))).status_code == 200
            assert http.get(url).status_code == 200  # the page itself
            http.get(url + "gradio_api/mcp/schema").raise_for_status()
            asked = page_event(url, "submit", ["hiring", [], 3, "", "extractive"], http=http)
            turns = asked["output"]["data"][1]
            voted = page_event(url, "vote", [turns], {"turn": turns[0]["id"], "liked": False}, http=http)
            assert voted["success"]
        assert len((Path(env["ASK_KARPATHY_DATA_DIR"]) / "feedback.jsonl").read_text().splitlines()) == 1
    finally:
        # the server is the traced Python process: strace's only child
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        for pid in children:
            os.kill(int(pid), signal.SIGINT)
        try:
            proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:  # it did not stop on Ctrl-C: stopped anyway, and the test fails
            for pid in children:
                os.kill(int(pid), signal.SIGKILL)
            proc.communicate(timeout=60)
            raise
    trace = log.read_text()
    assert f"htons({port})" in trace  # the trace is the server's: Gradio checks its own address on start
    assert outbound(trace) == []
    assert_no_telemetry_files(env)
    assert not (Path(env["HOME"]) / ".cache" / "huggingface").exists()  # the hub's agent-harness cache
    assert list(Path(env["TMPDIR"]).iterdir()) == []  # Gradio's temp folder went with the server


def test_the_trace_check_catches_what_it_must():
    sample = "\n".join(
        [
            '1 connect(3, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("20.42.65.92")}, 16) = 0',
            '1 connect(3, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("127.0.0.11")}, 16) = 0',
            '1 sendto(4, "x", 1, 0, {sa_family=AF_INET6, sin6_port=htons(9), sin6_flowinfo=htonl(0), '
            'inet_pton(AF_INET6, "2001:db8::1", &sin6_addr), sin6_scope_id=0}, 28) = 1',
            '1 connect(3, {sa_family=AF_INET, sin_port=htons(7860), sin_addr=inet_addr("127.0.0.1")}, 16) = 0',
            '1 connect(3, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT',
            '1 sendto(5, "abc", 3, MSG_NOSIGNAL, NULL, 0) = 3',
        ]
    )
    assert len(outbound(sample)) == 3  # a remote host, DNS (even to a resolver on loopback), a remote IPv6
