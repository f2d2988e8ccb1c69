"""Citations a writer can paste (issue 15): every source named as far as the evidence goes, BibTeX a
reference manager reads right, no internal wording, no stray punctuation, and whole answers in one go.

These need only the corpus files: no model, no index."""

import json
import re

import bibtexparser
import pytest

import app.answering.citations as citations
from app.config import REPO_DIR
from app.contract import QuoteCheck
from app.corpus.records import Insight, load_corpus, stands_alone

QUOTED = re.compile(r'"([^"]+)"')
CURLY = re.compile(r"“([^”]+)”")
INTERNAL = ("not given in the corpus", "[source", "None", "unresolved", "partial")
NEUTRAL_TITLES = {"Post on X", "Talk", "Interview", "Course", "Source not identified"}
# doubled or stray punctuation around a quote: `fastest.".`, `code..`, `." .`, `,.`, `.,`
STRAY = re.compile(r'[.!?]["”]\.|(?<!\.)\.\.(?!\.)|[.!?]["”] \.|,\.|\.,|\s[.,]')


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(REPO_DIR / "corpus")


def parse_bibtex(text: str):
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks, [b.error for b in library.failed_blocks]
    return library


def all_citations(corpus):
    for insight in corpus.insights:
        for fmt in citations.FORMATS:
            yield insight, fmt, citations.cite(insight, corpus, fmt)


def test_every_reference_number_says_what_is_known(corpus):
    by_status = {}
    for n, source in corpus.sources.items():
        by_status.setdefault(source.status, []).append(n)
        assert source.why and "not given" not in source.why
        if source.status == "partial":
            assert source.kind and not source.title and not source.url, n
        if source.status == "unresolved":
            assert source.description() == "source not identified"
    assert by_status == {
        "resolved": [1, 6, 13, 18, 19, 20],
        "partial": [2, 5, 10, 11, 14, 15, 16, 17, 21],
        "unresolved": [3, 4, 7, 8, 9, 12],
    }
    assert corpus.sources[2].description() == "post on X"
    assert corpus.sources[5].description() == "talk while at Tesla, 2017–2022"
    assert corpus.sources[21].description() == "interview on a podcast"
    assert corpus.sources[5].label() == "[source 5] talk while at Tesla, 2017–2022"  # a card keeps the number


def test_no_citation_carries_internal_wording(corpus):
    for insight, fmt, text in all_citations(corpus):
        for word in INTERNAL:
            assert word not in text, (insight.id, fmt, word, text)


def test_plain_and_markdown_quote_only_his_words(corpus):
    for insight, fmt, text in all_citations(corpus):
        if fmt in ("bibtex", "csl"):  # LaTeX's `` '' and JSON's \" (tests/answering/test_bibtex_latex.py, test_csl.py)
            continue
        for span in QUOTED.findall(text):
            assert corpus.is_verbatim(span), (insight.id, fmt, span)
        originals = {c.original for c in insight.quote_checks if c.original}
        for span in CURLY.findall(text):  # the original's wording, where a quote differs from it
            assert span in originals, (insight.id, fmt, span)


def test_no_doubled_or_stray_punctuation(corpus):
    for insight, fmt, text in all_citations(corpus):
        assert not STRAY.search(text.replace("...", "…")), (insight.id, fmt, STRAY.search(text.replace("...", "…")))


@pytest.mark.parametrize("ending", [".", "!", "?", "...", "…", ",", "", ".'", ")"])
def test_punctuation_is_right_whatever_the_quote_ends_with(corpus, ending):
    quote = f"Data first{ending}"
    insight = Insight(
        id=99,
        theme="training",
        title="t",
        text=f'Before. "{quote}" After.',
        quotes=[quote],
        context="Before.",
        sources=[13],
    )
    for fmt in ("plain", "markdown"):
        text = citations.cite(insight, corpus, fmt)
        assert f'"{quote}"' in text
        assert '"."' not in text and not re.search(r'["”]\.\s', text.replace(f'"{quote}".', "")), (fmt, text)
        assert not re.search(r"(?<!\.)\.\.(?!\.)", text.replace(quote, "")), (fmt, text)
    note = parse_bibtex(citations.bibtex(insight, corpus)).entries[0].fields_dict["note"].value
    assert note.startswith(f"Quoted: {citations.latex(chr(34) + quote + chr(34))}")
    assert note.endswith("Original not available.")
    assert not re.search(r"[.!?]''\.|\.\.(?!\.)", note.replace(citations.latex(quote), "")), note


