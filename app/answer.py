"""Extractive answers: the retrieved records as numbered citations [1], [2]..., his words quoted,
paraphrase labelled, in the public shape of app/contract.py.

No language model is involved: every word in an answer is either fixed framing written here or a
verbatim slice of the corpus. Only `quotes` (and the quoted fragments the seed itself marks) ever
appear inside quotation marks; the curator's words are always introduced as a paraphrase. A passage
of an ingested document is shown as a block quote (its own quotation marks stay as he wrote them),
introduced as his writing only when the document's author is Karpathy.
"""
from app import citations
from app.config import THEMES
from app.contract import Answer, Citation, DocumentPlace, SearchResponse, SourceRef
from app.corpus import Corpus, Insight, Passage, Record
from app.search import Hit, SearchResult, Searcher

PASSAGE_THEME = "Ingested writing"


def source_refs(record: Record, corpus: Corpus) -> list[SourceRef]:
    if isinstance(record, Passage):
        d = record.doc
        return [SourceRef(n=None, status="resolved", label=citations.document_label(record), title=d.title,
                          date=d.date, url=d.url)]
    return [SourceRef(n=s.n, status=s.status, label=s.label(), title=s.title, kind=s.kind, venue=s.venue,
                      date=s.date, url=s.url) for s in (corpus.sources[n] for n in record.sources)]


def citation(n: int, hit: Hit, corpus: Corpus) -> Citation:
    """The public card for the hit ranked n."""
    return record_citation(hit.record, corpus, n, hit.score)


def record_citation(record: Record, corpus: Corpus, n: int = 0, score: float = 0.0) -> Citation:
    """The public card for any record: numbered n in an answer, or unnumbered (0) when browsed."""
    copy_text = {fmt: citations.cite(record, corpus, fmt) for fmt in citations.FORMATS}
    common = dict(n=n, id=record.id, score=score, sources=source_refs(record, corpus), copy_text=copy_text)
    if isinstance(record, Passage):
        place = DocumentPlace(file=record.doc.source.rsplit("/", 1)[-1], headings=record.headings,
                              start=record.start, end=record.end, line=record.line, author=record.doc.author)
        return Citation(**common, kind="passage" if record.by_karpathy else "excerpt",
                        title=" › ".join([record.doc.title, *record.headings]), theme=None,
                        theme_name=PASSAGE_THEME, quotes=[record.clean] if record.by_karpathy else [],
                        quoting=None, paraphrase=None, document=place)
    return Citation(**common, kind=record.kind, title=record.title, theme=record.theme,
                    theme_name=THEMES[record.theme], quotes=record.quotes, quoting=record.quoting,
                    paraphrase=record.paraphrase, url=citations.url(record, corpus),
                    quote_checks=record.quote_checks)


def search_response(result: SearchResult, corpus: Corpus) -> SearchResponse:
    return SearchResponse(question=result.question, on_topic=result.on_topic,
                          citations=[citation(hit.rank, hit, corpus) for hit in result.hits])


def _said(insight: Insight) -> str:
    who = f"Karpathy, quoting {insight.quoting}" if insight.quoting else "Karpathy said"
    return f"{who}: {citations.quoted(insight)}"


def cited_lines(c: Citation, record: Record) -> list[str]:
    """The lines an answer shows for citation [n]."""
    sources = "; ".join(s.label for s in c.sources) if c.sources else "no source given in the corpus"
    if isinstance(record, Passage):
        who = "Karpathy wrote" if record.by_karpathy else f"Not Karpathy's words: {record.doc.author or 'unknown author'} wrote"
        return [f"[{c.n}] {who}, in {c.title}:", f"    > {record.clean}", f"    — {sources}"]
    lines = []
    if c.kind == "quote":
        lines.append(f"[{c.n}] {_said(record)}")
        if c.paraphrase:
            lines.append(f"    Context ({citations.PARAPHRASE_LABEL.lower()}): {c.paraphrase}")
    else:
        lines.append(f"[{c.n}] {citations.PARAPHRASE_LABEL}: {c.paraphrase}")
    lines.append(f"    — insight #{c.id} · {c.title} · {c.theme_name} · {sources}")
    return lines


def compose(result: SearchResult, corpus: Corpus) -> Answer:
    cites = search_response(result, corpus).citations
    if result.on_topic and isinstance(result.hits[0].record, Passage):
        head = f"Closest to your question is a passage of {result.hits[0].record.doc.title}:"
    elif result.on_topic:
        best = result.hits[0].record
        head = f"Closest to your question is insight #{best.id} ({best.theme_name}):"
    else:
        head = ("Nothing in the corpus is on that topic, so there is no Karpathy quote to give. "
                "Closest, but not on this topic:")
    lines = [head, ""]
    for c, hit in zip(cites, result.hits):
        lines.extend(cited_lines(c, hit.record))
    return Answer(question=result.question, on_topic=result.on_topic, lead=head, text="\n".join(lines),
                  citations=cites)


def copy_answer(answer: Answer, corpus: Corpus, fmt: citations.Format) -> str:
    """The whole answer and its numbered references in one copy format, to paste as a whole: each
    citation's "    — insight #n · …" line gives way to its full reference at the end."""
    text = "\n".join(line for line in answer.text.splitlines() if not line.startswith("    — "))
    return citations.whole_answer([corpus.get(c.id) for c in answer.citations], corpus, fmt, text=text)


def ask(searcher: Searcher, question: str, k: int | None = None, theme: str | None = None) -> Answer:
    return compose(searcher.search(question, k, theme), searcher.corpus)
