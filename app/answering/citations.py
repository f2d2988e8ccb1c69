"""Citation strings people copy into their own writing: plain text, Markdown and BibTeX.

The one rule: only his verbatim words go inside quotation marks. A paraphrase is labelled as one,
and titles of works are set in italics (Markdown) or left bare (plain), never in quotes. A passage of
an ingested document is set in curly quotes (plain) or as a block quote (Markdown), so the straight
quotation marks he wrote inside it stay exactly as they are.

Each source is named as far as corpus/sources.toml knows it: the work (resolved), its kind and where
and when (partial: "post on X", "talk while at Tesla, 2017–2022") or "source not identified"; no
internal wording ever reaches the clipboard. A quote found in its original (app/corpus/originals.py) links to
the words themselves with a text fragment; one that differs from its original says so and gives the
original's words. BibTeX names the work (or a neutral "Post on X", "Talk"), never the curator's
heading, and a paraphrase goes in its note as the corpus's summary. `whole_answer` renders a whole
answer and all its references in one format.
"""
import re
from typing import Literal

from app.corpus.records import Corpus, Insight, Passage, Source

# how every surface (answer text, cards, copy strings) introduces a curator's words
PARAPHRASE_LABEL = "Paraphrase, not his words"

Format = Literal["plain", "markdown", "bibtex"]
FORMATS: tuple[Format, ...] = ("plain", "markdown", "bibtex")


def attribution(insight: Insight) -> str:
    """Who the quoted words belong to."""
    if insight.quoting:
        return f"{insight.quoting}, quoted by Andrej Karpathy"
    return "Andrej Karpathy"


def quoted(insight: Insight) -> str:
    return " ".join(f'"{quote}"' for quote in insight.quotes)


def link(source: Source, insight: Insight | None = None) -> str | None:
    """The work's address; for an insight whose quotes were found in this original, with a text
    fragment per quote (`#:~:text=...`, app/corpus/originals.py) so a browser opens it at the words."""
    if not source.url:
        return None
    fragments = [c.fragment.removeprefix(":~:") for c in (insight.quote_checks if insight else [])
                 if c.source == source.n and c.fragment]
    return f"{source.url}#:~:{'&'.join(fragments)}" if fragments else source.url


def url(insight: Insight, corpus: Corpus) -> str | None:
    """The address a card links to: the first resolved source's, with the quotes' text fragments."""
    resolved = [corpus.sources[n] for n in insight.sources if corpus.sources[n].status == "resolved"]
    return link(resolved[0], insight) if resolved else None


ANOTHER = "another source, not identified"  # beside a source of which something is known


def _source_plain(source: Source, insight: Insight) -> str:
    if source.status != "resolved":
        return source.description()
    return f"{source.title} ({source.kind}, {source.date}) {link(source, insight)}"


def _source_markdown(source: Source, insight: Insight) -> str:
    if source.status != "resolved":
        return source.description()
    return f"[*{source.title}*]({link(source, insight)}) ({source.kind}, {source.date})"


def _sources(insight: Insight, corpus: Corpus, render) -> str:
    """What is known of each source the insight cites; "source not identified" where nothing is."""
    if not insight.sources:
        return "source not identified"
    cited = [corpus.sources[n] for n in insight.sources]
    known = any(s.status != "unresolved" for s in cited)
    return "; ".join(dict.fromkeys(ANOTHER if known and s.status == "unresolved" else render(s, insight)
                                   for s in cited))


def _sentence(text: str) -> str:
    """`text` ending in one full stop: none added after a quote or a sentence that already ends in one."""
    return text if text.rstrip("\"'”’)").endswith((".", "!", "?", "…")) else text + "."


def _differs(insight: Insight) -> list[str]:
    """For each quote that differs from its original, the original's words: his too, set in curly
    quotes like a passage of a document (straight quotes hold only the corpus's verbatim spans); or
    that the words were not found in it at all."""
    return [f"Differs from the original, which reads: “{c.original}”" if c.original else
            "Not found in the original" for c in insight.quote_checks if c.status == "differs"]


def _place(p: Passage) -> str:
    """The section and the exact characters of the source file a passage is."""
    section = "section: " + " › ".join(p.headings) + ", " if p.headings else ""
    line = f"line {p.line}, " if p.line else ""
    return f"{section}{line}characters {p.start}–{p.end} of {p.doc.source.rsplit('/', 1)[-1]}"


def _dated(p: Passage) -> str:
    return f" ({p.doc.date})" if p.doc.date else ""


def document_label(p: Passage) -> str:
    """Where a passage is: document, date, address, section and the exact characters."""
    return f"{p.doc.title}{_dated(p)}, {p.doc.url or p.doc.source}, {_place(p)}"


def _passage(p: Passage, fmt: Format) -> str:
    label = document_label(p)
    if fmt == "bibtex":
        fields = {"author": p.doc.author or "unknown", "title": p.doc.title}
        if p.doc.date:
            fields["year"] = p.doc.date[:4]
        if p.doc.url:
            fields["url"] = p.doc.url
        fields["note"] = ("Passage" if p.by_karpathy else "Excerpt, not Karpathy's words") + f": {p.clean} ({label})"
        return _bibtex_entry(re.sub(r"\W+", "_", p.id), fields)
    if not p.by_karpathy:
        return f"Not Karpathy's words ({p.doc.author or 'unknown author'}): {p.clean} — {label}"
    if fmt == "markdown":
        title = f"[*{p.doc.title}*]({p.doc.url})" if p.doc.url else f"*{p.doc.title}* ({p.doc.source})"
        return f"> {p.clean}\n>\n> — Andrej Karpathy, {title}{_dated(p)}, {_place(p)}"
    return f"“{p.clean}” — Andrej Karpathy, {label}"