def test_every_bibtex_entry_parses_and_names_the_work(corpus):
    for insight in corpus.insights:
        entry = citations.bibtex(insight, corpus)
        library = parse_bibtex(entry)
        assert len(library.entries) == 1
        e = library.entries[0]
        fields = {f.key: f.value for f in e.fields}
        assert e.entry_type == "misc" and e.key == f"karpathy_insight_{insight.id}"  # stable: the insight's number
        assert fields["author"] == "Andrej Karpathy"
        title = fields["title"].removeprefix("{").removesuffix("}")  # braced again: kept as it is spelt
        assert title != insight.title  # never the curator's heading
        cited = [corpus.sources[n] for n in insight.sources]
        resolved = [s for s in cited if s.status == "resolved"]
        if resolved:
            assert title == citations.latex(resolved[0].title)
            assert fields["url"] == resolved[0].url and fields["year"] == resolved[0].date[:4]
        else:
            assert title in NEUTRAL_TITLES and "url" not in fields
        note = fields["note"]
        assert "insight" not in note and "#" not in note  # no project numbering: the key carries it
        if insight.kind == "quote":
            for quote in insight.shown_quotes:  # his words as the original has them
                assert f"``{citations.latex(quote)}''" in note
        else:  # the corpus's summary, labelled, never presented as his words
            assert note.startswith("Summary in the Ask Karpathy corpus, not his words: ")
            assert f'"{insight.paraphrase}' not in note and "Quoted" not in note


def test_paraphrase_is_never_quoted_or_authored_as_his_words(corpus):
    for insight, fmt, text in all_citations(corpus):
        if insight.kind != "paraphrase":
            continue
        assert "not his words" in text, (insight.id, fmt)
        assert f'"{insight.paraphrase}' not in text and f"“{insight.paraphrase}" not in text
        assert f"> {insight.paraphrase}" not in text  # not a block quote of his
        assert "Quoted" not in text and "Karpathy said" not in text


def test_a_summary_copied_away_from_its_card_does_not_open_on_words_that_lean_back(corpus):
    # #35's summary is "This way, you update…": pasted into a paper, "this way" points at nothing; the title
    # it leans on comes first, as the seed has it ("Ideally Never Absorb Information Without Predicting It First:")
    leaning = [i for i in corpus.insights if i.kind == "paraphrase" and not stands_alone(i.paraphrase)]
    assert 35 in {i.id for i in leaning}
    for insight in leaning:
        for fmt in citations.FORMATS:
            text = citations.cite(insight, corpus, fmt)
            text = json.loads(text)[0]["note"] if fmt == "csl" else text
            summary = text.split("not his words", 1)[1].lstrip(":*} ")
            expected = f"{insight.title}: {insight.paraphrase}"
            assert summary.startswith(citations.latex(expected) if fmt == "bibtex" else expected), (insight.id, fmt)


def test_insight_11_in_three_formats(corpus):
    quote = (
        "Competitive advantage in AI goes not so much to those with data but those with a data engine: "
        "iterated data acquisition, re-training, evaluation, deployment, telemetry. And whoever can spin it "
        "fastest."
    )
    data_engine = corpus.get(11)
    assert citations.plain(data_engine, corpus) == f'"{quote}" — Andrej Karpathy, post on X (Ask Karpathy insight #11)'
    assert citations.markdown(data_engine, corpus) == (
        f'> "{quote}"\n>\n> — Andrej Karpathy, post on X (Ask Karpathy insight #11)'
    )
    assert citations.bibtex(data_engine, corpus) == (
        "@misc{karpathy_insight_11,\n  author = {Andrej Karpathy},\n  title = {{Post on X}},\n"
        "  year = {n.d.},\n"
        f"  note = {{Quoted: ``{quote}'' Original not available.}}\n}}"
    )


