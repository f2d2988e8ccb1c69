"""The web chat in a real browser: Debian's chromium driven by Playwright, against the app served in-process,
at a laptop's size (1280x900) and a phone's (390x844).

It asks as a user does (Enter, a click on an example, a shared /?q= link), and checks what a reader
would notice: the answer starts in view with its cards inline, sources are links, copy buttons give the
core's exact strings, errors stay beside the box, a too-long paste is refused with the limit stated, the
conversation survives a reload, one vote per answer, the corpus can be browsed, keyboard-only use works,
and axe-core finds no serious or critical accessibility problem. The page makes no outside request.
The browser is never downloaded (no `playwright install`): `make test` installs Debian's chromium.
"""

import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

import app.offline.feedback as feedback
from app.answering.conversation import ask
from app.answering.citations import cite
from app.answering.extractive import copy_answer

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium (`apt-get install chromium`)")
VIEWPORTS = {"laptop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
QUESTION = "how should I start training a neural network?"
ANSWERS = "#conversation .turn .answer .lead"


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request) -> str:
    return request.param


@pytest.fixture
def outside() -> list[str]:
    """Every request the page makes to another machine: there must be none, the page works offline."""
    return []


# not named `page`: pytest-playwright, when installed, would take that name as its own
@pytest.fixture
def chat(chromium, web_url, outside, viewport):
    """A fresh browser (empty storage) on the chat page at one viewport size."""
    context = chromium.new_context(permissions=["clipboard-read", "clipboard-write"], viewport=VIEWPORTS[viewport])
    page = context.new_page()
    page.set_default_timeout(60_000)  # generous: CI machines are small and may be busy
    page.on("request", lambda r: urlparse(r.url).hostname in (None, "127.0.0.1") or outside.append(r.url))
    page.goto(web_url)
    page.wait_for_selector("#question textarea")
    page.wait_for_selector("#conversation .empty")
    yield page
    context.close()


def answers(page) -> int:
    return page.locator(ANSWERS).count()


def submit(page, question: str) -> None:
    """Type a question and press Enter; wait for its answer."""
    before = answers(page)
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")
    page.wait_for_function(f"document.querySelectorAll('{ANSWERS}').length > {before}")
    done(page)


def done(page) -> None:
    """Until the page's event has ended (a question sent meanwhile would be ignored), the conversation
    has faded back in and the address holds it: Gradio dims an output while its event runs, and on a busy
    machine the fade back to full opacity is still under way when the event has ended (axe then measures the
    dimmed colours); the page writes the address a moment after it draws the answer (CI once read it first)."""
    page.wait_for_function(
        "document.querySelector('#conversation [data-testid=status-tracker]').classList.contains('hide')"
    )
    page.wait_for_function(
        """(() => { const c = document.querySelector('#conversation');
                    if (c.querySelector('.pending')) return false;
                    const leads = c.querySelectorAll('.turn .lead');
                    for (let e = leads[leads.length - 1] || c; e; e = e.parentElement)
                      if (getComputedStyle(e).opacity !== '1') return false;
                    return true; })()"""
    )
    page.wait_for_function(
        """(() => { const turns = document.querySelectorAll('#conversation .turn');
                    const q = new URL(location.href).searchParams.get('q');
                    return turns.length ? q === turns[turns.length - 1].dataset.question : q === null; })()"""
    )


def last_turn(page):
    return page.locator("#conversation .turn").last


