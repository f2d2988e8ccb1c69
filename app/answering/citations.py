"""Citation strings people copy into their own writing: plain text, Markdown, BibTeX and CSL-JSON.

The one rule: only his verbatim words go inside quotation marks. A paraphrase is labelled as one,
and titles of works are set in italics (Markdown) or left bare (plain), never in quotes. A passage of
an ingested document is set in curly quotes (plain) or as a block quote (Markdown), so the straight
quotation marks he wrote inside it stay exactly as they are. His words are the original's: a quote
whose check found the seed's wording differs is given as the original has it, saying how the seed
differs.

Each source is named as far as corpus/sources.toml knows it: the work (resolved), its kind and where
and when (partial: "post on X", "talk while at Tesla, 2017–2022") or "source not identified"; no
internal wording ever reaches the clipboard. A quote found in its original (app/corpus/originals.py) links to
the words themselves with a text fragment. BibTeX names the work (or a neutral "Post on X", "Talk"),
never the curator's heading, and is LaTeX that compiles as it is (specials escaped, titles braced so
no style lowercases them, `` '' quotes); CSL-JSON carries the same for Zotero and Pandoc. `whole_answer`
renders a whole answer and all its references in one format, each quote once.
"""

import json
import re
from typing import Literal

from app.contract import QuoteCheck
from app.corpus.records import Corpus, Insight, Passage, Source

# how every surface (answer text, cards, copy strings) introduces a curator's words
PARAPHRASE_LABEL = "Paraphrase, not his words"

Format = Literal["plain", "markdown", "bibtex", "csl"]
FORMATS: tuple[Format, ...] = ("plain", "markdown", "bibtex", "csl")


def attribution(insight: Insight) -> str:
    """Who the quoted words belong to."""
    if insight.quoting:
        return f"{insight.quoting}, quoted by Andrej Karpathy"
    return "Andrej Karpathy"


def quoted(insight: Insight) -> str:
    """His words in straight quotation marks: as the original has them where the seed's differ."""
    return " ".join(f'"{quote}"' for quote in insight.shown_quotes)


def link(source: Source, insight: Insight | None = None) -> str | None:
    """The work's address; for an insight whose quotes were found in this original, with a text
    fragment per quote (`#:~:text=...`, app/corpus/originals.py) so a browser opens it at the words."""
    if not source.url:
        return None
    fragments = [
        c.fragment.removeprefix(":~:")
        for c in (insight.quote_checks if insight else [])
        if c.source == source.n and c.fragment
    ]
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
    return "; ".join(
        dict.fromkeys(ANOTHER if known and s.status == "unresolved" else render(s, insight) for s in cited)
    )


def _sentence(text: str) -> str:
    """`text` ending in one full stop: none added after a quote or a sentence that already ends in one."""
    return text if text.rstrip("\"'”’)").endswith((".", "!", "?", "…")) else text + "."


def _differs(insight: Insight) -> list[str]:
    """For each quote whose check found a difference: that it is given in the original's words and how
    the seed (the corpus's source) words it, or that the words were not found in the original at all."""
    return [
        f"In the original's words (the Ask Karpathy seed differs: {c.how})"
        if c.original
        else "Not found in the original"
        for c in insight.quote_checks
        if c.status == "differs"
    ]


def check_label(checks: list[QuoteCheck]) -> str:
    """What a quote card says of its words' check: "Checked against the original", "Differs from the
    original" (shown in the original's words), "Not found in the original" or "Original not available"."""
    statuses = {c.status for c in checks} or {"not available"}
    if "differs" in statuses:
        differing = [c for c in checks if c.status == "differs"]
        if not all(c.original for c in differing):
            return "Not found in the original"
        return f"Differs from the original ({'; '.join(c.how for c in differing)}): shown in the original's words"
    if statuses == {"verified"}:
        return "Checked against the original"
    return "Original not available" if statuses == {"not available"} else "Partly checked against the original"


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


def _passage_entry(p: Passage) -> tuple[str, dict[str, str | None]]:
    """A passage's reference key (ASCII: BibTeX keys are) and the fields of its BibTeX or CSL entry."""
    note = ("Passage" if p.by_karpathy else "Excerpt, not Karpathy's words") + f": {p.clean} ({document_label(p)})"
    return re.sub(r"[^A-Za-z0-9]+", "_", p.id), {
        "author": p.doc.author or "unknown",
        "title": p.doc.title,
        "date": p.doc.date,
        "url": p.doc.url,
        "note": note,
    }


