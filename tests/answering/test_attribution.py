"""Checking a line before citing it: "did karpathy really say '…'?" is answered by where the line is in the corpus
(his words word for word, close to them, a curator's words, or nowhere), never by the closest card framed as his
view. A blind batch (c2901-c2930, read once with the code before) had every line that was not his ("software is
eating the world", "talk is cheap, show me the code") answered "The closest he comes"."""

import pytest

from app.answering.attribution import check, line_asked
from app.answering.conversation import NOT_HIS, answer_in_conversation, conversation
from app.answering.extractive import copy_answer


@pytest.mark.parametrize(
    "question, line",
    [
        ("did karpathy really say 'software is eating the world'?", "software is eating the world"),
        ("is “neural net training is a leaky abstraction” really his?", "neural net training is a leaky abstraction"),
        ('"stay hungry, stay foolish" - karpathy?', "stay hungry, stay foolish"),
        ("my prof attributes 'data is the new oil' to him, legit?", "data is the new oil"),
        ("someone said karpathy said “move fast and break things”. did he?", "move fast and break things"),
        (
            "is 'if you can't measure it you can't improve it' a karpathy line?",
            "if you can't measure it you can't improve it",
        ),
        ("someone on reddit says karpathy wrote ‘attention is all you need’. true?", "attention is all you need"),
        ("is 'a phd is not a sequence of papers' something he actually said?", "a phd is not a sequence of papers"),
    ],
)
def test_a_line_asked_about_is_read_out_of_the_question(question, line):
    assert line_asked(question) == line


@pytest.mark.parametrize(
    "question",
    [
        "did he actually say that?",  # his words on the topic: turns.asks_a_quote
        "did he say anything about agents?",
        "what does karpathy say about 'move fast and break things'?",  # his view of it
        "what does he mean by 'software 2.0'?",  # a term, not a line, and no check asked
        "is 'vibe coding' a good idea for my startup?",
        "it's 'software 2.0' vs 'software 1.0', is that his framing?",  # terms, not lines
        "did he say that or is it someone's summary?",  # no line quoted: his words on the topic
        "'prompt engineering is the new programming', everyone says it. cringe or real?",  # a view of a claim
        "a vc pitch says 'we have proprietary data nobody else has'. is that a real moat?",
        "tell me what karpathy said about 'move fast and break things'",  # his view of it
    ],
)
def test_a_question_that_checks_no_line_is_not_read_as_one(question):
    assert line_asked(question) is None


def test_where_a_line_is_found(searcher):
    def where(line):  # among the search's candidates for the line, as the conversation checks it
        return check(line, [h.record for h in searcher.rank_many([line]).pop().hits])

    word_for_word = where("neural net training is a leaky abstraction")
    assert word_for_word.verdict == "his" and "leaky abstraction" in word_for_word.words
    misquoted = where("gradient descent writes better code than you, sorry")
    assert (
        misquoted.verdict == "close"
        and misquoted.words == "Gradient descent can write code better than you. I'm sorry."
    )
    assert where("become one with the data").verdict == "paraphrase"  # a curator's title, not a quote of his
    for line in ("software is eating the world", "talk is cheap, show me the code", "stay hungry, stay foolish"):
        assert where(line).verdict == "none", line


def test_a_line_that_is_his_is_answered_with_his_words_whole(searcher):
    answer = answer_in_conversation(searcher, "is 'gradient descent can write better code than you' really his?")
    assert answer.question == "is it his: gradient descent can write better code than you"
    assert answer.lead.startswith("Close, but not word for word; his words — Gradient descent writes better code:")
    assert "Karpathy said “Gradient descent can write code better than you. I'm sorry.”" in answer.lead
    assert [c.id for c in answer.citations] == [3]
    answer = answer_in_conversation(searcher, "is “neural net training is a leaky abstraction” a real quote?")
    assert answer.lead.startswith("Yes, these are his words — Neural net training is a leaky abstraction:")


def test_the_whole_answer_to_a_line_checked_pastes_as_his_words_not_as_the_verdict(searcher):
    """ "Close, but not word for word; his words — …" answers the line asked, which a paste does not hold: pasted
    into someone's writing it read as the app talking. The copy starts at the card, his words whole."""
    answer = answer_in_conversation(searcher, "did he really say 'gradient descent is smarter than you'?")
    assert answer.lead.startswith("Close, but not word for word")
    for fmt in ("plain", "markdown"):
        pasted = copy_answer(answer, searcher.corpus, fmt)
        assert pasted.startswith("Gradient descent writes better code: Karpathy said “Gradient descent can write"), fmt
        assert "Close, but" not in pasted and "I'm sorry.”" in pasted


def test_a_line_that_is_not_his_is_declined_not_framed_as_his_view(searcher):
    for question in (
        "did karpathy really say 'software is eating the world'?",
        "a coworker swears karpathy said “stay hungry, stay foolish”. true?",
    ):
        answer = answer_in_conversation(searcher, question)
        assert not answer.on_topic and answer.lead.startswith(NOT_HIS), question
        assert "closest he comes" not in answer.text.lower()
        assert "Closest, but not on your topic:" in answer.text  # what comes closest, folded


def test_a_line_shown_just_before_is_the_card_above_and_a_new_topic_after_a_line_not_his(searcher):
    first, line = conversation(
        searcher, ["why should i look at my data before training?", "is 'become one with the data' an actual quote?"]
    )
    assert line.line.verdict == "paraphrase" and line.stands and line.result.hits[0].key in first.showed
    lead = answer_in_conversation(searcher, "is 'become one with the data' an actual quote?", [first.question]).lead
    assert lead.startswith("Not among his quoted words in the corpus")
    # after a line he never said, a question with a topic of its own is asked as new, not declined with the line
    checked, after = conversation(
        searcher,
        ["did karpathy say 'software is eating the world'?", "ok so what did he say about neural nets replacing code"],
    )
    assert checked.declined == NOT_HIS and after.kind == "new" and after.result.on_topic and not after.declined


def test_his_words_asked_for_by_whom_he_quotes_are_that_card(searcher):
    """ "wasn't there a hamming line in there?" after PhD advice: the card where he quotes Hamming, a name the
    embedder places nowhere near it."""
    turns = conversation(
        searcher, ["any advice for a new phd student?", "wasnt there a line he quotes from hamming? exact words"]
    )
    card = searcher.corpus.get(turns[-1].result.hits[0].key)
    assert card.quoting == "Richard Hamming"
