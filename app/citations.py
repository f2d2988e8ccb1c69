"""Citation strings people copy into their own writing: plain text, Markdown and BibTeX.

The one rule: only his verbatim words go inside quotation marks. A paraphrase is labelled as one,
and titles of works are set in italics (Markdown) or left bare (plain), never in quotes. A passage of
an ingested document is set in curly quotes (plain) or as a block quote (Markdown), so the straight
quotation marks he wrote inside it stay exactly as they are.
"""
import re
from typing import Literal

from app.corpus import Corpus, Insight, Passage, Source

Format = Literal["plain", "markdown", "bibtex"]
FORMATS: tuple[Format, ...] = ("plain", "markdown", "bibtex")


def attribution(insight: Insight) -> str:
    """Who the quoted words belong to."""
    if insight.quoting:
        return f"{insight.quoting}, quoted by Andrej Karpathy"
    return "Andrej Karpathy"


def quoted(insight: Insight) -> str:
    return " ".join(f'"{quote}"' for quote in insight.quotes)


ANOTHER = "another source, not identified"  # beside a source of which something is known


def _source_plain(source: Source) -> str:
    if source.status != "resolved":
        return source.description()
    return f"{source.title} ({source.kind}, {source.date}) {source.url}"


def _source_markdown(source: Source) -> str:
    if source.status != "resolved":
        return source.description()
    return f"[*{source.title}*]({source.url}) ({source.kind}, {source.date})"


def _sources(insight: Insight, corpus: Corpus, render) -> str:
    """What is known of each source the insight cites; "source not identified" where nothing is."""
    if not insight.sources:
        return "source not identified"
    cited = [corpus.sources[n] for n in insight.sources]
    known = any(s.status != "unresolved" for s in cited)
    return "; ".join(dict.fromkeys(ANOTHER if known and s.status == "unresolved" else render(s)
                                   for s in cited))


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
        return f"{quoted(insight)} — {attribution(insight)}, {where}"
    return f"Paraphrase, not his words: {insight.paraphrase} — summarising Andrej Karpathy, {where}"


def markdown(insight: Insight, corpus: Corpus) -> str:
    where = f"{_sources(insight, corpus, _source_markdown)} (Ask Karpathy insight #{insight.id})"
    if insight.kind == "quote":
        return f"> {quoted(insight)}\n>\n> — {attribution(insight)}, {where}"
    return f"*Paraphrase, not his words:* {insight.paraphrase} — summarising Andrej Karpathy, {where}"


def bibtex(insight: Insight, corpus: Corpus) -> str:
    """A @misc entry a reference manager can import; the note carries the quote or the paraphrase."""
    resolved = [corpus.sources[n] for n in insight.sources if corpus.sources[n].status == "resolved"]
    if insight.kind == "quote":
        note = f"Quote: {quoted(insight)}"
        if insight.quoting:
            note += f" ({insight.quoting}, quoted by Andrej Karpathy)"
    else:
        note = f"Paraphrase, not his words: {insight.paraphrase}"
    unknown = [corpus.sources[n].description() for n in insight.sources if corpus.sources[n].status != "resolved"]
    if unknown:
        note += f". Source: {'; '.join(dict.fromkeys(unknown))}"
    note += f". Ask Karpathy insight #{insight.id}"
    fields = {"author": "Andrej Karpathy"}
    if resolved:
        fields["title"] = resolved[0].title
        fields["year"] = resolved[0].date[:4]
        fields["url"] = resolved[0].url
    else:
        fields["title"] = insight.title
    fields["note"] = note
    return _bibtex_entry(f"karpathy_insight_{insight.id}", fields)


def cite(record: Insight | Passage, corpus: Corpus, fmt: Format = "plain") -> str:
    if isinstance(record, Passage):
        return _passage(record, fmt)
    return {"plain": plain, "markdown": markdown, "bibtex": bibtex}[fmt](record, corpus)
