"""The corpus: all 50 seed insights, his words kept apart from paraphrase, bad records rejected."""

import re

import pytest

from app.config import REPO_DIR
from app.corpus.records import CorpusError, load_corpus


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(REPO_DIR / "corpus")


def normalise(text: str) -> str:
    """Only what the issue allows: curly vs straight quotes, and whitespace."""
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2018", "'").replace("\u2019", "'")
    return re.sub(r"\s+", " ", text).strip()


def seed_lines(seed_text: str) -> dict[int, str]:
    return {int(m.group(1)): m.group(2) for m in re.finditer(r"^(\d+)\. (.*)$", seed_text, re.MULTILINE)}


def test_all_fifty_insights_in_seed_order_and_themes(corpus):
    assert [i.id for i in corpus.insights] == list(range(1, 51))
    themes = [i.theme for i in corpus.insights]
    for first, theme in [(1, "software-2.0"), (11, "strategy"), (21, "training"), (31, "learning"), (41, "future")]:
        assert themes[first - 1 : first + 9] == [theme] * 10


def test_every_quote_span_is_verbatim_in_the_seed(corpus, seed_text):
    seed = normalise(seed_text)
    assert sum(len(i.quotes) - len(i.from_original) for i in corpus.insights) == 22
    for insight in corpus.insights:  # quotes and quoted fragments in paraphrases, as the seed has them
        # his too: the original's wording of a differing quote, and words taken from the original where
        # the seed only paraphrases (each verified in it: tests/corpus/test_originals.py)
        originals = {c.original for c in insight.quote_checks} | set(insight.from_original)
        for span in set(insight.his_words) - originals:
            assert normalise(f'"{span}"') in seed, span
        for quote, check in zip(insight.quotes, insight.quote_checks):
            assert quote not in insight.from_original or check.status == "verified", insight.id


def test_each_record_is_its_own_seed_line(corpus, seed_text):
    lines = seed_lines(seed_text)
    for insight in corpus.insights:
        line = normalise(re.sub(r"\[\d+\]", "", lines[insight.id]))
        assert normalise(insight.text) in line, insight.id
        proven = [n for n, s in corpus.sources.items() if insight.id in s.proves]  # from the original's words
        assert [n for n in insight.sources if n not in proven] == [
            int(n) for n in re.findall(r"\[(\d+)\]", lines[insight.id])
        ]


def test_quote_paraphrase_split_on_the_issue_examples(corpus):
    data_engine = corpus.get(11)  # a heading and a verbatim quote
    assert data_engine.title == "The Data Engine is the Moat"
    assert data_engine.kind == "quote" and data_engine.quotes[0].startswith("Competitive advantage in AI")
    iron_man = corpus.get(17)  # a paraphrase carrying a quoted fragment
    assert iron_man.kind == "paraphrase" and iron_man.quotes == []
    assert '"Iron Man suit"' in iron_man.paraphrase
    assert "Iron Man suit" in iron_man.his_words and corpus.is_verbatim("Iron Man suit")
    step_one = corpus.get(23)  # no quote in the seed: his words from the original, the seed's text as context
    assert step_one.kind == "quote" and '"' not in step_one.text and step_one.paraphrase == step_one.text
    assert step_one.from_original == step_one.quotes and step_one.quotes[0].startswith("The first step to training")
    leaky = corpus.get(21)  # a quote, then the curator's context
    assert leaky.quotes == ["Neural net training is a leaky abstraction."]
    assert leaky.paraphrase.startswith("They are not plug-and-play")
    assert corpus.get(50).quoting == "Richard Hamming"  # his quote of someone else
    for n in (16, 19):
        assert corpus.get(n).sources == []
    assert corpus.get(26).sources == [13] and corpus.sources[13].proves == [26]  # the Recipe post's words


def test_every_source_is_resolved_with_reasons_or_marked_unresolved(corpus):
    assert sorted(corpus.sources) == list(range(1, 22))
    recipe = corpus.sources[13]
    assert recipe.status == "resolved" and recipe.title == "A Recipe for Training Neural Networks"
    assert recipe.url == "https://karpathy.github.io/2019/04/25/recipe/"
    for n, source in corpus.sources.items():
        citing = [i.id for i in corpus.insights if n in i.sources]
        assert citing, f"source [{n}] is cited by no insight"
        # the reasoning accounts for every insight that cites the number, resolved or not
        for insight_id in citing:
            assert re.search(rf"\b{insight_id}\b", source.why), (n, insight_id)
        if source.status == "resolved":
            assert source.url.startswith("https://") and source.title in source.label()
        else:  # partial: kind (venue, date) only; unresolved: "source not identified"; never a guessed url
            assert source.url is None and source.title is None
            assert source.label() == f"[source {n}] {source.description()}"
            assert "not given" not in source.label()