def _passage(p: Passage, fmt: Format) -> str:
    label = document_label(p)
    if fmt == "bibtex":
        return _bibtex_entry(*_passage_entry(p))
    if fmt == "csl":
        return _csl([_csl_item(*_passage_entry(p), kind="document")])
    if not p.by_karpathy:
        return f"Not Karpathy's words ({p.doc.author or 'unknown author'}): {p.clean} — {label}"
    if fmt == "markdown":
        title = f"[*{p.doc.title}*]({p.doc.url})" if p.doc.url else f"*{p.doc.title}* ({p.doc.source})"
        return f"> {p.clean}\n>\n> — Andrej Karpathy, {title}{_dated(p)}, {_place(p)}"
    return f"“{p.clean}” — Andrej Karpathy, {label}"


# What LaTeX would read as markup, and the typography it spells in ASCII (`` '' --- \ldots): a .bib
# value is LaTeX, so "#333" or "50%" would stop pdflatex and a straight " prints as a closing quote
LATEX = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "#": r"\#",
    "$": r"\$",
    "%": r"\%",
    "&": r"\&",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    "“": "``",
    "”": "''",
    "‘": "`",
    "’": "'",
    '"': "''",
    "—": "---",
    "–": "--",
    "…": r"\ldots{}",
    "›": r"\textgreater{}",
}
MONTHS = "January February March April May June July August September October November December".split()


def latex(text: str) -> str:
    """Text as LaTeX that prints it: specials escaped, straight quotation marks as `` and ''."""
    text = re.sub(r'"([^"]*)"', "“\\1”", text)  # pairs of straight quotes: opening and closing
    return "".join(LATEX.get(ch, ch) for ch in text)


def _bibtex_entry(key: str, fields: dict[str, str | None]) -> str:
    """A @misc entry: every value LaTeX-escaped, the title in a second pair of braces so that no style
    lowercases it, the url as it is (a url field is read verbatim), year and month from a date."""
    out = {}
    # "n.d." (no date), the usual mark: author-year styles warn on an entry without a year
    fields = {**fields, "date": fields.get("date") or "n.d."}
    for name, value in fields.items():
        if not value:
            continue
        if name == "date":
            full = re.fullmatch(r"(\d{4})-(\d{2})-\d{2}", value)
            out["year"] = latex(full[1] if full else value)  # "2017–2022" stays a range, "n.d." as it is
            if full and 1 <= int(full[2]) <= 12:
                out["month"] = MONTHS[int(full[2]) - 1]
        elif name == "url":
            out[name] = value
        elif name == "note":  # a style adds a period after a closing quote: end on it, not inside the quote
            out[name] = re.sub(r"([.!?])''$", r"''\1", latex(value))
        else:
            out[name] = "{" + latex(value) + "}" if name == "title" else latex(value)
    order = ("author", "title", "howpublished", "year", "month", "url", "note")
    body = ",\n".join(f"  {k} = {{{out[k]}}}" for k in order if k in out)
    return f"@misc{{{key},\n{body}\n}}"


def _where(insight: Insight, corpus: Corpus, render) -> str:
    return f"{_sources(insight, corpus, render)} (Ask Karpathy insight #{insight.id})"


def reference(record: Insight | Passage, corpus: Corpus, fmt: Format = "plain") -> str:
    """Whose words and where they are, without the words: a whole answer's footnote (its body has them)."""
    if isinstance(record, Passage):
        if not record.by_karpathy:
            return f"{record.doc.author or 'unknown author'}, not Karpathy, {document_label(record)}"
        if fmt == "markdown" and record.doc.url:
            return f"Andrej Karpathy, [*{record.doc.title}*]({record.doc.url}){_dated(record)}, {_place(record)}"
        return f"Andrej Karpathy, {document_label(record)}"
    where = _where(record, corpus, _source_markdown if fmt == "markdown" else _source_plain)
    if record.kind == "paraphrase":
        return f"Summarised from Andrej Karpathy, {where}"
    notes = [_sentence(d) for d in _differs(record)]
    return (
        " ".join([_sentence(f"{attribution(record)}, {where}"), *notes]) if notes else f"{attribution(record)}, {where}"
    )


def plain(insight: Insight, corpus: Corpus) -> str:
    where = _where(insight, corpus, _source_plain)
    if insight.kind == "quote":
        said = f"{quoted(insight)} — {attribution(insight)}, {where}"
        notes = [_sentence(d) for d in _differs(insight)]
        return " ".join([_sentence(said), *notes]) if notes else said
    return f"{PARAPHRASE_LABEL}: {insight.summary} — summarising Andrej Karpathy, {where}"