def test_the_answer_reads_first_with_its_cards_links_and_exact_copies(chat, outside, searcher, viewport):
    expected = ask(searcher, QUESTION)
    submit(chat, QUESTION)
    turn = last_turn(chat)
    assert turn.locator(".asked p").text_content() == QUESTION
    assert turn.locator(".lead").text_content() == expected.lead
    # the view starts at the new answer, not at its end
    top = turn.evaluate("el => el.getBoundingClientRect().top")
    assert 0 <= top < 0.4 * VIEWPORTS[viewport]["height"]
    if viewport == "phone":  # the answer comes before the controls, which stay folded
        lead_y = turn.locator(".lead").bounding_box()["y"]
        assert lead_y < chat.locator("#question").bounding_box()["y"]
        assert chat.locator("#quotes").is_hidden()
    cards = turn.locator(".card")
    assert [cards.nth(i).get_attribute("data-n") for i in range(cards.count())] == [
        str(c.n) for c in expected.citations
    ]
    for i, c in enumerate(expected.citations):
        card = cards.nth(i)
        assert f"insight #{c.id}" in card.locator(".meta").text_content()
        label = card.locator(".label").first.text_content()
        assert label == ("His words, verbatim" if c.kind == "quote" and not c.quoting else label)
        if c.kind == "paraphrase":
            assert label == "Paraphrase, not his words" and card.locator("blockquote").count() == 0
        for source in c.sources:
            if source.url:  # every source with an address is a link to it (at the words), opened safely
                href = c.url if c.url and c.url.startswith(source.url + "#:~:") else source.url
                anchor = card.locator(f".sources a[href='{href}']")
                assert anchor.get_attribute("rel") == "noopener noreferrer"
                assert anchor.text_content() == source.title
    assert any(s.url for c in expected.citations for s in c.sources), "the question should cite a linked source"

    corpus = searcher.corpus
    for n, (fmt, name) in enumerate([("plain", "Plain text"), ("markdown", "Markdown"), ("bibtex", "BibTeX")]):
        n %= len(expected.citations)  # k is a maximum: the answer may show fewer than three cards
        c = expected.citations[n]
        cards.nth(n).locator("button.copy", has_text=name).click()
        assert chat.evaluate("navigator.clipboard.readText()") == cite(corpus.get(c.id), corpus, fmt)
    assert outside == []


def test_errors_stay_beside_the_box_and_a_long_paste_is_refused(chat, outside, settings):
    submit(chat, "data engine")
    chat.fill("#question textarea", "")
    chat.press("#question textarea", "Enter")
    chat.wait_for_function("document.querySelector('#question-status').textContent.includes('The question is empty')")
    # no overlay: the conversation is still there and the box takes the next question at once
    assert chat.locator(".toast-body").count() == 0
    assert last_turn(chat).locator(".lead").is_visible()
    chat.click("#question textarea")
    chat.keyboard.type("hiring")
    assert chat.input_value("#question textarea") == "hiring"

    limit = settings.max_question_chars
    chat.fill("#question textarea", "")
    chat.evaluate("t => navigator.clipboard.writeText(t)", "x" * 2990 + " and hiring?")
    chat.focus("#question textarea")
    chat.keyboard.press("Control+V")
    chat.wait_for_function("document.querySelector('#question-status .count').textContent.includes('Not pasted')")
    assert chat.input_value("#question textarea") == ""  # refused whole, not cut
    assert f"the limit is {limit:,}" in chat.locator("#question-status .count").text_content()

    # typed past the limit: the counter says so, and the server refuses it with the reason
    chat.fill("#question textarea", "y" * (limit + 5))
    assert f"{limit + 5:,} / {limit:,} characters" in chat.locator("#question-status .count").text_content()
    chat.press("#question textarea", "Enter")
    chat.wait_for_function("document.querySelector('#question-status').textContent.includes('too long')")
    assert answers(chat) == 1
    assert outside == []


