"""Ingestion: each format, exact provenance, idempotent re-runs, incremental embedding, clear errors."""

import json
import shutil
from pathlib import Path

import pytest

from app.answering.conversation import ask
from app.config import Settings
from app.corpus.records import CorpusError, load_corpus
from app.retrieval.index import ensure_index
from app.retrieval.search import embedded, record_fields
from app.corpus.ingest import ingest, load_passages, read_documents
from app.load import load

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ingest"
POST = FIXTURES / "2020-01-02-tiny-post.markdown"


def test_markdown_post_front_matter_headings_and_noise():
    _, passages = read_documents(POST, author=None, site_url="https://blog.example.org/")
    doc = passages[0].doc
    assert (doc.title, doc.date, doc.author) == ("Notes on Debugging Tiny Models", "2020-01-02", "Andrej Karpathy")
    assert doc.url == "https://blog.example.org/2020/01/02/tiny-post/"  # the Jekyll permalink of the file name
    assert [p.headings for p in passages] == [[], ["Overfit one batch"], ["Visualise the inputs"]]
    everything = " ".join(p.clean for p in passages)
    for noise in ("range(100)", "plot.png", "\\sum", "someone else's words", "layout:", "**", "](", "`"):
        assert noise not in everything
    assert passages[0].clean.startswith("This fixture post is written for the tests. It talks about debugging small")
    assert "should start near for ten classes" in passages[2].clean  # real LaTeX dropped, plain $L$ kept as L
    assert "The loss L should" in passages[2].clean


@pytest.mark.parametrize("name", ["2020-01-02-tiny-post.markdown", "garden-notes.txt"])
def test_offsets_round_trip_to_the_exact_source_slice(name):
    source = (FIXTURES / name).read_text(encoding="utf-8")
    _, passages = read_documents(FIXTURES / name, author=None, site_url=None)
    assert passages
    for p in passages:
        assert source[p.start : p.end] == p.text


def test_jsonl_records_keep_line_offsets_and_author():
    _, passages = read_documents(FIXTURES / "talks.jsonl", author=None, site_url=None)
    lines = (FIXTURES / "talks.jsonl").read_text().splitlines()
    for p in passages:
        assert json.loads(lines[p.line - 1])["text"][p.start : p.end] == p.text
    talk, essay = [p for p in passages if p.line == 1], [p for p in passages if p.line == 2]
    assert talk[0].doc.url == "https://example.org/talks/data-engine" and talk[0].by_karpathy
    assert essay[0].doc.author == "Jane Doe" and not essay[0].by_karpathy


def test_long_paragraphs_are_cut_at_sentences_and_short_ones_merged():
    _, small = read_documents(POST, author=None, site_url=None, words=20)
    _, large = read_documents(POST, author=None, site_url=None, words=400)
    assert len(small) > len(large)
    assert all(p.clean[-1] in ".!?" for p in small)  # a cut never falls mid-sentence
    assert all(len(p.headings) <= 1 for p in large)  # never merged across a heading


def test_reingest_is_idempotent_and_changed_files_replace_their_passages(tmp_path):
    docs = tmp_path / "docs"
    shutil.copytree(FIXTURES, docs)
    first = ingest([docs], tmp_path / "data" / "passages.jsonl", author="Andrej Karpathy")
    assert len(first.added) == 3 and first.passages == len(load_passages(tmp_path / "data" / "passages.jsonl"))
    stored = (tmp_path / "data" / "passages.jsonl").read_bytes()
    again = ingest([docs], tmp_path / "data" / "passages.jsonl", author="Andrej Karpathy")
    assert len(again.unchanged) == 3 and not again.added and not again.replaced
    assert (tmp_path / "data" / "passages.jsonl").read_bytes() == stored
    post = docs / POST.name
    post.write_text(post.read_text().replace("eight examples", "four examples"))
    changed = ingest([post], tmp_path / "data" / "passages.jsonl", author="Andrej Karpathy")
    assert changed.replaced == [str(post.resolve())] and changed.passages == first.passages
    assert any("four examples" in p.clean for p in load_passages(tmp_path / "data" / "passages.jsonl"))
    assert not any("eight examples" in p.clean for p in load_passages(tmp_path / "data" / "passages.jsonl"))


def test_malformed_file_is_a_clear_error_and_nothing_is_written(tmp_path):
    with pytest.raises(CorpusError, match=r"bad.jsonl:2: field 'text': Field required"):
        ingest([FIXTURES / "talks.jsonl", FIXTURES.parent / "bad.jsonl"], tmp_path / "passages.jsonl")
    assert not (tmp_path / "passages.jsonl").exists()
    odd = tmp_path / "slides.pdf"
    odd.write_bytes(b"%PDF")
    with pytest.raises(CorpusError, match="cannot ingest .pdf files"):
        ingest([odd], tmp_path / "passages.jsonl")


def test_ingested_passages_are_searched_with_the_insights_and_embedded_once(tmp_path, settings, seed_index):
    seed_index(tmp_path / "index")  # the insights' embeddings and the export: only the passages are embedded
    docs, data = tmp_path / "docs", tmp_path / "data"
    shutil.copytree(FIXTURES, docs)
    ingest([docs], data / "passages.jsonl", author=None)  # the post names its author; the garden notes have none
    local = Settings(index_dir=tmp_path / "index", data_dir=data, model=settings.model)
    searcher = load(local)
    question = "what should I do first with a new model? overfit a single batch?"
    answer = ask(searcher, question, k=5)
    # both kinds ranked together, told apart. Ranked, not shown: with the trained adapter insight #26 ("Start
    # Simple and Iterate") is 0.128 below the passage, just outside the 0.12 display cut (issue 21)
    ranked = searcher.rank_many([question], depth=5)[0].hits
    assert {type(h.record).__name__ for h in ranked} == {"Passage", "Insight"}
    assert {c.kind for c in answer.citations} <= {"passage", "quote", "paraphrase"}
    post = next(c for c in answer.citations if c.kind == "passage")
    assert post.sources[0].title == "Notes on Debugging Tiny Models" and post.document.headings == ["Overfit one batch"]
    assert f"[{post.n}] Karpathy wrote, in Notes on Debugging Tiny Models › Overfit one batch:" in answer.text
    assert post.copy_text["plain"].startswith("“The first thing to do with a new model is to overfit")
    assert "section: Overfit one batch, characters" in post.copy_text["plain"]
    garden = ask(searcher, "when should I water tomatoes?", k=3)
    notes = next(c for c in garden.citations if str(c.id).startswith("garden-notes#"))
    assert notes.kind == "excerpt" and notes.quotes == []  # no author: never presented as his words
    assert "Not Karpathy's words" in garden.text

    post_file = docs / POST.name
    post_file.write_text(post_file.read_text().replace("eight examples", "four examples"))
    ingest([post_file], data / "passages.jsonl")
    notices = []
    corpus = load_corpus(local.corpus_dir, load_passages(data / "passages.jsonl"))
    ensure_index(*embedded(corpus), local.model, local.index_dir, notify=notices.append)
    n = len(corpus.keys())
    texts = n + sum(len(record_fields(i)) for i in corpus.insights)  # each insight's curated fields too
    assert notices[0] == f"index: building {n} passages (the corpus changed since it was built)"
    assert notices[2:] == [
        f"index: reused {texts - 1} of {texts} embeddings, embedded 1"
    ]  # [1]: the model line  # only the edited passage