def markdown(insight: Insight, corpus: Corpus) -> str:
    """A block quote with its attribution (and how it was checked), or the labelled paraphrase."""
    where = _where(insight, corpus, _source_markdown)
    if insight.kind == "quote":
        notes = [f"*{_sentence(d)}*" for d in _differs(insight)]
        return "\n>\n".join(
            [f"> {quoted(insight)}", f"> — {attribution(insight)}, {where}", *(f"> {n}" for n in notes)]
        )
    return f"*{PARAPHRASE_LABEL}:* {insight.summary} — summarising Andrej Karpathy, {where}"


def _work(source: Source | None) -> dict[str, str | None]:
    """title, howpublished, date and url of the work: its own title where it is known, else a neutral
    description ("Post on X", "Talk"), never the curator's heading for the insight. A partial source's
    howpublished says only what the title does not ("Talk while at Tesla"), and never its date again: a style
    prints both, and "Post on X. Post on X, n.d." reads as a mistake."""
    if source is None or source.status == "unresolved":
        return {"title": "Source not identified"}

    def cap(s):
        return s[0].upper() + s[1:]

    if source.status == "partial":
        howpublished = cap(f"{source.kind} {source.venue}") if source.venue else None
        return {"title": cap(source.kind), "howpublished": howpublished, "date": source.date}
    return {"title": source.title, "howpublished": cap(source.kind), "date": source.date, "url": source.url}


def _primary(insight: Insight, corpus: Corpus) -> tuple[Source | None, list[str]]:
    """The work an entry names (the first resolved source, else the first of which anything is known),
    and what is known of the insight's other sources."""
    cited = [corpus.sources[n] for n in insight.sources]
    primary = next((s for s in cited if s.status == "resolved"), None) or next(
        (s for s in cited if s.status == "partial"), None
    )
    others = [
        ANOTHER if s.status == "unresolved" else s.description()
        for s in cited
        if primary and s.description() != primary.description()
    ]
    return primary, list(dict.fromkeys(others))


def _note(insight: Insight, others: list[str]) -> str:
    """His quote (in the original's words where they differ, and how), or the corpus's summary labelled
    as not his words; then any other source. No project numbering: the key already carries the insight."""
    if insight.kind == "quote":
        note = [
            f"Quoted: {quoted(insight)}"
            + (f" ({insight.quoting}'s words, quoted by Andrej Karpathy)" if insight.quoting else ""),
            *_differs(insight),
        ]
        if not _differs(insight):  # the check ends the note: a style's closing period never follows a quote
            note.append(check_label(insight.quote_checks))
    else:
        note = [f"Summary in the Ask Karpathy corpus, not his words: {insight.summary}"]
    if others:
        note.append("Also cited: " + "; ".join(others))
    return " ".join(_sentence(n) for n in note)


def bibtex(insight: Insight, corpus: Corpus) -> str:
    """A @misc entry for the work the insight comes from, authored by him; the note carries his quote,
    or the corpus's summary labelled as not his words. The key, karpathy_insight_<id>, never changes.

    The url is the work's address without a text fragment: some styles read its % escapes as TeX comments.
    """
    primary, others = _primary(insight, corpus)
    fields = {"author": "Andrej Karpathy", **_work(primary), "note": _note(insight, others)}
    return _bibtex_entry(f"karpathy_insight_{insight.id}", fields)


# CSL item types for the kinds of work in corpus/sources.toml (what Zotero and citeproc format them as)
CSL_TYPES = {
    "blog post": "post-weblog",
    "essay": "post-weblog",
    "talk": "speech",
    "podcast": "interview",
    "interview": "interview",
    "post on X": "post",
    "tweet": "post",
    "course": "webpage",
}


def _csl_item(key: str, fields: dict[str, str | None], kind: str) -> dict:
    author = fields["author"]
    given, _, family = author.rpartition(" ")
    item = {
        "id": key,
        "type": kind,
        "author": [{"family": family, "given": given} if given else {"literal": author}],
        "title": fields["title"],
    }
    if fields.get("howpublished"):
        item["genre"] = fields["howpublished"]
    date = fields.get("date")
    if date and re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?(–\d{4})?", date):  # YYYY-MM-DD, YYYY, or YYYY–YYYY
        item["issued"] = {"date-parts": [[int(x) for x in d.split("-")] for d in date.split("–")]}
    elif date:  # an ingested document's date as its front matter gave it
        item["issued"] = {"literal": date}
    if fields.get("url"):
        item["URL"] = fields["url"]
    item["note"] = fields["note"]
    return item


def _csl(items: list[dict]) -> str:
    return json.dumps(items, ensure_ascii=False, indent=2)