def test_other_levels_read_like_real_citations(corpus):
    assert citations.plain(corpus.get(7), corpus).endswith(
        "— Andrej Karpathy, talk while at Tesla, 2017–2022 (Ask Karpathy insight #7)"
    )
    assert citations.plain(corpus.get(16), corpus).endswith(
        "— summarising Andrej Karpathy, source not identified (Ask Karpathy insight #16)"
    )
    # a known source beside an unknown one: the unknown one is mentioned, not as a number
    assert citations.plain(corpus.get(4), corpus).endswith(
        "https://medium.com/@karpathy/software-2-0-a64152b37c35; another source, not identified (Ask Karpathy insight #4)"
    )
    hamming = parse_bibtex(citations.bibtex(corpus.get(50), corpus)).entries[0]
    assert hamming.fields_dict["note"].value.startswith(
        "Quoted: ``If you do not work on an important problem, it's unlikely you'll do important work. It's "
        "perfectly obvious.'' (Richard Hamming's words, quoted by Andrej Karpathy). Checked against the original."
    )


def test_deep_links_only_where_the_quote_was_found(corpus):
    for insight in corpus.insights:
        url = citations.url(insight, corpus)
        fragments = [c.fragment for c in insight.quote_checks if c.fragment]
        if fragments:
            assert url == corpus.sources[insight.quote_checks[0].source].url + "#:~:" + "&".join(
                f.removeprefix(":~:") for f in fragments
            )
            for fmt in ("plain", "markdown"):
                assert url in citations.cite(insight, corpus, fmt)
            assert "#:~:" not in citations.bibtex(insight, corpus)  # % escapes are TeX comments to some styles
        elif url:
            assert "#" not in url


def test_a_link_carries_one_directive_per_quote_found():
    from app.corpus.records import Source

    source = Source(
        n=1,
        status="resolved",
        why="w",
        title="T",
        kind="blog post",
        date="2020-01-02",
        url="https://karpathy.github.io/2020/01/02/x/",
    )
    checks = [
        QuoteCheck(status="verified", how="h", source=1, start=0, end=5, fragment=":~:text=a"),
        QuoteCheck(status="verified", how="h", source=1, start=9, end=12, fragment=":~:text=b,c"),
    ]
    insight = Insight(
        id=1, theme="training", title="t", text='"A" and "B"', quotes=["A", "B"], sources=[1], quote_checks=checks
    )
    assert citations.link(source, insight) == "https://karpathy.github.io/2020/01/02/x/#:~:text=a&text=b,c"


def test_docs_show_the_citations_as_they_print_now(corpus):
    doc = (REPO_DIR / "docs" / "citations.md").read_text(encoding="utf-8")
    for insight_id in (11, 30):
        for fmt in citations.FORMATS:
            assert f"\n{citations.cite(corpus.get(insight_id), corpus, fmt)}\n```" in doc, (insight_id, fmt)
    for n, source in corpus.sources.items():
        assert f"| [{n}] | {source.status} |" in doc


def test_a_quote_not_found_in_its_original_says_so(corpus):
    missing = QuoteCheck(status="differs", how="these words are not in the original", source=13)
    insight = Insight(
        id=98,
        theme="training",
        title="t",
        text='"Words he never wrote."',
        quotes=["Words he never wrote."],
        sources=[13],
        quote_checks=[missing],
    )
    for fmt in citations.FORMATS:
        assert "Not found in the original." in citations.cite(insight, corpus, fmt)
    assert citations.url(insight, corpus) == "https://karpathy.github.io/2019/04/25/recipe/"  # no fragment
