"""Extractive answers and citations: only his verbatim words in quotation marks, every [n] resolved."""

import re

import pytest

import app.answering.citations as citations
from app.answering.conversation import ask
from app.answering.extractive import compose
from app.config import REPO_DIR
from app.corpus.records import is_verbatim
from app.offline.evaluate import load_questions

QUOTED = re.compile(r'"([^"]+)"')
CURLY = re.compile(r"“([^”]+)”")


def test_answer_leads_with_his_view_and_numbers_citations(searcher):
    answer = ask(searcher, "why sort my data by loss")
    assert answer.on_topic and answer.mode == "extractive"
    assert answer.lead.startswith("His answer — Sort your dataset by loss: Karpathy said “When you sort your dataset")
    assert answer.text.startswith(answer.lead + "\n\n[1] ")
    assert "Closest to your question is" not in answer.text
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    assert answer.citations[0].id == 27
    assert '[1] Karpathy said: "When you sort your dataset descending by loss' in answer.text
    # every [n] in the answer has its card (sources are "[source n]")
    assert sorted(set(int(n) for n in re.findall(r"\[(\d+)\]", answer.text))) == [c.n for c in answer.citations]


def test_lead_quotes_only_his_words_and_labels_a_paraphrase(searcher):
    """Across the realistic set: a lead in quotation marks is a verbatim leading slice of the best card's
    quote; a paraphrase lead says it is one and never puts the curator's words in quotation marks."""
    corpus = searcher.corpus
    leads = {"quote": 0, "paraphrase": 0}
    for q in load_questions(REPO_DIR / "corpus" / "realistic_questions.jsonl"):
        answer = ask(searcher, q.q)
        if not answer.on_topic:
            assert answer.lead.startswith(("Nothing in the corpus is on that topic", "The corpus holds his views"))
            continue
        best = corpus.get(answer.citations[0].id)
        leads[best.kind] += 1
        if best.kind == "quote":
            (span,) = CURLY.findall(answer.lead)
            # a slice of the quote ("…" marks where it opens past an elision)
            assert is_verbatim(span, best) and span.removeprefix("…") in best.shown_quotes[0], (q.q, span)
        else:
            assert answer.lead.startswith(
                (
                    f"His answer — {best.title}. Paraphrase, not his words: ",
                    f"The closest he comes — {best.title}. Paraphrase, not his words: ",
                )
            ), q.q
            assert f"“{best.paraphrase}”" not in answer.lead and f'"{best.paraphrase}"' not in answer.lead
        assert " [1]" in answer.lead  # the lead points at the card it comes from
    assert leads["quote"] and leads["paraphrase"]  # both kinds were seen


def test_paraphrase_is_labelled_and_never_in_quotation_marks(searcher):
    answer = ask(searcher, "is a demo enough to ship a product?", k=5)
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
    assert answer.lead == answer.text.split("\n")[0]
    assert answer.text.startswith("Nothing in the corpus is on that topic")
    assert "Closest, but not on your topic:\n[1]" in answer.text and "His answer" not in answer.text


def test_the_lead_says_how_close_the_best_card_is(searcher):
    """Framed from the score, never "the only insight that closely matches" for a near miss: the first card
    is his answer when its relevance passes the cut for a second card, else the closest he comes."""
    strong = ask(searcher, "why sort my data by loss")
    assert strong.lead.startswith("His answer — ") and "closely match" not in strong.text
    result = searcher.search("why sort my data by loss", k=3)
    weak = result.hits[0].model_copy(update={"relevance": 0.36})
    near = compose(result.model_copy(update={"hits": [weak]}), searcher.corpus)
    assert near.lead.startswith("The closest he comes — Sort your dataset by loss")


def test_citation_strings_exactly(searcher):
    corpus = searcher.corpus
    assert citations.plain(corpus.get(3), corpus) == (
        '"Gradient descent can write code better than you. I\'m sorry." — Andrej Karpathy, '
        "post on X (Ask Karpathy insight #3)"
    )
    assert citations.plain(corpus.get(22), corpus) == (
        '"The qualities that in my experience correlate most strongly to success in deep learning are patience '
        'and attention to detail." — Andrej Karpathy, A Recipe for Training Neural Networks (blog post, 2019-04-25) '
        "https://karpathy.github.io/2019/04/25/recipe/#:~:text=The%20qualities%20that%20in,attention%20to%20detail "
        "(Ask Karpathy insight #22)"
    )
    assert citations.markdown(corpus.get(42), corpus) == (
        '*Paraphrase, not his words:* Humans are the "Biological Bootloader" for AI: He sees synthetic intelligence '
        "as the next stage of development, as our "
        "current methods of communication (like talking) are incredibly inefficient compared to what computers can "
        "achieve. — summarising Andrej Karpathy, [*Lex Fridman Podcast #333*](https://lexfridman.com/andrej-karpathy/) "
        "(podcast, 2022-10-29) (Ask Karpathy insight #42)"
    )
    assert citations.plain(corpus.get(50), corpus).endswith(
        "— Richard Hamming, quoted by Andrej Karpathy, A Survival Guide to a PhD (blog post, 2016-09-07) "
        "https://karpathy.github.io/2016/09/07/phd/#:~:text=If%20you%20do%20not,perfectly%20obvious "
        "(Ask Karpathy insight #50)"
    )
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
