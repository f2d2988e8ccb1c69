"""Extractive answers: the retrieved insights, numbered [1], [2]..., his words quoted, paraphrase labelled.

No language model is involved: every word in an answer is either fixed framing written here or a
verbatim slice of the corpus. Only `quotes` (and the quoted fragments the seed itself marks) ever
appear inside quotation marks; the curator's words are always introduced as a paraphrase. A passage
of an ingested document is shown as a block quote (its own quotation marks stay as he wrote them),
introduced as his writing only when the document's author is Karpathy.
"""
import re
from typing import Literal

from pydantic import BaseModel

from app import citations
from app.corpus import Document, Insight, Passage, QuoteCheck
from app.search import Hit, SearchResult, Searcher
from app.verify import SentenceCheck


class Citation(BaseModel):
    """One numbered citation: what the [n] in an answer points to, in every copy format."""
    n: int
    key: int | str  # the insight number or the passage id
    insight_id: int | None  # None for a passage of an ingested document
    title: str
    theme: str
    # quote: his words (insight); paraphrase: a curator's (insight); passage: his writing (ingested);
    # excerpt: an ingested document by someone else
    kind: Literal["quote", "paraphrase", "passage", "excerpt"]
    quotes: list[str]
    quoting: str | None
    paraphrase: str | None
    sources: list[str]
    score: float
    copy_text: dict[str, str]  # format -> the exact string a user copies
    document: Document | None = None  # provenance of a passage: title, url, date, file
    headings: list[str] = []
    start: int | None = None  # the passage is the document's characters [start:end]
    end: int | None = None
    # the work's address; for a quote found in its original, with text fragments that open it at the words
    url: str | None = None
    quote_checks: list[QuoteCheck] = []  # per quote: verified / differs (how, the original's words) / not available


class Answer(BaseModel):
    question: str
    # extractive: corpus text only; local: a local model's sentences, each verified (app/local_answer.py)
    mode: Literal["extractive", "local"] = "extractive"
    on_topic: bool
    text: str
    citations: list[Citation]
    verified: str | None = None  # local-model mode: "k of n sentences kept"
    notice: str | None = None  # why a local-model request was answered extractively
    model: str | None = None  # the local model asked, and where it ran
    checks: list[SentenceCheck] = []  # every model sentence, kept or dropped, with the reason


def _citation(n: int, hit: Hit, searcher: Searcher) -> Citation:
    corpus = searcher.corpus
    copy_text = {fmt: citations.cite(hit.insight or hit.passage, corpus, fmt) for fmt in citations.FORMATS}
    if hit.passage:
        p = hit.passage
        return Citation(
            n=n, key=p.id, insight_id=None, title=" › ".join([p.doc.title, *p.headings]), theme="Ingested writing",
            kind="passage" if p.by_karpathy else "excerpt", quotes=[p.clean] if p.by_karpathy else [],
            quoting=None, paraphrase=None, sources=[citations.document_label(p)], score=round(hit.score, 4),
            copy_text=copy_text, document=p.doc, headings=p.headings, start=p.start, end=p.end)
    insight = hit.insight
    return Citation(
        n=n, key=insight.id, insight_id=insight.id, title=insight.title, theme=insight.theme_name, kind=insight.kind,
        quotes=insight.quotes, quoting=insight.quoting, paraphrase=insight.paraphrase,
        sources=[corpus.sources[s].label() for s in insight.sources], score=round(hit.score, 4), copy_text=copy_text,
        url=citations.url(insight, corpus), quote_checks=insight.quote_checks)


def _said(insight: Insight) -> str:
    who = f"Karpathy, quoting {insight.quoting}" if insight.quoting else "Karpathy said"
    return f"{who}: {citations.quoted(insight)}"


def cited_lines(c: Citation, record: Insight | Passage) -> list[str]:
    """The lines an answer shows for citation [n]."""
    if isinstance(record, Passage):
        who = "Karpathy wrote" if record.by_karpathy else f"Not Karpathy's words: {record.doc.author or 'unknown author'} wrote"
        return [f"[{c.n}] {who}, in {c.title}:", f"    > {record.clean}", f"    — {c.sources[0]}"]
    insight = record
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
    if result.on_topic and result.hits[0].passage:
        head = f"Closest to your question is a passage of {result.hits[0].passage.doc.title}:"
    elif result.on_topic:
        best = result.hits[0].insight
        head = f"Closest to your question is insight #{best.id} ({best.theme_name}):"
    else:
        head = ("Nothing in the corpus is on that topic, so there is no Karpathy quote to give. "
                "Closest, but not on this topic:")
    lines = [head, ""]
    for c, hit in zip(cites, result.hits):
        lines.extend(cited_lines(c, hit.insight or hit.passage))
    return Answer(question=result.question, on_topic=result.on_topic, text="\n".join(lines), citations=cites)


def ask(searcher: Searcher, question: str, k: int | None = None, theme: str | None = None) -> Answer:
    return compose(searcher.search(question, k, theme), searcher)


# Follow-ups in a conversation. "and about data?" or "why?" leans on the question before it; only
# short questions do that (a longer one stands on its own, whatever word it starts with).
FOLLOW_UP_MAX_WORDS = 8
# Words that ask *how* to answer rather than *what about*: a question made only of these has no topic
# of its own ("why?", "tell me more about that", "is that true?") and takes the previous one's.
_NOT_A_TOPIC = set("""
    a an the and or but so then also ok okay yes no please
    what whats why how when where who which is are was were be been being
    do does did can could would should will shall may might must
    i me my we us our you your he him his it its they them their this that these those there here
    say says said think thinks mean means tell explain elaborate expand give show go on
    more else another other again example examples quote quotes really true too
    about of to for in at with from by
""".split())
# "and for startups?": a cue word then a preposition narrows the previous question instead of
# replacing its topic the way "and about data?" or "what about AGI?" does.
_NARROWS = re.compile(r"^\s*(?:and|also|but|so|then|what\s+about|how\s+about)\s+"
                      r"(?:for|in|at|with|without|when|during|before|after|under|as|if|compared)\b",
                      re.IGNORECASE)


def contextualize(question: str, previous_questions: list[str]) -> str:
    """The text to search for a question asked after `previous_questions` (oldest first).

    A short follow-up with no topic of its own ("why?", "tell me more about that") or one that narrows
    the previous question ("and for startups?") is searched together with that previous question,
    itself read in its own context. Anything else, including a short question that changes the topic
    ("and about data?"), is searched as asked.
    """
    words = re.findall(r"\w+", question.lower().replace("'", "").replace("’", ""))
    if not previous_questions or not words or len(words) > FOLLOW_UP_MAX_WORDS:
        return question
    if all(word in _NOT_A_TOPIC for word in words) or _NARROWS.match(question):
        previous = contextualize(previous_questions[-1], previous_questions[:-1])
        return f"{previous} {question.strip()}"
    return question
