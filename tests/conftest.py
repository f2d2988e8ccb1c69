"""Shared fixtures: the real model and one real index, read-only, kept between sessions in pytest's cache;
the test tiers."""

import asyncio
import importlib.util
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.config import REPO_DIR, Settings
from app.retrieval.embedder import ONNX_FILE
from app.retrieval.search import Searcher
from app.load import load

SEED = REPO_DIR.parent / "shared" / "seed" / "000_0a3db5bf44cf605c.txt"

# Test tiers (markers in pyproject.toml). `make check` runs the tests that have none of them, on the one
# read-only index of the session; `make test` runs all. They are assigned here, by what a test uses, so a
# test file needs no marks of its own: a fixture, a whole file, or, for the slow ones, the test's name.
TIER_FIXTURES = {"chromium": "browser"}
TIER_FILES = {
    "test_browser.py": "browser",
    "test_egress.py": "egress",
    "test_local_model.py": "llm",
    # compile with Debian's pdflatex + bibtex and render with pandoc, which `make test` installs
    "test_bibtex_latex.py": "slow",
    "test_csl.py": "slow",
}
# Each embeds with torch (an index, an ONNX export, many questions) or starts fresh processes that do
SLOW = {
    "test_a_start_with_an_up_to_date_index_never_imports_torch_or_scipy",  # test_embedder.py
    "test_an_export_that_embeds_differently_is_not_used",
    "test_onnx_embeds_the_dev_questions_as_sentence_transformers_does",
    "test_index_command_indexes_ingested_passages_too",  # test_cli.py: `index --force` exports again
    "test_a_build_leaves_no_temp_folder",  # test_build_leaves_nothing.py: so does a fresh process
    "test_a_file_size_limit_during_the_build_after_ingest_is_one_line",  # test_one_line_errors.py
    "test_onnx_export_round_trip_loads_without_exporting",  # test_index.py
    "test_damaged_or_stale_onnx_export_is_detected_and_exported_again",
    "test_a_kill_during_the_onnx_export_leaves_no_temp_file_behind",  # test_hardening.py
    "test_two_processes_building_at_once_leave_one_whole_index",  # test_reliability.py
    "test_a_damaged_file_gives_the_same_answer_or_one_clear_error",  # test_faults.py
}


def pytest_collection_modifyitems(config, items):
    local_extra = importlib.util.find_spec("llama_cpp") is not None
    for item in items:
        tiers = {TIER_FIXTURES[name] for name in item.fixturenames if name in TIER_FIXTURES}
        tiers |= {TIER_FILES[item.path.name]} if item.path.name in TIER_FILES else set()
        tiers |= {"slow"} if item.originalname in SLOW else set()
        for tier in tiers:
            item.add_marker(tier)
        if item.get_closest_marker("llm") and not local_extra:
            item.add_marker(pytest.mark.skip(reason="needs the `local` extra: `make local`"))


@pytest.fixture(scope="session")
def settings(request, tmp_path_factory) -> Settings:
    """The session's settings. Its index is read-only for every test, and kept between sessions in pytest's
    cache (.pytest_cache/): an up-to-date one loads in a second, while a stale or damaged one is rebuilt
    as at any start (app/storage.py). Without the cache plugin it is built in a temp dir."""
    root = tmp_path_factory.mktemp("ask-karpathy")
    cache = getattr(request.config, "cache", None)
    index_dir = cache.mkdir("ask-karpathy-index") if cache else root / "index"
    return Settings(index_dir=index_dir, data_dir=root / "data")


@pytest.fixture(scope="session")
def searcher(settings) -> Searcher:
    return load(settings)


@pytest.fixture
def ask_karpathy(settings, searcher, monkeypatch):
    """`ask-karpathy ARGS` in-process on the session's index, answering with the session's Searcher: each
    load checks the index and starts an ONNX session (0.2 s a command), which the index, storage and fault
    tests test. Commands that load for themselves (index, ingest, a damaged folder) are run on a folder of
    their own. Returns a function of the arguments that gives click's Result."""
    import app.cli

    monkeypatch.setattr(app.cli, "_load_searcher", lambda force=False, progress=False: searcher)
    env = {"ASK_KARPATHY_INDEX_DIR": str(settings.index_dir), "ASK_KARPATHY_DATA_DIR": str(settings.data_dir)}
    return lambda *args, input=None: CliRunner().invoke(app.cli.cli, list(args), input=input, env=env)


def seed(source: Path, target: Path, damaged: str | None = None) -> Path:
    """A private copy of an index (or data) folder that costs 2 MB, not 91: the ONNX export is a hard link,
    which is safe because the app never writes into a file but replaces it (storage.write_atomic). A test
    that writes into the export itself names it as `damaged` and gets a real copy."""

    def copy(src, dst):
        return os.link(src, dst) if Path(src).name == ONNX_FILE != damaged else shutil.copy2(src, dst)

    return Path(shutil.copytree(source, target, copy_function=copy, dirs_exist_ok=True))


@pytest.fixture(scope="session")
def seed_copy():
    return seed


@pytest.fixture(scope="session")
def seed_index(settings, searcher):
    """Seed a folder with the session's index and ONNX export (see seed): a test that edits, damages or
    rebuilds an index starts from it, embeds nothing twice and copies no 89 MB."""
    return lambda target, damaged=None: seed(settings.index_dir, target, damaged)


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
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


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


def page_event(url: str, event: str, data: list, event_data=None, session: str = "test-session", http=None) -> dict:
    """Call one of the page's own events over raw HTTP, as a script (not the page) can: POST
    /gradio_api/queue/join with the event's fn_index, then read the session's event stream to its end.
    Returns the last message ("process_completed": its "output" and "success")."""
    import json

    import httpx

    http = http or httpx.Client(timeout=60)
    config = http.get(url + "config").json()
    names = {c["id"]: c.get("props", {}).get("elem_id") for c in config["components"]}
    fn_index, trigger = next(
        (i, target) for i, dep in enumerate(config["dependencies"]) for target, name in dep["targets"] if name == event
    )
    joined = http.post(
        url + "gradio_api/queue/join",
        json={
            "data": data,
            "event_data": event_data,
            "fn_index": fn_index,
            "trigger_id": trigger,
            "session_hash": session,
        },
    )
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
