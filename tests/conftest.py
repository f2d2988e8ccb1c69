"""Shared fixtures: the real model and a real index, built once per test session in a temp dir."""
import asyncio
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from app.config import REPO_DIR, Settings
from app.retrieval.search import Searcher

SEED = REPO_DIR.parent / "shared" / "seed" / "000_0a3db5bf44cf605c.txt"


@pytest.fixture(scope="session")
def settings(tmp_path_factory) -> Settings:
    root = tmp_path_factory.mktemp("ask-karpathy")
    return Settings(index_dir=root / "index", data_dir=root / "data")


@pytest.fixture(scope="session")
def searcher(settings) -> Searcher:
    return Searcher.load(settings)


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """A writable copy of the real corpus, for tests that break or edit it."""
    target = tmp_path / "corpus"
    shutil.copytree(REPO_DIR / "corpus", target)
    return target


@pytest.fixture(scope="session")
def seed_text() -> str:
    if not SEED.exists():
        pytest.skip(f"the seed document is not at {SEED} (../shared beside the checkout)")
    return SEED.read_text(encoding="utf-8")


# The web app and the browser, shared by the tests that drive the page.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def serve_app(searcher):
    """A context manager that serves the chat in-process on a free port of 127.0.0.1 (with any extra
    launch arguments, e.g. auth) and yields its URL; the server stops when the block ends."""
    import contextlib
    import socket

    import app.web.app as web

    @contextlib.contextmanager
    def served(**launch_args):
        app = web.build_app(searcher)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        web.launch(app, "127.0.0.1", port, prevent_thread_lock=True, quiet=True, **launch_args)
        try:
            yield f"http://127.0.0.1:{port}/"
        finally:
            app.close()
    return served


@pytest.fixture(scope="session")
def web_url(serve_app):
    """The chat served in-process on a free port of 127.0.0.1."""
    with serve_app() as url:
        yield url


@pytest.fixture(scope="session")
def chromium():
    """Debian's chromium (never a downloaded browser), driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def run_async():
    """Run a coroutine to its end in a thread of its own: the browser tests' Playwright may hold an
    event loop in the main thread, where asyncio.run refuses to start another."""
    def run(coroutine):
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, coroutine).result()
    return run


def page_event(url: str, event: str, data: list, event_data=None, session: str = "test-session",
               http=None) -> dict:
    """Call one of the page's own events over raw HTTP, as a script (not the page) can: POST
    /gradio_api/queue/join with the event's fn_index, then read the session's event stream to its end.
    Returns the last message ("process_completed": its "output" and "success")."""
    import json

    import httpx

    http = http or httpx.Client(timeout=60)
    config = http.get(url + "config").json()
    names = {c["id"]: c.get("props", {}).get("elem_id") for c in config["components"]}
    fn_index, trigger = next((i, target) for i, dep in enumerate(config["dependencies"])
                             for target, name in dep["targets"] if name == event)
    joined = http.post(url + "gradio_api/queue/join", json={
        "data": data, "event_data": event_data, "fn_index": fn_index, "trigger_id": trigger, "session_hash": session})
    if joined.status_code != 200:
        return {"status_code": joined.status_code, "text": joined.text}
    last = {}
    with http.stream("GET", url + "gradio_api/queue/data", params={"session_hash": session}) as stream:
        for line in stream.iter_lines():
            if line.startswith("data:"):
                last = json.loads(line[5:])
                if last.get("msg") == "process_completed":
                    break
    assert names  # the config was the app's
    return last
