"""Extractive answers and citations: only his verbatim words in quotation marks, every [n] resolved."""
import re

import pytest

from app import citations
from app.answer import ask
from app.config import REPO_DIR
from app.evaluate import load_questions

QUOTED = re.compile(r'"([^"]+)"')


def test_answer_leads_with_the_best_insight_and_numbers_citations(searcher):
    answer = ask(searcher, "why sort my data by loss")
    assert answer.on_topic and answer.mode == "extractive"
    assert answer.text.startswith("Closest to your question is insight #27 (Training neural networks):")
    assert [c.n for c in answer.citations] == [1, 2, 3]
    assert answer.citations[0].id == 27
    assert '[1] Karpathy said: "When you sort your dataset descending by loss' in answer.text
    assert sorted(set(int(n) for n in re.findall(r"\[(\d+)\]", answer.text))) == [1, 2, 3]  # sources are "[source n]"


def test_paraphrase_is_labelled_and_never_in_quotation_marks(searcher):
    answer = ask(searcher, "should I look at my data before training?", k=5)
    paraphrases = [c for c in answer.citations if c.kind == "paraphrase"]
    assert paraphrases, "this question should surface at least one paraphrased insight"
    for c in paraphrases:
        assert f"[{c.n}] Paraphrase, not his words: {c.paraphrase}" in answer.text


def test_no_curator_words_inside_quotation_marks_across_the_dev_set(searcher):
    questions = load_questions(REPO_DIR / "corpus" / "dev_questions.jsonl")
    for dq in questions[::4]:
        answer = ask(searcher, dq.q, k=5)
        for span in QUOTED.findall(answer.text):
            assert searcher.corpus.is_verbatim(span), (dq.q, span)
        for c in answer.citations:
            for fmt in ("plain", "markdown"):
                for span in QUOTED.findall(c.copy_text[fmt]):
                    assert searcher.corpus.is_verbatim(span), (c.id, fmt, span)


def test_off_topic_says_so_and_shows_closest_as_not_on_topic(searcher):
    answer = ask(searcher, "best pizza in Naples")
    assert not answer.on_topic
    assert answer.text.startswith("Nothing in the corpus is on that topic")
    assert "Closest, but not on this topic:" in answer.text


def test_citation_strings_exactly(searcher):
    corpus = searcher.corpus
    assert citations.plain(corpus.get(3), corpus) == (
        '"Gradient descent can write code better than you. I\'m sorry." — Andrej Karpathy, '
        "post on X (Ask Karpathy insight #3)")
    assert citations.plain(corpus.get(22), corpus) == (
        '"The qualities that in my experience correlate most strongly to success in deep learning are patience '
        'and attention to detail." — Andrej Karpathy, A Recipe for Training Neural Networks (blog post, 2019-04-25) '
        "https://karpathy.github.io/2019/04/25/recipe/#:~:text=The%20qualities%20that%20in,attention%20to%20detail "
        "(Ask Karpathy insight #22)")
    assert citations.markdown(corpus.get(23), corpus) == (
        "*Paraphrase, not his words:* Before writing any code, spend hours inspecting thousands of data examples. "
        "You will find corrupted data, duplicate examples, and biases. — summarising Andrej Karpathy, "
        "[*A Recipe for Training Neural Networks*](https://karpathy.github.io/2019/04/25/recipe/) "
        "(blog post, 2019-04-25) (Ask Karpathy insight #23)")
    assert citations.plain(corpus.get(50), corpus).endswith(
        "— Richard Hamming, quoted by Andrej Karpathy, A Survival Guide to a PhD (blog post, 2016-09-07) "
        "https://karpathy.github.io/2016/09/07/phd/#:~:text=If%20you%20do%20not,perfectly%20obvious "
        "(Ask Karpathy insight #50)")
    assert citations.plain(corpus.get(16), corpus).endswith("source not identified (Ask Karpathy insight #16)")


def test_bibtex_is_a_single_well_formed_entry(searcher):
    entry = citations.bibtex(searcher.corpus.get(22), searcher.corpus)
    assert entry.startswith("@misc{karpathy_insight_22,\n") and entry.endswith("\n}")
    assert entry.count("{") == entry.count("}")
    assert "  year = {2019}" in entry and "  url = {https://karpathy.github.io/2019/04/25/recipe/}" in entry


@pytest.mark.parametrize("fmt", citations.FORMATS)
def test_every_citation_in_every_format_names_its_insight(searcher, fmt):
    for insight in searcher.corpus.insights:
        text = citations.cite(insight, searcher.corpus, fmt)
        assert f"insight #{insight.id}" in text or f"insight_{insight.id}" in text