def test_a_shared_link_asks_on_load_and_a_reload_keeps_the_conversation(chat, web_url, outside):
    chat.goto(f"{web_url}?q=hiring")
    chat.wait_for_selector(ANSWERS)
    done(chat)
    assert last_turn(chat).locator(".asked p").text_content() == "hiring"
    submit(chat, "why?")
    assert parse_qs(urlparse(chat.url).query)["q"] == ["why?"]  # the address is the current question
    assert "Read as: “" in last_turn(chat).locator(".note").first.text_content()
    chat.reload()
    chat.wait_for_function(f"document.querySelectorAll('{ANSWERS}').length === 2")
    time.sleep(0.5)  # nothing is asked again
    questions = chat.locator("#conversation .asked p")
    assert [questions.nth(i).text_content() for i in range(2)] == ["hiring", "why?"]
    chat.locator("#options").click()
    chat.locator("#new-conversation").click()
    chat.wait_for_selector("#conversation .empty")
    done(chat)  # a new conversation clears the address
    assert "q" not in parse_qs(urlparse(chat.url).query)
    # an example asks on click
    example = chat.locator("#conversation .example").first
    text = example.text_content()
    example.click()
    chat.wait_for_selector(ANSWERS)
    done(chat)
    assert last_turn(chat).locator(".asked p").text_content() == text
    assert outside == []


def test_a_shared_follow_up_opens_as_its_own_conversation_and_answers_as_the_page_did(
    chat, chromium, web_url, outside, viewport
):
    if viewport != "laptop":
        pytest.skip("the same on every viewport: once is enough")
    submit(chat, "what would Karpathy say about the data engine?")
    submit(chat, "and for startups?")
    shared, shown = chat.url, last_turn(chat).inner_text()
    assert parse_qs(urlparse(shared).query) == {
        "q": ["and for startups?"],
        "after": ["what would Karpathy say about the data engine?"],
    }
    # a fresh browser: the link opens the whole conversation, and the follow-up reads as it did
    context = chromium.new_context()
    try:
        fresh = context.new_page()
        fresh.set_default_timeout(60_000)
        fresh.goto(shared)
        fresh.wait_for_function(f"document.querySelectorAll('{ANSWERS}').length === 2")
        done(fresh)
        assert last_turn(fresh).inner_text() == shown
        # a browser that holds another conversation opens the link as its own, not appended to it
        fresh.locator("#options").click()
        fresh.locator("#new-conversation").click()
        fresh.wait_for_selector("#conversation .empty")
        submit(fresh, "hiring")
        fresh.goto(shared)
        fresh.wait_for_function(f"document.querySelectorAll('{ANSWERS}').length === 2")
        done(fresh)
        questions = fresh.locator("#conversation .asked p")
        assert [questions.nth(i).text_content() for i in range(2)] == [
            "what would Karpathy say about the data engine?",
            "and for startups?",
        ]
    finally:
        context.close()
    assert outside == []


def feedback_lines(settings, answer_id: str) -> list[dict]:
    """The answer's judgement as `ask-karpathy feedback` reads the log (each vote is appended; the last counts)."""
    lines = feedback.read_latest(settings.feedback_path)[0]
    return [entry for entry in lines if entry.get("answer_id") == answer_id]


def test_one_vote_per_answer_with_an_optional_why(chat, outside, settings, viewport):
    submit(chat, QUESTION)
    turn = last_turn(chat)
    answer_id = turn.get_attribute("data-turn")

    def vote(thumb: str, expected: bool | None, ack: str):
        last_turn(chat).locator(f"button.vote[data-vote={thumb}]").click()
        chat.wait_for_function(
            "t => document.querySelector('#conversation .turn:last-of-type .ack')?.textContent.includes(t)", arg=ack
        )
        assert [e["liked"] for e in feedback_lines(settings, answer_id)] == [expected]

    vote("down", False, "not useful")
    vote("up", True, "Saved: useful")  # the other thumb changes the vote: still one line
    pressed = last_turn(chat).locator("button.vote[aria-pressed=true]")
    assert pressed.count() == 1 and pressed.text_content() == "Useful"
    vote("up", None, "withdrawn")  # the pressed thumb again withdraws it
    # the acknowledgement sits beside the buttons and fades
    assert last_turn(chat).locator(".answer-tools .ack").evaluate("el => getComputedStyle(el).animationName") == "fade"

    last_turn(chat).locator(".why summary").click()
    last_turn(chat).locator(".why textarea").fill("it missed his hiring advice")
    last_turn(chat).locator(".why button").click()
    chat.wait_for_function(
        "document.querySelector('#conversation .turn:last-of-type .ack')?.textContent.includes('note')"
    )
    [entry] = feedback_lines(settings, answer_id)
    assert (entry["question"], entry["liked"], entry["why"]) == (QUESTION, None, "it missed his hiring advice")
    assert outside == []


