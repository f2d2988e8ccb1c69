"""Extractive answers: the retrieved records as numbered citations [1], [2]..., his words quoted,
paraphrase labelled, in the public shape of app/contract.py.

No language model is involved: every word in an answer is either fixed framing written here or a
verbatim slice of the corpus. Only `quotes` (and the quoted fragments the seed itself marks) ever
appear inside quotation marks; the curator's words are always introduced as a paraphrase. A passage
of an ingested document is shown as a block quote (its own quotation marks stay as he wrote them),
introduced as his writing only when the document's author is Karpathy.

An answer opens with a lead that gives his view from the best card: a verbatim leading slice of his
quote in quotation marks, or the curator's summary labelled as not his words. In a conversation each
question is read against the ones before it (app/question.py): "tell me more" shows the next cards on the
same topic, "and for startups?" searches the topic with the new aspect. Clients send the earlier
questions (the API keeps no state), so `answer_in_conversation` replays them to know what was shown.
"""
import re
from typing import NamedTuple

from app import citations
from app.config import DEFAULT_K, MAX_PREVIOUS_QUESTIONS, THEMES
from app.contract import Answer, Citation, DocumentPlace, SearchResponse, SourceRef
from app.corpus import Corpus, Insight, Passage, Record, is_verbatim
from app.question import FollowUp, QuestionError, clean_question, follow_up_kind
from app.search import MIN_RELEVANCE, Hit, SearchResult, Searcher, shown

PASSAGE_THEME = "Ingested writing"
# How much of a quote the lead repeats: its leading sentences up to this many characters (at least one)
LEAD_CHARS = 200


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
        return f"{who}: “{_leading_words(record.quotes[0], record)}” [1]"
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


class Turn(NamedTuple):
    kind: FollowUp
    topic: tuple[str, str | None]  # the question the conversation is about, and the topic it narrows
    result: SearchResult  # what the turn shows


def _turn(searcher: Searcher, question: str, before: Turn | None, seen: set, k: int, theme: str | None) -> Turn:
    """One turn of a conversation: what it is about, given the turn before it, and what it shows."""
    question = clean_question(question, searcher.settings.max_question_chars)
    kind = follow_up_kind(question, before is not None)
    if kind == "bare":
        return Turn(kind, (question, None), SearchResult(question=question, hits=[], on_topic=False))
    if kind == "new":
        topic = (question, None)
    elif kind == "aspect":
        topic = (question, before.topic[0] if before.topic[1] is None else before.topic[1])
    else:
        topic = before.topic
    ranked = searcher.rank_many([topic[0]], theme, [topic[1]])[0]
    read_as = " ".join(q for q in (topic[1], topic[0], question if kind == "more" else None) if q)
    ranked = ranked.model_copy(update={"question": read_as})
    if kind != "more":
        return Turn(kind, topic, shown(ranked, k))
    unseen = shown(ranked, k, exclude=seen)
    if unseen.hits and unseen.hits[0].relevance < MIN_RELEVANCE:  # what is left is off the topic
        unseen = unseen.model_copy(update={"hits": []})
    return Turn(kind, topic, unseen)


def conversation(searcher: Searcher, questions: list[str], k: int | None = None,
                 theme: str | None = None) -> list[Turn]:
    """Every turn of a conversation (oldest first), each read in the light of the turns before it."""
    k = k or searcher.settings.top_k
    turns, seen = [], set()
    for n, question in enumerate(questions):
        before = turns[-1] if turns and turns[-1].kind != "bare" else None
        try:
            turn = _turn(searcher, question, before, seen, k, theme)
        except QuestionError:
            if n == len(questions) - 1:
                raise
            continue  # an earlier question that could not be searched showed nothing
        seen = (seen if turn.kind in ("more", "aspect") else set()) | {h.key for h in turn.result.hits}
        turns.append(turn)
    return turns


def current_turn(searcher: Searcher, question: str, previous_questions: list[str] | None = None,
                 k: int | None = None, theme: str | None = None) -> Turn:
    """The turn of `question` asked after `previous_questions` (oldest first, the latest
    MAX_PREVIOUS_QUESTIONS of them). The API is stateless, so the earlier turns are replayed to know what
    was shown before: "tell me more" then shows what was not."""
    previous = list(previous_questions or [])[-MAX_PREVIOUS_QUESTIONS:]
    return conversation(searcher, [*previous, question], k, theme)[-1]


def answer_in_conversation(searcher: Searcher, question: str, previous_questions: list[str] | None = None,
                           k: int | None = None, theme: str | None = None) -> Answer:
    """The one way in for the CLI, the web API and MCP: the extractive answer of current_turn."""
    k = k or searcher.settings.top_k
    turn = current_turn(searcher, question, previous_questions, k, theme)
    return compose(turn.result, searcher.corpus, k, turn.kind)


def copy_answer(answer: Answer, corpus: Corpus, fmt: citations.Format) -> str:
    """The whole answer and its numbered references in one copy format, to paste as a whole: each
    citation's "    — insight #n · …" line gives way to its full reference at the end."""
    text = "\n".join(line for line in answer.text.splitlines() if not line.startswith("    — "))
    return citations.whole_answer([corpus.get(c.id) for c in answer.citations], corpus, fmt, text=text)


def ask(searcher: Searcher, question: str, k: int | None = None, theme: str | None = None) -> Answer:
    return answer_in_conversation(searcher, question, [], k, theme)
