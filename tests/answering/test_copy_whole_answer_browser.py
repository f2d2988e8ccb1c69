"""The page's "Copy whole answer" (issue 23), in Debian's chromium as a reader uses it: ask, click
Markdown under "Copy whole answer", and the clipboard holds the whole answer exactly as the core makes it
(the lead, each card's words once, one footnote per card). See tests/web/test_browser.py for the set-up."""

from pathlib import Path
from urllib.parse import urlparse

import pytest

from app.answering.conversation import answer_in_conversation
from app.answering.extractive import copy_answer

pytestmark = pytest.mark.skipif(
    not Path("/usr/bin/chromium").exists(), reason="no /usr/bin/chromium (`apt-get install chromium`)"
)
ANSWERS = "#conversation .turn .answer .lead"


def test_copy_whole_answer_puts_the_answer_and_its_footnotes_on_the_clipboard(chromium, web_url, searcher):
    question = "what would Karpathy say about hiring?"
    expected = answer_in_conversation(searcher, question, [], 3, None)
    context = chromium.new_context(
        permissions=["clipboard-read", "clipboard-write"], viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(60_000)
    outside = []
    page.on("request", lambda r: urlparse(r.url).hostname in (None, "127.0.0.1") or outside.append(r.url))
    try:
        page.goto(web_url)
        page.wait_for_selector("#question textarea")
        page.fill("#question textarea", question)
        page.press("#question textarea", "Enter")
        page.wait_for_function(f"document.querySelectorAll('{ANSWERS}').length > 0")
        turn = page.locator("#conversation .turn").last
        row = turn.locator(".copy-row", has_text="Copy whole answer:")
        assert row.count() == 1
        row.locator("button", has_text="Markdown").click()
        pasted = page.evaluate("navigator.clipboard.readText()")
        assert pasted == copy_answer(expected, searcher.corpus, "markdown")
        assert pasted.startswith(expected.lead.split(" [1]")[0].split("“")[0])
        assert pasted.count("\n[^") == len(expected.citations)  # one footnote per card
        row.locator("button", has_text="Plain text").click()
        assert page.evaluate("navigator.clipboard.readText()") == copy_answer(expected, searcher.corpus, "plain")
        assert outside == []
    finally:
        context.close()