def test_off_topic_is_folded_without_copy_and_a_theme_filter_is_said(chat, outside):
    submit(chat, "best pizza in Naples?")
    turn = last_turn(chat)
    assert turn.locator(".lead").text_content().startswith("Nothing in the corpus is on that topic")
    folded = turn.locator("details.off-topic")
    assert "not on your topic" in folded.locator("summary").text_content()
    assert not folded.evaluate("el => el.open") and turn.locator("button.copy").count() == 0

    chat.locator("#options").click()
    chat.locator("#theme input").click()
    chat.locator("[role=option]", has_text="Training neural networks").click()
    submit(chat, "data labeling")
    assert "Only the theme “Training neural networks” was searched" in last_turn(chat).locator(".note").text_content()
    assert outside == []


def test_the_card_above_cited_again_is_folded_and_its_number_unfolds_it(chat, outside):
    submit(chat, "how do AI companies build a moat")
    submit(chat, "and for a tiny startup?")
    turn = last_turn(chat)
    assert "the answer on the topic stands" in turn.locator(".lead").text_content()
    folded = turn.locator("details.above")
    assert "the card shown above" in folded.locator("summary").text_content()
    assert not folded.evaluate("el => el.open") and not folded.locator(".card").is_visible()
    turn.locator(".lead a.ref").first.click()
    assert folded.evaluate("el => el.open") and folded.locator(".card").is_visible()
    assert outside == []


def test_the_corpus_can_be_browsed_and_asked_about(chat, outside, searcher):
    chat.locator("button[role=tab]", has_text="Browse the corpus").click()
    groups = chat.locator("#corpus details.theme")
    groups.first.wait_for()
    assert groups.count() == 5 and not groups.first.evaluate("el => el.open")
    assert groups.first.locator("summary").text_content().endswith("(10)")
    chat.fill("#corpus-filter textarea", "hiring")  # a curated keyword, shown on no card
    chat.wait_for_function("document.querySelector('#corpus .corpus-summary').textContent.includes('No card shows')")
    assert chat.locator("#corpus .card").count() == 0
    chat.fill("#corpus-filter textarea", "dataset")
    chat.wait_for_function("document.querySelector('#corpus .corpus-summary').textContent.includes('dataset')")
    cards = chat.locator("#corpus .card")
    assert cards.count() >= 2
    for i in range(cards.count()):  # the filter matches only what a reader can see on the card
        assert "dataset" in cards.nth(i).inner_text().lower()
    first = cards.first
    insight_id = int(first.get_attribute("id").removeprefix("insight-"))
    first.locator("button.copy", has_text="Markdown").click()
    copied = cite(searcher.corpus.get(insight_id), searcher.corpus, "markdown")
    assert chat.evaluate("navigator.clipboard.readText()") == copied
    question = first.locator(".ask-about").get_attribute("data-ask")
    first.locator(".ask-about").click()
    chat.wait_for_selector(ANSWERS)
    done(chat)
    assert last_turn(chat).locator(".asked p").text_content() == question
    assert chat.locator("#conversation").is_visible()
    assert outside == []


def test_html_typed_as_a_question_is_shown_not_run(chat, outside, viewport):
    if viewport == "phone":
        pytest.skip("the same page at another size: once is enough")
    questions = ['<img src=x onerror="window.__xss=1">', "<script>window.__xss=1</script>"]
    for question in questions:
        submit(chat, question)
    time.sleep(0.5)  # time for an injected handler to have run, if there were one
    assert chat.evaluate("typeof window.__xss") == "undefined"
    shown = chat.locator("#conversation .asked p")
    assert [shown.nth(i).text_content() for i in range(shown.count())] == questions
    assert chat.locator("#conversation img, #conversation script").count() == 0
    assert outside == []