@pytest.mark.parametrize(
    "record, message",
    [
        ({"status": "partial", "kind": "post on X", "url": "https://x.com/karpathy"}, "has no title or url"),
        ({"status": "partial"}, "needs at least its kind"),
        ({"status": "unresolved", "kind": "talk"}, "make it partial"),
        ({"status": "resolved", "title": "T", "kind": "essay", "date": "2017", "url": "https://a.b/"}, "YYYY-MM-DD"),
        ({"status": "partial", "kind": "talk", "date": "2018-2020"}, "pattern"),
    ],
)
def test_a_source_says_no_more_than_its_level(record, message):
    from app.corpus.records import Source

    with pytest.raises(ValueError, match=message):
        Source(n=1, why="w", **record)


def break_record(corpus_dir, insight_id: int, old: str, new: str) -> None:
    path = corpus_dir / "insights.toml"
    raw = path.read_text(encoding="utf-8")
    start = raw.index(f"\nid = {insight_id}\n")
    at = raw.index(old, start)
    path.write_text(raw[:at] + new + raw[at + len(old) :], encoding="utf-8")


def line_of(corpus_dir, text: str) -> int:
    """The last line holding `text` (a duplicate id is reported where it repeats)."""
    lines = (corpus_dir / "insights.toml").read_text().splitlines()
    return max(n for n, line in enumerate(lines, 1) if text in line)


@pytest.mark.parametrize(
    "insight_id, old, new, field",
    [
        (27, 'theme = "training"', 'theme = "cooking"', "theme"),
        (3, "title = ", "titel = ", "titel"),  # a misspelt field is an unknown field
        (5, "sources = [1, 4]", "sources = [1, 99]", "sources"),
        (8, 'quotes = ["You program them in English."]', 'quotes = ["You program them in French."]', "quotes"),
        (12, "id = 12", "id = 11", "id"),
        (27, "related = [23, 28, 24]", "related = [23, 28, 51]", "related"),  # no insight #51
        (12, "related = [15, 14]", "related = [15, 12]", "related"),  # an insight is not its own
        (4, "examples = [48]", "examples = [48, 77]", "examples"),
        (23, "reason = 'You will find corrupted", "reason = 'You will find clean", "reason"),  # not in its text
    ],
)
def test_malformed_record_names_file_line_insight_and_field(corpus_copy, insight_id, old, new, field):
    break_record(corpus_copy, insight_id, old, new)
    with pytest.raises(CorpusError) as e:
        load_corpus(corpus_copy)
    message = str(e.value)
    line = line_of(corpus_copy, new)
    assert f"insights.toml:{line}:" in message
    assert f"field '{field}'" in message
    assert f"#{insight_id if field != 'id' else 11}" in message


def test_invalid_toml_and_missing_file_are_clear(corpus_copy):
    path = corpus_copy / "insights.toml"
    path.write_text(path.read_text() + "\n[[insight]\n")
    with pytest.raises(CorpusError, match=r"insights.toml: not valid TOML: .*line"):
        load_corpus(corpus_copy)
    path.unlink()
    with pytest.raises(CorpusError, match="insights.toml: file not found"):
        load_corpus(corpus_copy)


DUPLICATE_27 = """
{header}
id = 27
theme = "training"
title = "Sort your dataset by loss, again"
text = "A second record that reuses id 27."
sources = [2]
"""


@pytest.mark.parametrize("header", ["[[insight]]  # a note", "[[ insight ]]", "  [[insight]]", "[[insight]]\t# x"])
def test_a_duplicate_id_is_found_however_its_table_header_is_written(corpus_copy, header):
    path = corpus_copy / "insights.toml"
    path.write_text(path.read_text() + DUPLICATE_27.format(header=header))
    with pytest.raises(CorpusError, match=r"insights.toml:\d+: insight #27: field 'id': duplicate id"):
        load_corpus(corpus_copy)


def test_a_duplicate_id_in_an_inline_array_is_found(corpus_copy):
    # an inline array can only be the whole table: the file holds one record written in TOML's other syntax
    path = corpus_copy / "insights.toml"
    one = (
        'insight = [{id = 27, theme = "training", title = "A", text = "B", sources = [2]},\n'
        '           {id = 27, theme = "training", title = "C", text = "D", sources = [2]}]\n'
    )
    path.write_text(one)
    with pytest.raises(CorpusError, match=r"insights.toml:\d+: insight #27: field 'id': duplicate id"):
        load_corpus(corpus_copy)


@pytest.mark.parametrize("header", ["[[insight]]", "[[ insight ]]  # note"])
def test_an_unknown_source_fails_the_load_with_file_and_line(corpus_copy, header):
    path = corpus_copy / "insights.toml"
    record = (
        DUPLICATE_27.format(header=header).replace("id = 27", "id = 77").replace("sources = [2]", "sources = [999]")
    )
    path.write_text(path.read_text() + record)
    line = path.read_text().splitlines().index("sources = [999]") + 1
    with pytest.raises(
        CorpusError, match=rf"insights.toml:{line}: insight #77: field 'sources': \[999\] not in sources.toml"
    ):
        load_corpus(corpus_copy)
    path.write_text('insight = [{id = 1, theme = "training", title = "A", text = "B", sources = [999]}]\n')
    with pytest.raises(CorpusError, match=r"field 'sources': \[999\] not in sources.toml"):
        load_corpus(corpus_copy)
