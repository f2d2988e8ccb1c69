"""The extractive answer: a lead that gives his view from the best card, then every card shown.

No language model is involved: every word in an answer is either fixed framing written here or a
verbatim slice of the corpus. The lead quotes a verbatim leading slice of his words in quotation marks,
or gives the curator's summary labelled as not his words.
"""
import re

import app.answering.citations as citations
from app.answering.cards import cited_lines, search_response
from app.config import DEFAULT_K
from app.contract import Answer
from app.corpus.records import Corpus, Passage, Record, is_verbatim
from app.retrieval.question import FollowUp
from app.retrieval.search import SearchResult

# How much of a quote the lead repeats: its leading sentences up to this many characters (at least one)
LEAD_CHARS = 200


def _leading_words(quote: str, record: Record) -> str:
    """The quote's leading sentence(s), up to LEAD_CHARS: a verbatim slice of it, or the whole quote."""
    sentences = re.split(r"(?<=[.!?])\s+", quote.strip())
    lead = sentences[0]
    for sentence in sentences[1:]:
        if len(lead) + 1 + len(sentence) > LEAD_CHARS:
            break
        lead = f"{lead} {sentence}"
    return lead if is_verbatim(lead, record) else quote


def view(record: Record) -> str:
    """What opens an on-topic answer: his view, from the best card [1]. Only his words go in quotation
    marks; a curator's summary is labelled as one."""
    if isinstance(record, Passage):
        words = _leading_words(record.clean, record) if record.by_karpathy else None
        if words:
            return f"Karpathy wrote, in {record.doc.title}: “{words}” [1]"
        return f"The closest passage is by {record.doc.author or 'an unknown author'}, not Karpathy, in {record.doc.title} [1]."
    if record.kind == "quote":
        who = f"Karpathy, quoting {record.quoting}" if record.quoting else "Karpathy's short answer"
        return f"{who}: “{_leading_words(record.shown_quotes[0], record)}” [1]"
    return f"The corpus sums up his view (a paraphrase, not his words): {record.paraphrase} [1]"


def lead(result: SearchResult, k: int, kind: FollowUp = "new") -> str:
    """The opening sentences of an answer: his view, or why there is none to give."""
    if kind == "bare":
        return (f"What does “{result.question}” refer to? Ask about a topic first, e.g. "
                "“what would Karpathy say about hiring?”, then follow up.")
    if not result.hits and not result.on_topic:
        return "Nothing in the corpus is on that topic, so there is nothing more to show."
    if not result.hits:
        return "That is all the corpus has on this topic: every insight on it has been shown already."
    if not result.on_topic:
        return "Nothing in the corpus is on that topic, so there is no Karpathy quote to give."
    opening = view(result.hits[0].record)
    if kind == "more":
        opening = f"More on the same topic. {opening}"
    if len(result.hits) < k and len(result.hits) <= 2:
        other = "other " if kind == "more" else ""
        opening += (f" This is the only {other}insight that closely matches your question." if len(result.hits) == 1
                    else f" These two are the only {other}insights that closely match your question.")
    return opening


def compose(result: SearchResult, corpus: Corpus, k: int = DEFAULT_K, kind: FollowUp = "new") -> Answer:
    """The extractive answer to a searched question: the lead, then each card shown."""
    cites = search_response(result, corpus).citations
    head = lead(result, k, kind)
    lines = [head]
    if cites:
        lines += ["", "Closest, but not on your topic:"] if not result.on_topic else [""]
    for c, hit in zip(cites, result.hits):
        lines.extend(cited_lines(c, hit.record))
    return Answer(question=result.question, on_topic=result.on_topic and kind != "bare", lead=head,
                  text="\n".join(lines), citations=cites)


def copy_answer(answer: Answer, corpus: Corpus, fmt: citations.Format) -> str:
    """The whole answer and its numbered references in one copy format, to paste as a whole: the lead,
    each card's words once, then its references (app/answering/citations.py whole_answer)."""
    records = [corpus.get(c.id) for c in answer.citations]
    return citations.whole_answer(records, corpus, fmt, lead=answer.lead, on_topic=answer.on_topic)