def test_keyboard_only(chat, outside, searcher, viewport):
    if viewport == "phone":
        pytest.skip("a phone has no Tab key")
    for _ in range(15):  # Tab reaches the question box, past the tabs and the examples
        chat.keyboard.press("Tab")
        if chat.evaluate("document.activeElement.closest('#question') !== null"):
            break
    chat.keyboard.type(QUESTION)
    chat.keyboard.press("Enter")
    chat.wait_for_selector(ANSWERS)
    done(chat)
    for _ in range(15):  # back from the box to the answer's copy buttons
        chat.keyboard.press("Shift+Tab")
        if chat.evaluate("document.activeElement.matches('button.copy')"):
            break
    label = chat.evaluate("document.activeElement.getAttribute('aria-label')")  # "Copy the whole answer as CSL-JSON"
    chat.keyboard.press("Enter")
    fmt = {"Plain text": "plain", "Markdown": "markdown", "BibTeX": "bibtex", "CSL-JSON": "csl"}[label.split(" as ")[1]]
    expected = ask(searcher, QUESTION)
    if label.startswith("Copy the whole answer"):  # the last copy row, under the cards
        want = copy_answer(expected, searcher.corpus, fmt)
    else:  # "Copy citation [3] as BibTeX"
        want = expected.citations[int(label.split("[")[1].split("]")[0]) - 1].copy_text[fmt]
    assert chat.evaluate("navigator.clipboard.readText()") == want
    assert outside == []


def serious_violations(page) -> list[str]:
    import axe_playwright_python

    # while an event runs, Gradio flashes the outputs (.pending, an opacity animation) and then fades them back
    # in: under load axe measured the cards' links mid-flash or mid-fade; the settled page is what a reader sees
    done(page)
    page.add_script_tag(path=str(Path(axe_playwright_python.__file__).parent / "axe.min.js"))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])}× e.g. {v['nodes'][0]['target']})"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_no_serious_accessibility_problem(chat, outside, viewport):
    submit(chat, QUESTION)
    assert serious_violations(chat) == []  # the chat with an answer (the phone layout at 390 px)
    if viewport == "laptop":  # with every control shown: options, a vote, the "why" box, an error
        chat.locator("#options").click()
        last_turn(chat).locator("button.vote[data-vote=down]").click()
        chat.wait_for_selector("#conversation .ack:not(:empty)")
        last_turn(chat).locator(".why summary").click()
        chat.press("#question textarea", "Enter")
        chat.wait_for_selector("#question-status .error")
        assert serious_violations(chat) == []
        chat.locator("button[role=tab]", has_text="Browse the corpus").click()
        chat.locator("#corpus details.theme summary").first.click()
        chat.wait_for_selector("#corpus .card")
        assert serious_violations(chat) == []
    assert outside == []


def test_a_local_model_answer_shows_only_checked_sentences(chat, outside, settings, viewport):
    import app.local.backends as generate

    if viewport == "phone":
        pytest.skip("the same page at another size: once is enough")
    if not generate.availability(settings).available:
        pytest.skip("no local model backend (make test installs the `local` extra)")
    chat.locator("#options").click()
    chat.locator("#mode label", has_text="local").click()
    submit(chat, "why sort my data by loss")
    turn = last_turn(chat)
    # the cards are the answer's from the start; no raw draft is ever shown
    assert turn.locator(".card").count() >= 1
    assert "<question>" not in turn.text_content() and "The answer is:" not in turn.text_content()
    note = turn.locator(".note").first.text_content()
    assert note.startswith("Written by a local model (") or "extractive answer" in note
    assert "When you sort your dataset descending by loss" in turn.locator(".card").first.text_content()
    assert outside == []
