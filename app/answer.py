"""Extractive answers: the retrieved insights, numbered [1], [2]..., his words quoted, paraphrase labelled.

No language model is involved: every word in an answer is either fixed framing written here or a
verbatim slice of the corpus. Only `quotes` (and the quoted fragments the seed itself marks) ever
appear inside quotation marks; the curator's words are always introduced as a paraphrase.
"""
from typing import Literal

from pydantic import BaseModel

from app import citations
from app.corpus import Insight
from app.search import Hit, SearchResult, Searcher


class Citation(BaseModel):
    """One numbered citation: what the [n] in an answer points to, in every copy format."""
    n: int
    insight_id: int
    title: str
    theme: str
    kind: Literal["quote", "paraphrase"]
    quotes: list[str]
    quoting: str | None
    paraphrase: str | None
    sources: list[str]
    score: float
    copy_text: dict[str, str]  # format -> the exact string a user copies


class Answer(BaseModel):
    question: str
    mode: Literal["extractive"] = "extractive"
    on_topic: bool
    text: str
    citations: list[Citation]


def _citation(n: int, hit: Hit, searcher: Searcher) -> Citation:
    insight, corpus = hit.insight, searcher.corpus
    return Citation(
        n=n, insight_id=insight.id, title=insight.title, theme=insight.theme_name, kind=insight.kind,
        quotes=insight.quotes, quoting=insight.quoting, paraphrase=insight.paraphrase,
        sources=[corpus.sources[s].label() for s in insight.sources], score=round(hit.score, 4),
        copy_text={fmt: citations.cite(insight, corpus, fmt) for fmt in citations.FORMATS},
    )


def _said(insight: Insight) -> str:
    who = f"Karpathy, quoting {insight.quoting}" if insight.quoting else "Karpathy said"
    return f"{who}: {citations.quoted(insight)}"


def cited_lines(c: Citation, insight: Insight) -> list[str]:
    """The lines an answer shows for citation [n]."""
    lines = []
    if c.kind == "quote":
        lines.append(f"[{c.n}] {_said(insight)}")
        if c.paraphrase:
            lines.append(f"    Context, paraphrased in the corpus (not his words): {c.paraphrase}")
    else:
        lines.append(f"[{c.n}] Paraphrased in the corpus (not his words): {c.paraphrase}")
    sources = "; ".join(c.sources) if c.sources else "no source given in the corpus"
    lines.append(f"    — insight #{c.insight_id} · {c.title} · {c.theme} · {sources}")
    return lines


def compose(result: SearchResult, searcher: Searcher) -> Answer:
    cites = [_citation(n, hit, searcher) for n, hit in enumerate(result.hits, 1)]
    if result.on_topic:
        best = result.hits[0].insight
        head = f"Closest to your question is insight #{best.id} ({best.theme_name}):"
    else:
        head = ("Nothing in the corpus is on that topic, so there is no Karpathy quote to give. "
                "Closest, but not on this topic:")
    lines = [head, ""]
    for c, hit in zip(cites, result.hits):
        lines.extend(cited_lines(c, hit.insight))
    return Answer(question=result.question, on_topic=result.on_topic, text="\n".join(lines), citations=cites)


def ask(searcher: Searcher, question: str, k: int | None = None, theme: str | None = None) -> Answer:
    return compose(searcher.search(question, k, theme), searcher)
