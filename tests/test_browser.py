"""The web chat in a real browser: Debian's chromium driven by Playwright, against the app served in-process.

It asks a question as a user does, waits for the streamed answer, checks that the [n] in the answer and
the citation cards agree, copies a citation and reads the clipboard, sends a thumbs-down and reads the
feedback log, browses the corpus, and checks that HTML typed as a question is shown, never run.
The browser is never downloaded (no `playwright install`): `make test` installs Debian's chromium.
"""
import json
import re
import socket
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from app import web
from app.answer import ask
from app.citations import cite

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium (`apt-get install chromium`)")

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
QUESTION = "what would Karpathy say about the data engine?"


@pytest.fixture(scope="module")
def url(searcher):
    app = web.build_app(searcher)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    web.launch(app, "127.0.0.1", port, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    app.close()


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def outside() -> list[str]:
    """Every request the page makes to another machine: there must be none, the page works offline."""
    return []


@pytest.fixture
def page(chromium, url, outside):
    context = chromium.new_context(permissions=["clipboard-read", "clipboard-write"],
                                   viewport={"width": 1200, "height": 800})
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.on("request", lambda r: urlparse(r.url).hostname in (None, "127.0.0.1") or outside.append(r.url))
    page.goto(url)
    page.wait_for_selector("#question textarea")
    yield page
    context.close()


def submit(page, question: str) -> None:
    answers = page.locator("#chatbot .message.bot").count()
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")
    page.wait_for_function(f"document.querySelectorAll('#chatbot .message.bot').length > {answers}")


def wait_for_answer(page, n: int, text: str) -> None:
    """Until the n-th answer (from 0) shows `text` in full: the stream has ended."""
    page.wait_for_function("([n, t]) => document.querySelectorAll('#chatbot .message.bot .message-content')[n]"
                           "?.textContent === t", arg=[n, text])


def last_answer(page) -> str:
    return page.locator("#chatbot .message.bot .message-content").last.text_content()


def test_ask_copy_feedback_and_browse(page, outside, searcher, settings):
    expected = ask(searcher, QUESTION)
    submit(page, QUESTION)
    # the answer streams in, and the cards come with its last words
    wait_for_answer(page, 0, expected.text)
    page.wait_for_selector(f"#citations .card[data-n='{len(expected.citations)}']")

    in_answer = re.findall(r"^\[(\d+)\]", last_answer(page), re.M)
    cards = page.locator("#citations .card[data-n]")
    assert in_answer == [cards.nth(i).get_attribute("data-n") for i in range(cards.count())] == ["1", "2", "3"]
    for i, c in enumerate(expected.citations):
        assert f"insight #{c.insight_id}" in cards.nth(i).locator(".meta").text_content()

    # one click copies the exact string the core produces, in the chosen format
    corpus = searcher.corpus
    for fmt, n in (("plain", 1), ("bibtex", 2), ("markdown", 3)):
        page.locator("#citation-format label", has_text=fmt).click()
        citation = cite(corpus.get(expected.citations[n - 1].insight_id), corpus, fmt)
        page.wait_for_function("([n, t]) => document.querySelector(`#citation-${n} textarea`)?.value === t",
                               arg=[n, citation])
        page.locator(f"#citation-{n} button[aria-label='Copy']").click()
        assert page.evaluate("navigator.clipboard.readText()") == citation

    page.locator("#chatbot button[aria-label='Dislike']").last.click()
    page.wait_for_function("document.querySelector('#feedback-status').textContent.includes('saved')")
    entry = json.loads((settings.data_dir / "feedback.jsonl").read_text().splitlines()[-1])
    assert (entry["question"], entry["answer"], entry["liked"]) == (QUESTION, expected.text, False)
    assert entry["cited_ids"] == [c.insight_id for c in expected.citations]

    submit(page, "why?")
    page.wait_for_function("document.querySelectorAll('#chatbot .message.bot .message-content')[1]"
                           "?.textContent.includes('insight #')")
    assert last_answer(page).startswith(f'(A follow-up, read as: "{QUESTION} why?")')

    page.locator("button[role=tab]", has_text="Browse the corpus").click()
    page.wait_for_selector("#corpus .card")
    assert page.locator("#corpus .card").count() == len(corpus.insights)
    page.fill("#corpus-filter textarea", "backprop")
    page.wait_for_function("document.querySelectorAll('#corpus .card').length === 1")
    assert "Yes, You Should Understand Backprop" in page.locator("#corpus .card").text_content()
    page.locator("#insight-36 button[aria-label='Copy']").click()
    assert page.evaluate("navigator.clipboard.readText()") == cite(corpus.get(36), corpus, "markdown")
    assert outside == []


def test_html_typed_as_a_question_is_shown_not_run(page, outside, searcher):
    questions = ['<img src=x onerror="window.__xss=1">', "<script>window.__xss=1</script>"]
    for n, question in enumerate(questions):
        submit(page, question)
        wait_for_answer(page, n, ask(searcher, question).text)
    time.sleep(0.5)  # time for an injected handler to have run, if there were one
    assert page.evaluate("typeof window.__xss") == "undefined"
    shown = page.locator("#chatbot .message.user .message-content")
    assert [shown.nth(i).text_content() for i in range(shown.count())] == questions
    assert page.locator("#chatbot img, #chatbot script").count() == 0
    assert outside == []
