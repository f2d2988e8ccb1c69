"""Local-model answers from the real packaged model (SmolLM2-135M), in process and through a real local
llama.cpp server, and no network beyond this machine. The `llm` tier: tests/conftest.py skips these when
the `local` extra is not installed (`make local`)."""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from app.config import REPO_DIR
from app.answering.conversation import current_turn
from app.local.answer import stream_answer
from app.local.backends import availability, get_backend, packaged_gguf
from app.local.verify import cited_numbers, split_sentences, as_shown
from app.offline.evaluate import load_questions

# every span inside quotation marks, straight or curly, double or single (single only at word edges)
QUOTATIONS = re.compile(r'"([^"]+)"|“([^”]+)”|(?<!\w)[\'‘]([^\'‘’\n]+?)[\'’](?!\w)')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the real small model ------------------------------------------------------------------------

DEV = [dq for dq in load_questions(REPO_DIR / "corpus" / "dev_questions.jsonl")[0::2] if dq.ids]


@pytest.fixture(scope="module")
def dev_answers(settings, searcher):
    """Local answers (in-process SmolLM2-135M) to 20 on-topic dev questions, with their token counts."""
    backend = get_backend(settings)
    answers = []
    for dq in DEV[:20]:
        events = list(stream_answer(current_turn(searcher, dq.q), searcher, backend, settings.llm_max_tokens))
        answers.append((dq.q, events[-1].answer, sum(e.kind == "token" for e in events)))
    return answers


def test_every_sentence_of_every_local_answer_cites_a_shown_passage(dev_answers):
    local = [(q, a) for q, a, _ in dev_answers if a.mode == "local"]
    assert len(local) >= 3, "the small model should get some answers through verification"
    for q, answer in local:
        kept = [as_shown(c.text) for c in answer.local.checks if c.kept]
        prose = answer.text.split("\n\n")[1]
        assert prose == " ".join(kept), q
        assert split_sentences(prose) == kept, q  # read back, each sentence keeps its own citations
        for sentence in kept:
            cited = cited_numbers(sentence)
            assert cited and all(1 <= n <= len(answer.citations) for n in cited), (q, sentence)
        assert f"verified: {answer.local.verified}" in answer.text
    for q, answer, tokens in dev_answers:
        assert tokens > 0 and answer.local.checks, q  # the model was asked and answered every time
        assert answer.mode == "local" or answer.local.notice, q


def test_no_quoted_span_in_a_final_answer_is_absent_from_the_corpus(dev_answers, searcher):
    for q, answer, _ in dev_answers:
        for groups in QUOTATIONS.findall(answer.text):
            assert searcher.corpus.is_verbatim("".join(groups)), (q, "".join(groups))


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory):
    """A real llama_cpp.server on 127.0.0.1 serving the packaged GGUF; stopped by its PID afterwards."""
    port = free_port()
    log = (tmp_path_factory.mktemp("llama-server") / "server.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(packaged_gguf()),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_threads",
            str(os.cpu_count()),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{url}/models", timeout=2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"llama_cpp.server did not start; see {log.name}") from None
                time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_http_backend_answers_through_a_real_local_server(llama_server, settings, searcher):
    http = settings.model_copy(update={"local_backend": "http", "llm_base_url": llama_server})
    status = availability(http)
    assert status.available and llama_server in status.detail
    backend = get_backend(http)
    for dq in DEV[:3]:
        events = list(stream_answer(current_turn(searcher, dq.q), searcher, backend, settings.llm_max_tokens))
        answer = events[-1].answer
        assert sum(e.kind == "token" for e in events) > 0
        assert answer.local.model == f"local at {llama_server}"
        assert answer.local.checks and answer.local.verified
        assert answer.mode == "local" or answer.local.notice
        for check in answer.local.checks:
            if check.kept:
                assert check.cited and all(1 <= n <= len(answer.citations) for n in check.cited)


# A full local-mode `ask` in a fresh process in which any connection beyond this machine (or a DNS
# look-up of another host) is reported on stderr and refused.
NO_NETWORK = """
import socket, sys
LOCAL = {"127.0.0.1", "::1", "localhost"}

def refuse(what):
    sys.stderr.write(f"OUTBOUND NETWORK ATTEMPT: {what}\\n")
    raise OSError("outbound network blocked by the test")

def guard(real):
    def guarded(self, address):
        if self.family != socket.AF_UNIX and address[0] not in LOCAL:
            refuse(address)
        return real(self, address)
    return guarded

socket.socket.connect = guard(socket.socket.connect)
socket.socket.connect_ex = guard(socket.socket.connect_ex)
real_getaddrinfo = socket.getaddrinfo

def getaddrinfo(host, *args, **kwargs):
    if host not in LOCAL:
        refuse(f"DNS {host}")
    return real_getaddrinfo(host, *args, **kwargs)

socket.getaddrinfo = getaddrinfo
from app.cli import main
sys.argv[0] = "ask-karpathy"
main()
"""


@pytest.mark.parametrize("backend", ["llama-cpp", "http"])
def test_local_mode_makes_no_outbound_connection(backend, settings, request):
    env = {
        **os.environ,
        "ASK_KARPATHY_INDEX_DIR": str(settings.index_dir),
        "ASK_KARPATHY_DATA_DIR": str(settings.data_dir),
        "ASK_KARPATHY_LOCAL_BACKEND": backend,
    }
    if backend == "http":
        env["ASK_KARPATHY_LLM_BASE_URL"] = request.getfixturevalue("llama_server")
    out = subprocess.run(
        [sys.executable, "-c", NO_NETWORK, "ask", "what is software 2.0?", "--mode", "local", "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_DIR,
        timeout=600,
    )
    assert "OUTBOUND NETWORK ATTEMPT" not in out.stderr, out.stderr
    assert out.returncode == 0, out.stderr[-2000:]
    answer = json.loads(out.stdout)
    assert answer["local"]["checks"] and answer["local"]["verified"]
    assert answer["mode"] == "local" or answer["local"]["notice"]
