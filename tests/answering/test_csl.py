"""CSL-JSON, what Zotero, Pandoc and most reference managers import (issue 23): every insight's item and
a few ingested passages rendered by `pandoc --citeproc` (Debian's pandoc) with no warning, each item's
reference showing its work's title, author and date as a reader of the paper would see them."""

import json
import subprocess
from pathlib import Path

import pytest

import app.answering.citations as citations
from app.config import REPO_DIR
from app.corpus.ingest import read_documents
from app.corpus.records import load_corpus

FIXTURES = Path(__file__).parent.parent / "fixtures" / "ingest"


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(REPO_DIR / "corpus")


def test_every_item_renders_with_pandoc_citeproc(corpus, tmp_path):
    assert Path("/usr/bin/pandoc").exists(), "pandoc missing: `make test` installs it"
    passages = [p for f in sorted(FIXTURES.iterdir()) for p in read_documents(f, "Andrej Karpathy", None)[1][:1]]
    items = [item for r in [*corpus.insights, *passages] for item in json.loads(citations.cite(r, corpus, "csl"))]
    assert len(items) == len(corpus.insights) + len(passages) and len({i["id"] for i in items}) == len(items)
    (tmp_path / "refs.json").write_text(json.dumps(items), encoding="utf-8")
    cites = "; ".join(f"@{i['id']}" for i in items)
    (tmp_path / "paper.md").write_text(f"Karpathy argues this [{cites}].\n", encoding="utf-8")
    run = subprocess.run(
        ["pandoc", "--citeproc", "--bibliography", "refs.json", "-t", "plain", "--wrap=none", "paper.md"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0 and run.stderr == "", run.stderr  # no "[WARNING] Citeproc: citation not found"
    out = run.stdout
    entries = [line for line in out.split("\n\n")[1:] if line.strip()]
    assert len(entries) == len(items), out
    assert "???" not in out and "(Karpathy" in out
    for title in (
        "A Recipe for Training Neural Networks",
        "Lex Fridman Podcast #333",
        "Post on X",
        "Software Is Changing (Again)",
    ):
        assert title in out, title
    assert out.count("Karpathy, Andrej. ") == 1 and out.count("———. ") == len(items) - 1  # one author, every item
    assert "“A Recipe for Training Neural Networks.” Blog post. April 25, 2019. https://karpathy.github.io/" in out
    # the item for a quote found in its original opens it at the words
    recipe = json.loads(citations.cite(corpus.get(22), corpus, "csl"))[0]
    assert "#:~:text=" in recipe["URL"] and recipe["URL"] == citations.url(corpus.get(22), corpus)


def test_items_say_what_is_known_and_quote_only_his_words(corpus):
    for insight in corpus.insights:
        item = json.loads(citations.cite(insight, corpus, "csl"))[0]
        assert (
            item["author"] == [{"family": "Karpathy", "given": "Andrej"}]
            and item["id"] == f"karpathy_insight_{insight.id}"
        )
        assert item["title"] != insight.title  # the work, never the curator's heading
        if insight.kind == "quote":
            assert all(f'"{q}"' in item["note"] for q in insight.shown_quotes)
        else:
            assert item["note"].startswith("Summary in the Ask Karpathy corpus, not his words: ")
    talk = json.loads(citations.cite(corpus.get(7), corpus, "csl"))[0]
    assert talk["type"] == "speech" and talk["issued"] == {"date-parts": [[2017], [2022]]}


@pytest.mark.parametrize(
    "date, issued, year",
    [
        ("2020-01-02", {"date-parts": [[2020, 1, 2]]}, "2020"),
        ("2020", {"date-parts": [[2020]]}, "2020"),
        ("Jan 2020", {"literal": "Jan 2020"}, "Jan 2020"),
        (None, None, "n.d."),
    ],
)
def test_an_ingested_documents_date_is_cited_whatever_its_form(corpus, date, issued, year):
    """A document's date is whatever its front matter held: the copy still works and says it."""
    from app.corpus.records import Document, Passage

    doc = Document(key="k", source="a.md", kind="markdown", title="T", date=date, author="Andrej Karpathy")
    passage = Passage(id="k#1", doc=doc, headings=[], text="x", clean="x", start=0, end=1)
    assert json.loads(citations.cite(passage, corpus, "csl"))[0].get("issued") == issued
    assert f"  year = {{{year}}}," in citations.cite(passage, corpus, "bibtex")
