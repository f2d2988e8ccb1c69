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


# not named `page`: pytest-playwright, when installed, would take that name as its own
@pytest.fixture
def chat(chromium, url, outside):
    context = chromium.new_context(permissions=["clipboard-read", "clipboard-write"],
                                   viewport={"width": 1200, "height": 800})
    page = context.new_page()
    page.set_default_timeout(90_000)  # generous: CI machines are small and may be busy
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
    """Until the n-th answer (from 0) shows `text` in full and its event has ended: the page ignores a
    question submitted while the previous one is still being answered."""
    page.wait_for_function("([n, t]) => document.querySelectorAll('#chatbot .message.bot .message-content')[n]"
                           "?.textContent === t", arg=[n, text])
    page.wait_for_function("document.querySelector('#chatbot [data-testid=status-tracker]').classList.contains('hide')")


def last_answer(page) -> str:
    return page.locator("#chatbot .message.bot .message-content").last.text_content()


def test_ask_copy_feedback_and_browse(chat, outside, searcher, settings):
    expected = ask(searcher, QUESTION)
    submit(chat, QUESTION)
    # the answer streams in, and the cards come with its last words
    wait_for_answer(chat, 0, expected.text)
    chat.wait_for_selector(f"#citations .card[data-n='{len(expected.citations)}']")

    in_answer = re.findall(r"^\[(\d+)\]", last_answer(chat), re.M)
    cards = chat.locator("#citations .card[data-n]")
    assert in_answer == [cards.nth(i).get_attribute("data-n") for i in range(cards.count())] == ["1", "2", "3"]
    for i, c in enumerate(expected.citations):
        assert f"insight #{c.id}" in cards.nth(i).locator(".meta").text_content()

    # one click copies the exact string the core produces, in the chosen format
    corpus = searcher.corpus
    for fmt, n in (("plain", 1), ("bibtex", 2), ("markdown", 3)):
        chat.locator("#citation-format label", has_text=fmt).click()
        citation = cite(corpus.get(expected.citations[n - 1].id), corpus, fmt)
        chat.wait_for_function("([n, t]) => document.querySelector(`#citation-${n} textarea`)?.value === t",
                               arg=[n, citation])
        chat.locator(f"#citation-{n} button[aria-label='Copy']").click()
        assert chat.evaluate("navigator.clipboard.readText()") == citation

    chat.locator("#chatbot button[aria-label='Dislike']").last.click()
    chat.wait_for_function("document.querySelector('#feedback-status').textContent.includes('saved')")
    entry = json.loads((settings.data_dir / "feedback.jsonl").read_text().splitlines()[-1])
    assert (entry["question"], entry["answer"], entry["liked"]) == (QUESTION, expected.text, False)
    assert entry["cited_ids"] == [c.id for c in expected.citations]

    submit(chat, "why?")
    chat.wait_for_function("document.querySelectorAll('#chatbot .message.bot .message-content')[1]"
                           "?.textContent.includes('insight #')")
    assert last_answer(chat).startswith(f'(A follow-up, read as: "{QUESTION} why?")')

    chat.locator("button[role=tab]", has_text="Browse the corpus").click()
    chat.wait_for_selector("#corpus .card")
    assert chat.locator("#corpus .card").count() == len(corpus.insights)
    chat.fill("#corpus-filter textarea", "backprop")
    chat.wait_for_function("document.querySelectorAll('#corpus .card').length === 1")
    assert "Yes, You Should Understand Backprop" in chat.locator("#corpus .card").text_content()
    chat.locator("#insight-36 button[aria-label='Copy']").click()
    assert chat.evaluate("navigator.clipboard.readText()") == cite(corpus.get(36), corpus, "markdown")
    assert outside == []


def test_html_typed_as_a_question_is_shown_not_run(chat, outside, searcher):
    questions = ['<img src=x onerror="window.__xss=1">', "<script>window.__xss=1</script>"]
    for n, question in enumerate(questions):
        submit(chat, question)
        wait_for_answer(chat, n, ask(searcher, question).text)
    time.sleep(0.5)  # time for an injected handler to have run, if there were one
    assert chat.evaluate("typeof window.__xss") == "undefined"
    shown = chat.locator("#chatbot .message.user .message-content")
    assert [shown.nth(i).text_content() for i in range(shown.count())] == questions
    assert chat.locator("#chatbot img, #chatbot script").count() == 0
    assert outside == []


def test_a_local_model_answer_when_the_extra_is_installed(chat, outside, settings):
    from app import generate

    if not generate.availability(settings).available:
        pytest.skip("no local model backend (make test installs the `local` extra)")
    chat.locator("#mode label", has_text="local").click()
    submit(chat, "why sort my data by loss")
    chat.wait_for_function("document.querySelector('#chatbot .message.bot .message-content')?.textContent"
                           ".includes('[1] Karpathy said')", timeout=120_000)
    chat.wait_for_function("document.querySelector('#chatbot [data-testid=status-tracker]').classList.contains('hide')",
                           timeout=120_000)
    text = last_answer(chat)
    # either verified model sentences, or the extractive fallback that says so: never unlabelled prose
    assert text.startswith("Local model answer (") and "verified: " in text or "so this is the extractive answer" in text
    assert '[1] Karpathy said: "When you sort your dataset descending by loss' in text  # the system's quote
    assert outside == []