def _bibtex_entry(key: str, fields: dict[str, str]) -> str:
    # braces delimit BibTeX values: escaped, a brace inside a quote neither breaks the entry nor is lost
    escaped = {k: v.replace("{", "\\{").replace("}", "\\}") for k, v in fields.items()}
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in escaped.items())
    return f"@misc{{{key},\n{body}\n}}"


def plain(insight: Insight, corpus: Corpus) -> str:
    where = f"{_sources(insight, corpus, _source_plain)} (Ask Karpathy insight #{insight.id})"
    if insight.kind == "quote":
        said = f"{quoted(insight)} — {attribution(insight)}, {where}"
        notes = [_sentence(d) for d in _differs(insight)]
        return " ".join([_sentence(said), *notes]) if notes else said
    return f"{PARAPHRASE_LABEL}: {insight.paraphrase} — summarising Andrej Karpathy, {where}"


def markdown(insight: Insight, corpus: Corpus, inline: bool = False) -> str:
    """A block quote with its attribution, or, `inline`, one line (a footnote of a whole answer)."""
    where = f"{_sources(insight, corpus, _source_markdown)} (Ask Karpathy insight #{insight.id})"
    if insight.kind == "quote":
        notes = [f"*{_sentence(d)}*" for d in _differs(insight)]
        if inline:
            said = f"{quoted(insight)} — {attribution(insight)}, {where}"
            return " ".join([_sentence(said), *notes]) if notes else said
        return "\n>\n".join([f"> {quoted(insight)}", f"> — {attribution(insight)}, {where}", *(f"> {n}" for n in notes)])
    return f"*{PARAPHRASE_LABEL}:* {insight.paraphrase} — summarising Andrej Karpathy, {where}"


def _bibtex_source(source: Source | None) -> dict[str, str]:
    """title, howpublished, year and url of the work: its own title where it is known, else a neutral
    description ("Post on X", "Talk"), never the curator's heading for the insight."""
    if source is None or source.status == "unresolved":
        return {"title": "Source not identified"}
    if source.status == "partial":
        fields = {"title": source.kind[0].upper() + source.kind[1:]}
        described = source.description()
        fields["howpublished"] = described[0].upper() + described[1:]
        if source.date and len(source.date) == 4:
            fields["year"] = source.date
        return fields
    return {"title": source.title, "howpublished": source.kind[0].upper() + source.kind[1:],
            "year": source.date[:4], "url": source.url}


def bibtex(insight: Insight, corpus: Corpus) -> str:
    """A @misc entry for the work the insight comes from, authored by him; the note carries his quote,
    or the corpus's summary labelled as not his words. The key, karpathy_insight_<id>, never changes.

    The url is the work's address without a text fragment: some styles read its % escapes as TeX comments.
    """
    cited = [corpus.sources[n] for n in insight.sources]
    # the work named: the first resolved source, else the first of which anything is known
    primary = next((s for s in cited if s.status == "resolved"), None) or \
        next((s for s in cited if s.status == "partial"), None)
    if insight.kind == "quote":
        note = [f"Quoted: {quoted(insight)}" + (f" ({insight.quoting}'s words, quoted by Andrej Karpathy)"
                                                  if insight.quoting else ""), *_differs(insight)]
    else:
        note = [f"Summary in the Ask Karpathy corpus, not his words: {insight.paraphrase}"]
    others = [ANOTHER if s.status == "unresolved" else s.description() for s in cited
              if primary and s.description() != primary.description()]
    if others:
        note.append("Also cited: " + "; ".join(dict.fromkeys(others)))
    note.append(f"Ask Karpathy insight #{insight.id}")
    fields = {"author": "Andrej Karpathy", **_bibtex_source(primary),
              "note": " ".join(_sentence(n) for n in note)}
    return _bibtex_entry(f"karpathy_insight_{insight.id}", fields)


def cite(record: Insight | Passage, corpus: Corpus, fmt: Format = "plain") -> str:
    if isinstance(record, Passage):
        return _passage(record, fmt)
    return {"plain": plain, "markdown": markdown, "bibtex": bibtex}[fmt](record, corpus)


def whole_answer(records: list[Insight | Passage], corpus: Corpus, fmt: Format = "plain",
                 text: str | None = None) -> str:
    """An answer and all its references in one format, to paste as a whole: the records are the
    answer's citations in order ([1] is records[0]); `text` is the answer with its [n] markers.

    Markdown: the text with footnote references [^n], then one footnote per record; plain: the text,
    then "References" and a numbered list; BibTeX: every entry, once (the text cannot go in a .bib file).
    """
    if fmt == "bibtex":
        return "\n\n".join(dict.fromkeys(cite(r, corpus, "bibtex") for r in records))
    if fmt == "markdown":
        notes = [f"[^{n}]: " + (markdown(r, corpus, inline=True) if isinstance(r, Insight)
                                else _passage(r, "plain")) for n, r in enumerate(records, 1)]
        body = re.sub(r"\[(\d+)\]", r"[^\1]", text) if text else None
        return "\n\n".join([b for b in (body,) if b] + ["\n".join(notes)])
    refs = "\n".join(f"{n}. {cite(r, corpus, 'plain')}" for n, r in enumerate(records, 1))
    return "\n\n".join([t for t in (text,) if t] + ["References\n" + refs])
