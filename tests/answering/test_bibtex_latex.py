"""BibTeX that goes into a paper as it is (issue 23): every entry of all 50 insights and a few ingested
passages, compiled by a real pdflatex + bibtex run (Debian's texlive-latex-base, which `make test`
installs) in the plain style and natbib's author-year plainnat, with no error and no warning about an
entry, and titles that keep their capitals in the printed reference list."""

import re
import subprocess
from pathlib import Path

import pytest

import app.answering.citations as citations
from app.config import REPO_DIR
from app.corpus.ingest import read_documents
from app.corpus.records import Document, Passage, load_corpus

FIXTURES = Path(__file__).parent.parent / "fixtures" / "ingest"
# a document whose title and words hold every LaTeX special, quotes and typography
NASTY = Document(
    key="nasty",
    source="notes/50%_of_#1.md",
    kind="markdown",
    author="Andrej Karpathy",
    title="Lex Fridman Podcast #333: 50% & $5 for x_1 {really} ~ ^ \\ <tags> | “Quotes”",
    url="https://example.org/a_b?x=1#frag",
    date="2022-10-29",
)
NASTY_PASSAGE = Passage(
    id="nasty#1",
    doc=NASTY,
    headings=["Top", "Sub"],
    start=0,
    end=10,
    text='He said "it\'s 100% done" — #1 & $3_000 {ok} ~ ^ \\ …',
    clean='He said "it\'s 100% done" — #1 & $3_000 {ok} ~ ^ \\ …',
)


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(REPO_DIR / "corpus")


@pytest.fixture(scope="module")
def bib(corpus, tmp_path_factory):
    """The .bib file: all 50 insights, the fixture documents' passages, and the passage full of specials."""
    passages = [p for f in sorted(FIXTURES.iterdir()) for p in read_documents(f, "Andrej Karpathy", None)[1][:1]]
    assert passages
    entries = [citations.bibtex(i, corpus) for i in corpus.insights]
    entries += [citations.cite(p, corpus, "bibtex") for p in [*passages, NASTY_PASSAGE]]
    return "\n\n".join(entries)


def compile_latex(bib: str, style: str, folder: Path) -> tuple[str, str, str]:
    """pdflatex, bibtex, pdflatex twice (three for natbib's labels): the .blg, the last .log and the text
    of the PDF as pdftotext reads it."""
    assert Path("/usr/bin/pdflatex").exists(), "pdflatex missing: `make test` installs texlive-latex-base"
    (folder / "refs.bib").write_text(bib, encoding="utf-8")
    natbib = "\\usepackage{natbib}\n" if style == "plainnat" else ""
    (folder / "paper.tex").write_text(
        "\\documentclass{article}\n\\usepackage{url}\n" + natbib + "\\begin{document}\n\\nocite{*}\n"
        f"\\bibliographystyle{{{style}}}\n\\bibliography{{refs}}\n\\end{{document}}\n",
        encoding="utf-8",
    )
    latex = ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "paper.tex"]
    for step in (latex, ["bibtex", "paper"], latex, latex, latex):
        run = subprocess.run(step, cwd=folder, capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, (style, step[0], run.stdout[-3000:])
    text = subprocess.run(
        ["pdftotext", "-layout", "paper.pdf", "-"], cwd=folder, capture_output=True, text=True, check=True
    ).stdout
    return (folder / "paper.blg").read_text(), (folder / "paper.log").read_text(errors="replace"), text


@pytest.mark.parametrize("style", ["plain", "plainnat"])
def test_every_entry_compiles_without_a_warning_and_keeps_its_capitals(bib, corpus, style, tmp_path):
    blg, log, text = compile_latex(bib, style, tmp_path)
    assert "Warning--" not in blg and "error message" not in blg, blg
    assert not re.search(r"^! ", log, re.MULTILINE), log[-3000:]
    assert not re.search(r"Warning: (Citation|There were undefined|Label)|Unicode character", log), log[-3000:]
    printed = " ".join(text.split())
    # every entry printed, and the titles as the works spell them, never lowercased by the style
    assert len(re.findall(r"Andrej Karpathy|Karpathy, A", printed)) >= len(corpus.insights)
    for title in (
        "Lex Fridman Podcast #333",
        "A Recipe for Training Neural Networks",
        "Software Is Changing (Again)",
        "Post on X",
        "Yes you should understand backprop",
    ):
        assert title in printed, (style, title)
    # specials print as themselves (pdftotext reads the OT1 underscore, a rule, as a space)
    assert "Lex Fridman Podcast #333: 50% & $5 for x 1 {really}" in printed
    assert not re.search(r"[.!?][”'’]\.", printed), re.search(r".{60}[.!?][”'’]\.", printed)  # no period after a quote
    assert "“it’s 100% done”" in printed or "“it's 100% done”" in printed  # `` '' as opening and closing quotes
    assert '"' not in printed and "”It" not in printed
    assert "insight #" not in printed  # no project numbering in a paper
    # a work known only by its kind is named once, its years once ("Talk. Talk while at Tesla, 2017-2022, 2017-2022.")
    assert not re.search(r"Post on X\. Post on X|Interview\. Interview,|(\d{4}–\d{4}), \1", printed), printed
    assert "Talk while at Tesla" in printed


def test_entries_are_latex_not_markup(corpus):
    """What the compile relies on, entry by entry: titles in a second pair of braces, no bare special."""
    for insight in corpus.insights:
        entry = citations.bibtex(insight, corpus)
        assert re.search(r"^  title = \{\{.+\}\},$", entry, re.MULTILINE), entry
        values = re.findall(r"^  (?!url)\w+ = \{(.*)\},?$", entry, re.MULTILINE)  # a url is read verbatim
        assert not [v for v in values if re.search(r"(?<!\\)[#%&_$~^]", v)], entry
        assert '"' not in entry and "insight #" not in entry
    assert "title = {{Lex Fridman Podcast \\#333}}" in citations.bibtex(corpus.get(42), corpus)


def test_the_readme_example_is_what_the_code_prints_and_compiles_to(corpus, tmp_path):
    """docs/citing: refs.bib is today's copy of four insights, and paper.bbl is what compiling paper.tex
    with it gives (README, "Citing in a paper")."""
    folder = REPO_DIR / "docs" / "citing"
    bib = citations.whole_answer([corpus.get(i) for i in (23, 30, 11, 42)], corpus, "bibtex") + "\n"
    assert (folder / "refs.bib").read_text(encoding="utf-8") == bib
    for name in ("paper.tex", "refs.bib"):
        (tmp_path / name).write_text((folder / name).read_text(encoding="utf-8"), encoding="utf-8")
    latex = ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "paper.tex"]
    for step in (latex, ["bibtex", "paper"], latex, latex):
        assert subprocess.run(step, cwd=tmp_path, capture_output=True, timeout=120).returncode == 0, step
    assert (tmp_path / "paper.bbl").read_text() == (folder / "paper.bbl").read_text()
    assert "Warning--" not in (tmp_path / "paper.blg").read_text()