def csl_item(record: Insight | Passage, corpus: Corpus) -> dict:
    """One CSL-JSON item: the same work, author and note as the BibTeX entry; its URL opens at the words."""
    if isinstance(record, Passage):
        return _csl_item(*_passage_entry(record), kind="document")
    primary, others = _primary(record, corpus)
    fields = {"author": "Andrej Karpathy", **_work(primary), "note": _note(record, others)}
    if primary is not None and primary.status == "resolved":
        fields["url"] = link(primary, record)
    kind = CSL_TYPES.get(primary.kind, "document") if primary and primary.kind else "document"
    return _csl_item(f"karpathy_insight_{record.id}", fields, kind)


def cite(record: Insight | Passage, corpus: Corpus, fmt: Format = "plain") -> str:
    if fmt == "csl":
        return _csl([csl_item(record, corpus)])
    if isinstance(record, Passage):
        return _passage(record, fmt)
    return {"plain": plain, "markdown": markdown, "bibtex": bibtex}[fmt](record, corpus)


def _words(record: Insight | Passage, fmt: Format) -> str:
    """What a record says, for the body of a whole answer: his words in quotation marks, a passage of a
    document in curly ones, a paraphrase labelled."""
    if isinstance(record, Passage):
        who = "" if record.by_karpathy else f"Not Karpathy's words ({record.doc.author or 'unknown author'}): "
        return f"{who}“{record.clean}”"
    if record.kind == "paraphrase":
        label = f"*{PARAPHRASE_LABEL}:*" if fmt == "markdown" else f"{PARAPHRASE_LABEL}:"
        return f"{label} {record.summary}"
    who = f" — {record.quoting}, quoted by Karpathy" if record.quoting else ""
    return quoted(record) + who


def _said(record: Insight | Passage) -> list[str]:
    if isinstance(record, Passage):
        return [record.clean]
    return record.shown_quotes if record.kind == "quote" else [record.paraphrase]


def _whole_lead(lead: str, record: Insight | Passage) -> tuple[str, bool]:
    """The lead with the slice it quotes of [1]'s words made whole, and whether it now gives all of [1]'s
    words (then the body need not repeat them). The slice may open past an ellipsis or mid-quote ("You're not a
    paper writer. …" of "Finally, I'd like to challenge you …"): pasted, the slice and then the whole quote under
    it would say the same words twice."""
    said = _said(record)
    m = re.search(r"“([^”]+)”", lead)
    if m and m.group(1).strip("… ") in said[0]:
        lead = lead[: m.start(1)] + said[0] + lead[m.end(1) :]
    return lead, all(words in lead for words in said)


def whole_answer(
    records: list[Insight | Passage],
    corpus: Corpus,
    fmt: Format = "plain",
    lead: str | None = None,
    on_topic: bool = True,
) -> str:
    """An answer and all its references in one format, to paste as a whole: the records are the
    answer's citations in order ([1] is records[0]); `lead` is the answer's opening with its [n] markers.

    Each record's words appear once, in the body (the lead, or a line of their own marked [n]); its
    reference carries only whose words and where. Markdown: footnotes [^n], one per record, each its own
    paragraph; plain: the body, then "References" and [n] per record; BibTeX and CSL-JSON: every entry,
    once (the text cannot go in them). An answer that is not on the topic cites nothing: its closest
    records are not sources for it, so the copy says there is nothing and carries no reference.
    """
    if not on_topic:
        nothing = "Nothing in the Ask Karpathy corpus is on this topic, so there is nothing to cite."
        return {"bibtex": f"@comment{{{nothing}}}", "csl": "[]"}.get(fmt, lead or nothing)
    if fmt == "bibtex":
        return "\n\n".join(dict.fromkeys(cite(r, corpus, "bibtex") for r in records))
    if fmt == "csl":
        return _csl(list({item["id"]: item for item in (csl_item(r, corpus) for r in records)}.values()))
    mark = (lambda n: f"[^{n}]") if fmt == "markdown" else (lambda n: f"[{n}]")
    said_in_lead = False
    if lead and records:
        lead, said_in_lead = _whole_lead(lead, records[0])
    body = [re.sub(r"\[(\d+)\]", lambda m: mark(m.group(1)), lead)] if lead else []
    for n, r in enumerate(records, 1):
        if not (n == 1 and said_in_lead):
            line = f"{_words(r, fmt)} {mark(n)}"
            quote_like = isinstance(r, Passage) or r.kind == "quote"  # a block quote in Markdown
            body.append(f"> {line}" if fmt == "markdown" and quote_like else line)
    if not records:  # "that is all the corpus has": the lead alone
        return "\n\n".join(body)
    if fmt == "markdown":
        notes = [f"[^{n}]: {reference(r, corpus, 'markdown')}" for n, r in enumerate(records, 1)]
        return "\n\n".join(body + notes)
    refs = "\n".join(f"[{n}] {reference(r, corpus)}" for n, r in enumerate(records, 1))
    return "\n\n".join(body + ["References\n" + refs])
