"""Citation strings people copy into their own writing: plain text, Markdown and BibTeX.

The one rule: only his verbatim words go inside quotation marks. A paraphrase is labelled as one,
and titles of works are set in italics (Markdown) or left bare (plain), never in quotes.
"""
from typing import Literal

from app.corpus import Corpus, Insight, Source

Format = Literal["plain", "markdown", "bibtex"]
FORMATS: tuple[Format, ...] = ("plain", "markdown", "bibtex")


def attribution(insight: Insight) -> str:
    """Who the quoted words belong to."""
    if insight.quoting:
        return f"{insight.quoting}, quoted by Andrej Karpathy"
    return "Andrej Karpathy"


def quoted(insight: Insight) -> str:
    return " ".join(f'"{quote}"' for quote in insight.quotes)


def _source_plain(source: Source) -> str:
    if source.status == "unresolved":
        return f"source [{source.n}] (not given in the corpus)"
    return f"{source.title} ({source.kind}, {source.date}) {source.url}"


def _source_markdown(source: Source) -> str:
    if source.status == "unresolved":
        return f"source [{source.n}] (not given in the corpus)"
    return f"[*{source.title}*]({source.url}) ({source.kind}, {source.date})"


def _sources(insight: Insight, corpus: Corpus, render) -> str:
    if not insight.sources:
        return "no source given in the corpus"
    return "; ".join(render(corpus.sources[n]) for n in insight.sources)


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
    unresolved = [n for n in insight.sources if corpus.sources[n].status == "unresolved"]
    if unresolved:
        note += f". Source {', '.join(f'[{n}]' for n in unresolved)} not given in the corpus"
    note += f". Ask Karpathy insight #{insight.id}"
    fields = {"author": "Andrej Karpathy"}
    if resolved:
        fields["title"] = resolved[0].title
        fields["year"] = resolved[0].date[:4]
        fields["url"] = resolved[0].url
    else:
        fields["title"] = insight.title
    fields["note"] = note
    # braces are BibTeX's delimiters; the corpus has none, but never let one break the entry
    body = ",\n".join(f"  {k} = {{{v.replace('{', '(').replace('}', ')')}}}" for k, v in fields.items())
    return f"@misc{{karpathy_insight_{insight.id},\n{body}\n}}"


def cite(insight: Insight, corpus: Corpus, fmt: Format = "plain") -> str:
    return {"plain": plain, "markdown": markdown, "bibtex": bibtex}[fmt](insight, corpus)
