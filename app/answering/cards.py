"""Cards: a ranked record as the public citation of app/contract.py, and the lines an answer shows for it.

Only `quotes` (and the quoted fragments the seed itself marks) ever appear inside quotation marks; the
curator's words are always introduced as a paraphrase. A passage of an ingested document is shown as a
block quote (its own quotation marks stay as he wrote them), introduced as his writing only when the
document's author is Karpathy.
"""

import app.answering.citations as citations
from app.config import THEMES
from app.contract import Citation, DocumentPlace, SearchResponse, SourceRef
from app.corpus.records import Corpus, Insight, Passage, Record
from app.retrieval.search import Hit, SearchResult

PASSAGE_THEME = "Ingested writing"


def source_refs(record: Record, corpus: Corpus) -> list[SourceRef]:
    if isinstance(record, Passage):
        d = record.doc
        return [
            SourceRef(
                n=None, status="resolved", label=citations.document_label(record), title=d.title, date=d.date, url=d.url
            )
        ]
    return [
        SourceRef(
            n=s.n, status=s.status, label=s.label(), title=s.title, kind=s.kind, venue=s.venue, date=s.date, url=s.url
        )
        for s in (corpus.sources[n] for n in record.sources)
    ]


def citation(n: int, hit: Hit, corpus: Corpus) -> Citation:
    """The public card for the hit ranked n."""
    return record_citation(hit.record, corpus, n, hit.score)


def record_citation(record: Record, corpus: Corpus, n: int = 0, score: float = 0.0) -> Citation:
    """The public card for any record: numbered n in an answer, or unnumbered (0) when browsed."""
    copy_text = {fmt: citations.cite(record, corpus, fmt) for fmt in citations.FORMATS}
    common = dict(n=n, id=record.id, score=score, sources=source_refs(record, corpus), copy_text=copy_text)
    if isinstance(record, Passage):
        place = DocumentPlace(
            file=record.doc.source.rsplit("/", 1)[-1],
            headings=record.headings,
            start=record.start,
            end=record.end,
            line=record.line,
            author=record.doc.author,
        )
        return Citation(
            **common,
            kind="passage" if record.by_karpathy else "excerpt",
            title=" › ".join([record.doc.title, *record.headings]),
            theme=None,
            theme_name=PASSAGE_THEME,
            quotes=[record.clean] if record.by_karpathy else [],
            quoting=None,
            paraphrase=None,
            document=place,
        )
    return Citation(
        **common,
        kind=record.kind,
        title=record.title,
        theme=record.theme,
        theme_name=THEMES[record.theme],
        quotes=record.shown_quotes,
        quoting=record.quoting,
        paraphrase=record.paraphrase,
        url=citations.url(record, corpus),
        quote_checks=record.quote_checks,
    )


def search_response(result: SearchResult, corpus: Corpus) -> SearchResponse:
    return SearchResponse(
        question=result.question,
        on_topic=result.on_topic,
        citations=[citation(hit.rank, hit, corpus) for hit in result.hits],
    )


def _said(insight: Insight) -> str:
    who = f"Karpathy, quoting {insight.quoting}" if insight.quoting else "Karpathy said"
    return f"{who}: {citations.quoted(insight)}"


def check_line(c: Citation) -> str:
    """How the quote was checked: against the original (with the link that opens it at the words),
    differing from it (so shown in its words, and how the seed differs), or with no original at hand."""
    deep = c.url if c.url and "#:~:" in c.url else None
    label = citations.check_label(c.quote_checks)
    return f"{label}: {deep}" if deep else label


def shown_above(c: Citation) -> str:
    """How a card the conversation just showed is named when an answer cites it again: the page folds it
    under this line, the terminal prints only this line."""
    return f"[{c.n}] {c.title}: the card shown above"


def cited_lines(c: Citation, record: Record, above: bool = False) -> list[str]:
    """The lines an answer shows for citation [n]; for the card shown just above, cited again (`above`),
    only its name (shown_above)."""
    if above:
        return [shown_above(c)]
    sources = "; ".join(s.label for s in c.sources) if c.sources else "no source given in the corpus"
    if isinstance(record, Passage):
        who = (
            "Karpathy wrote"
            if record.by_karpathy
            else f"Not Karpathy's words: {record.doc.author or 'unknown author'} wrote"
        )
        return [f"[{c.n}] {who}, in {c.title}:", f"    > {record.clean}", f"    — {sources}"]
    lines = []
    if c.kind == "quote":
        lines.append(f"[{c.n}] {_said(record)}")
        lines.append(f"    {check_line(c)}")
        if c.paraphrase:
            lines.append(f"    Context ({citations.PARAPHRASE_LABEL.lower()}): {c.paraphrase}")
    else:
        lines.append(f"[{c.n}] {citations.PARAPHRASE_LABEL}: {c.paraphrase}")
    lines.append(f"    — insight #{c.id} · {c.title} · {c.theme_name} · {sources}")
    return lines
