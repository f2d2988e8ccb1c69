"""The whole answer, copied to paste as it is (issue 23): Markdown whose footnotes render as one footnote
per card (markdown-it-py with its footnote plugin, mdit-py-plugins, a CommonMark renderer like the ones
writers paste into), each of his quotes once; plain text the same; an off-topic answer's copy says there
is nothing on the topic and cites nothing; BibTeX and CSL-JSON carry every entry once."""

import json
import re

import pytest
from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin

from app.answering.conversation import answer_in_conversation
from app.answering.extractive import copy_answer

# questions whose answers show one, two and three cards, a quote, a paraphrase and a differing quote
QUESTIONS = [
    "why sort my data by loss",
    "what would karpathy say about data?",
    "should I spend engineering time on a small dataset?",
    "what should i do before training on a new dataset",
    "what would Karpathy say about hiring?",
]


@pytest.fixture
def run(ask_karpathy):
    """The CLI in-process on the session's index and Searcher (tests/conftest.py)."""
    return ask_karpathy


def words_of(searcher, c) -> list[str]:
    record = searcher.corpus.get(c.id)
    return c.quotes if c.kind == "quote" else [record.paraphrase or record.clean]


@pytest.mark.parametrize("question", QUESTIONS)
def test_markdown_renders_one_footnote_per_card_and_each_quote_once(searcher, question):
    answer = answer_in_conversation(searcher, question, [], 3, None)
    assert answer.on_topic and answer.citations
    md = copy_answer(answer, searcher.corpus, "markdown")
    html = MarkdownIt().use(footnote_plugin).render(md)
    notes = re.findall(r'<li id="fn(\d+)" class="footnote-item">(.*?)</li>', html, re.DOTALL)
    assert [int(n) for n, _ in notes] == [c.n for c in answer.citations], html
    for (_, note), c in zip(notes, answer.citations):
        assert note.count("<p>") == 1 and "[^" not in note  # its own footnote, not run into the next
        for words in words_of(searcher, c):
            assert words not in note  # the footnote is the reference; his words are in the body
    body = html.split('<hr class="footnotes-sep"')[0]
    for c in answer.citations:
        assert f'href="#fn{c.n}"' in body  # every card is referred to in the body
        for words in words_of(searcher, c):
            assert md.count(words) == 1, (c.id, words)  # each quote once
    assert "[^" not in re.sub(r"<[^>]+>", "", html) and "[1]" not in md


@pytest.mark.parametrize("question", QUESTIONS[:3])
def test_plain_text_has_each_quote_once_then_its_references(searcher, question):
    answer = answer_in_conversation(searcher, question, [], 3, None)
    text = copy_answer(answer, searcher.corpus, "plain")
    body, refs = text.split("\n\nReferences\n")
    assert refs.splitlines() == [line for line in refs.splitlines() if re.match(r"\[\d+\] ", line)]
    assert len(refs.splitlines()) == len(answer.citations)
    for c in answer.citations:
        assert f"[{c.n}]" in body
        for words in words_of(searcher, c):
            assert text.count(words) == 1 and words in body


def test_off_topic_copy_says_there_is_nothing_and_cites_nothing(run):
    question = "best way to cook a risotto?"
    shown = json.loads(run("ask", question, "--json").output)
    assert not shown["on_topic"] and shown["citations"]  # the page still shows the closest cards, folded
    for fmt in ("plain", "markdown", "bibtex", "csl"):
        result = run("ask", question, "--copy", fmt)
        assert result.exit_code == 0, result.output
        out = result.output
        assert "@misc" not in out and "[^" not in out and "References" not in out and "karpathy_insight" not in out
        assert all(c["quotes"][0][:40] not in out for c in shown["citations"] if c["quotes"]), (fmt, out)
        if fmt == "csl":
            assert json.loads(out) == []
        else:
            assert "Nothing in the" in out and ("on this topic" in out or "on that topic" in out), (fmt, out)


def test_references_formats_carry_every_card_once(run):
    shown = json.loads(run("ask", "what would Karpathy say about hiring?", "--json").output)["citations"]
    keys = [f"karpathy_insight_{c['id']}" for c in shown]
    bib = run("ask", "what would Karpathy say about hiring?", "--copy", "bibtex").output
    assert re.findall(r"@misc\{(\w+),", bib) == keys
    csl = json.loads(run("ask", "what would Karpathy say about hiring?", "--copy", "csl").output)
    assert [item["id"] for item in csl] == keys


def test_an_answer_that_points_at_the_page_is_copied_from_the_card_it_names(searcher):
    """ "His words on it are in the card above — …" pasted into an essay points at nothing: the copy starts at the
    card, whose words and reference it carries as any answer's copy does."""
    question = "got a karpathy quote i can drop on a slide"
    answer = answer_in_conversation(searcher, question, ["what would karpathy say about the data engine?"])
    assert answer.points_back and answer.lead.startswith("His words on it are in the card above — ")
    for fmt in ("plain", "markdown"):
        pasted = copy_answer(answer, searcher.corpus, fmt)
        assert "above" not in pasted and pasted.startswith(f"{answer.citations[0].title}: Karpathy said “"), fmt


def test_an_aspect_whose_answer_stands_is_copied_from_the_card(searcher):
    """ "Nothing more specific on Seek the Meal…: half of them say…; the answer on the topic stands — …" is about the
    conversation, not his view: pasted into notes it is the card, his words and its reference."""
    first = "our ML reading club at work keeps stalling, how should we learn"
    answer = answer_in_conversation(searcher, "half of them say they don't have time for math", [first])
    assert answer.lead.startswith("Nothing more specific on ") and "the answer on the topic stands — " in answer.lead
    title = answer.citations[0].title
    for fmt in ("plain", "markdown"):
        pasted = copy_answer(answer, searcher.corpus, fmt)
        assert pasted.startswith(f"{title}") and "Nothing more specific" not in pasted and "stands" not in pasted, fmt
        assert ("References\n[1] " if fmt == "plain" else "[^1]: ") in pasted


def test_a_lead_that_quotes_his_words_from_their_middle_pastes_them_once(searcher):
    """The lead quotes the sentence that carries the idea ("You're not a paper writer. …"), from the middle of his
    words; pasted, the lead gives them whole and the body does not repeat them under it."""
    question = "phd student, my advisor wants 4 papers a year and im chasing tiny benchmark tweaks. is this research?"
    answer = answer_in_conversation(searcher, question, [])
    quote = answer.citations[0].quotes[0]
    shown = re.search(r"“([^”]+)”", answer.lead).group(1).strip("… ")
    assert shown in quote and not quote.startswith(shown)  # a slice from the middle
    for fmt in ("plain", "markdown"):
        pasted = copy_answer(answer, searcher.corpus, fmt)
        assert pasted.count(shown) == 1 and quote in pasted, (fmt, pasted)
