"""What a client may send the web chat: bounded before Gradio reads it, and again in Python.

Each test is something a user or operator would notice: a server that grows by gigabytes on request
bodies it then refuses, a feedback log filled with made-up answers, files uploaded by another site's
page, the chat reached through a foreign host name (DNS rebinding), a password guessed at full speed.
"""

import json
import time

import httpx
import pytest

import app.web.app as web
import app.web.limits as limits
from conftest import page_event

BIG = 3_000_000  # over the default 2 MB request limit


@pytest.fixture(scope="module")
def url(serve_app):
    with serve_app() as url:
        yield url


def test_a_request_body_over_the_limit_is_refused_before_it_is_read(url):
    body = json.dumps({"data": ["x" * BIG], "fn_index": 0, "session_hash": "big"})
    declared = httpx.post(url + "gradio_api/queue/join", content=body, headers={"content-type": "application/json"})
    assert declared.status_code == 413
    assert declared.json() == {
        "error": "The request is over 2 MB, the limit for one request (ASK_KARPATHY_MAX_REQUEST_BYTES)."
    }

    def chunks():  # no Content-Length: refused once it passes the limit
        for _ in range(BIG // 100_000):
            yield b"x" * 100_000

    assert httpx.post(url + "gradio_api/queue/join", content=chunks()).status_code == 413
    # a real question, with its conversation, still gets through
    asked = page_event(url, "submit", ["hiring", [], 3, "", "extractive"])
    assert asked["success"]


def test_uploads_are_off(url):
    refused = httpx.post(url + "gradio_api/upload", files={"files": ("a.txt", b"x")})
    assert refused.status_code == 403
    assert refused.json() == {"error": "Uploads are off: nothing on this server takes a file."}


def test_a_request_for_another_host_name_is_refused_on_loopback(url):
    port = url.rsplit(":", 1)[1].strip("/")
    assert httpx.get(url, headers={"host": "rebound.example.com"}).status_code == 421
    assert httpx.get(url, headers={"host": f"rebound.example.com:{port}"}).status_code == 421
    assert httpx.get(url, headers={"host": f"localhost:{port}"}).status_code == 200
    assert httpx.get(url).status_code == 200


def test_votes_count_only_for_answers_this_server_gave(url, settings):
    log = settings.feedback_path
    before = log.read_bytes() if log.exists() else b""
    asked = page_event(url, "submit", ["hiring", [], 3, "", "extractive"], session="voter")
    [turn] = asked["output"]["data"][1]
    # a made-up answer: the shape of a real one, an id the server never gave
    forged = {**turn, "id": "f" * 12, "question": "made up", "why": "w" * 500_000}
    voted = page_event(url, "vote", [[forged]], {"turn": forged["id"], "liked": False}, session="forger")
    assert web.NOT_VOTABLE in voted["output"]["data"][0]
    # half a MB of question: no answer of this server has one, so it is not even shown again
    huge = {**forged, "question": "q" * 500_000}
    voted = page_event(url, "vote", [[huge]], {"turn": huge["id"], "liked": False}, session="forger")
    assert voted["success"] and len(json.dumps(voted["output"])) < 10_000
    assert (log.read_bytes() if log.exists() else b"") == before  # nothing logged
    # the real answer's id with another question and a huge note swapped in: the server logs its own record
    swapped = {**turn, "question": "q" * 2000, "why": "w" * 500_000}
    voted = page_event(url, "vote", [[swapped]], {"turn": turn["id"], "liked": False}, session="voter")
    assert "Saved: not useful" in voted["output"]["data"][0]
    entry = json.loads(log.read_text().splitlines()[-1])
    assert entry["answer_id"] == turn["id"] and entry["question"] == "hiring" and len(entry["why"]) == web.MAX_WHY
    assert entry["answer"] == turn["answer"]["text"]


def test_failed_logins_are_slowed_then_refused_for_a_while(serve_app, monkeypatch):
    monkeypatch.setattr(limits, "LOGIN_DELAY", 0.2)  # a second each in use; the test need not wait for it
    with serve_app(auth=("reader", "secret")) as url, httpx.Client(timeout=60) as http:
        start = time.monotonic()
        for _ in range(limits.LOGIN_FAILURES):
            assert http.post(url + "login", data={"username": "reader", "password": "guess"}).status_code == 400
        assert time.monotonic() - start >= limits.LOGIN_FAILURES * 0.2  # each failure was slowed
        locked = http.post(url + "login", data={"username": "reader", "password": "secret"})
        assert locked.status_code == 429 and "Too many failed logins" in locked.json()["error"]
