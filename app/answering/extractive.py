"""The extractive answer: a lead that gives his view from the best card, then every card shown.

No language model is involved: every word in an answer is either fixed framing written here or a
verbatim slice of the corpus. The lead quotes a verbatim leading slice of his words in quotation marks,
or gives the curator's summary labelled as not his words.
"""

import re

import app.answering.citations as citations
from app.answering.cards import cited_lines, search_response
from app.contract import Answer
from app.corpus.records import Corpus, Insight, Passage, Record, is_verbatim, stands_alone
from app.retrieval.search import SearchResult

# From this relevance the first card is framed as "His answer", below it as "The closest he comes": the
# lowest floor at which >= 0.90 of the answers so framed lead with a card that answers the question
# directly, on the realistic set's tune half with the adapted model (bench/answer_floor.py: 0.915, and 0.905
# of the direct first cards get the framing).
ANSWER_FLOOR = 0.42
# How much of a quote the lead repeats: its leading sentences up to this many characters (at least one)
LEAD_CHARS = 200


# A sentence ends at . ! or ? and a space before a capital, but not at an abbreviation: "(e.g. writing unit
# tests" once opened a lead with "writing unit tests to make bugs much less likely), …", and "In Software
# 2.0... the source code comprises" (an elision) one with "the source code comprises"
_SENTENCE_END = re.compile(r"(?<=[.!?])(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\betc\.)(?<!\bvs\.)(?<!\bcf\.)\s+(?=[A-Z\"“‘'(])")


def _first_standing(sentences: list[str]) -> int | None:
    """Where the sentences that carry the idea begin: the first that does not lean on what came before it."""
    return next((i for i, s in enumerate(sentences) if stands_alone(s) and len(s.split()) >= 4), None)


# An elision inside a sentence: where his words go on after some were left out
_ELISION = re.compile(r"\.\.\.\s*|…\s*")


def _past_the_elision(quote: str, record: Record) -> str | None:
    """A quote that leans back as a whole ("Resist this temptation strongly... simply find the most related
    paper…") may carry its idea past an elision: from there, marked "…", when those words stand alone."""
    parts = _ELISION.split(quote.strip(), maxsplit=1)
    if len(parts) < 2 or not stands_alone(parts[1]) or len(parts[1].split()) < 4:
        return None
    return f"…{parts[1]}" if is_verbatim(parts[1], record) else None


def _leading_words(quote: str, record: Record) -> str:
    """The sentence(s) of a quote that carry its idea, up to LEAD_CHARS: from the first sentence that does
    not lean on something before it, as a verbatim slice of the quote; the whole quote when every sentence
    leans back (the card's title, named before it, then gives the reference)."""
    sentences = _SENTENCE_END.split(quote.strip())
    start = _first_standing(sentences)
    if start is None:
        return _past_the_elision(quote, record) or quote
    lead = sentences[start]
    for sentence in sentences[start + 1 :]:
        if len(lead) + 1 + len(sentence) > LEAD_CHARS:
            break
        lead = f"{lead} {sentence}"
    return lead if is_verbatim(lead, record) else quote


def _curators_lead(paraphrase: str) -> str:
    """A curator's summary from its first sentence that stands alone, as _leading_words does for his words:
    "This is a key principle for making long-term strategic bets. Believe in the vision…" leads with "Believe
    in the vision…"; all of it when no sentence does (the card's title, named before it, gives the reference)."""
    sentences = _SENTENCE_END.split(paraphrase.strip())
    return " ".join(sentences[_first_standing(sentences) or 0 :])


def holds_a_case(record: Record) -> bool:
    """The card's text holds a concrete case (insights.toml `concrete`): what "example?" looks for."""
    return isinstance(record, Insight) and record.concrete


def _words_past_the_lead(record: Record) -> str | None:
    """His words in a card past the ones its lead quotes, when they stand alone: where "His example is in
    the card above" finds the case ("Often this applies to vectorizing code, where I almost always write
    out the fully loopy version first…"), not the sentence the answer before it already gave."""
    if not isinstance(record, Insight) or record.kind != "quote":
        return None
    first = record.shown_quotes[0]
    lead = _leading_words(first, record).removeprefix("…")  # "…" marks an elision, not his words
    rest = first[first.find(lead) + len(lead) :].strip() if lead != first else ""
    for text in ([rest] if rest else []) + record.shown_quotes[1:]:
        words = _leading_words(text, record)
        if stands_alone(words) and is_verbatim(words, record):
            return words
    return None


def _reason(record: Record) -> str | None:
    """The words of a card that say why it holds (insights.toml `reason`), for "His reason is in the card
    above": his words when they read alone ("we've tried [the old way] and we've tried pretty hard."), the
    curator's from a sentence's start ("You will find corrupted data, duplicate examples, and biases."), or
    else all the curator's words that hold it ("This helps catch bugs…" leans on the card's title, as any
    paraphrase lead may). None: the card is shown as any lead shows it."""
    reason = getattr(record, "reason", None)
    if not reason:
        return None
    if stands_alone(reason) and len(reason.split()) >= 4 and (is_verbatim(reason, record) or reason[0].isupper()):
        return reason
    return record.paraphrase if reason in (record.paraphrase or "") else None


def view(record: Record, how: str, words: str | None = None) -> str:
    """What opens an on-topic answer: the best card [1], named by its topic, with his words (its leading
    ones, or `words`), after `how` it answers ("His answer", "The closest he comes", "More on hiring").
    Only his words go in quotation marks; a curator's summary, or `words` of the curator's, is labelled
    as one."""
    if isinstance(record, Passage):
        if not record.by_karpathy:
            return (
                f"The closest passage is by {record.doc.author or 'an unknown author'}, not Karpathy, "
                f"in {record.doc.title} [1]."
            )
        said = words if words and is_verbatim(words, record) else _leading_words(record.clean, record)
        return f"{how} — {record.doc.title}: he wrote “{said}” [1]"
    if record.kind == "quote" and (words is None or is_verbatim(words, record)):
        who = f"Karpathy, quoting {record.quoting}," if record.quoting else "Karpathy"
        return f"{how} — {record.title}: {who} said “{words or _leading_words(record.shown_quotes[0], record)}” [1]"
    return f"{how} — {record.title}. {citations.PARAPHRASE_LABEL}: {words or _curators_lead(record.paraphrase)} [1]"


# An aspect with nothing more specific than the topic's card (app/answering/conversation.py: the answer stands)
_STANDS = "the answer on the topic stands"

# How a card holds a line the asker checked (app/answering/attribution.py), said before the card's own words
_LINE_FOUND = {
    "his": "Yes, these are his words",
    "his-quoting": "Yes, these are words he quotes",
    "close": "Close, but not word for word; his words",
    "curator-quote": "Not among his quoted words in the corpus, only a curator's; his words on it",
    "curator": "Not among his quoted words in the corpus: a curator's paraphrase of him",
}


def _line_found(record: Record, verdict: str) -> str:
    """How a card holds a line checked: his words, close to them, or a curator's words, after which the card's own
    words are given (his quote, or the paraphrase labelled)."""
    if verdict == "his":
        return _LINE_FOUND["his-quoting" if getattr(record, "quoting", None) else "his"]
    if verdict == "close":
        return _LINE_FOUND["close"]
    return _LINE_FOUND["curator-quote" if getattr(record, "kind", None) == "quote" else "curator"]


def lead(
    result: SearchResult,
    kind: str = "new",
    topic: str | None = None,
    declined: str | None = None,
    words: str | None = None,
) -> str:
    """The opening sentences of an answer: his view, or why there is none to give. A first card is his
    answer when its relevance reaches ANSWER_FLOOR, else the closest he comes. `words`: his words a line
    checked is in, to give whole."""
    if kind == "bare":
        return declined or (
            f"What does “{result.question}” refer to? Ask about a topic first, e.g. "
            "“what would Karpathy say about hiring?”, then follow up."
        )
    if declined:
        return f"{declined} There is no Karpathy quote to give."
    if not result.on_topic:
        return "Nothing in the corpus is on that topic, so there is no Karpathy quote to give."
    if not result.hits:
        return f"That is all the corpus has on {topic or 'this topic'}: every insight on it has been shown already."
    best = result.hits[0]
    if kind.startswith("line-"):
        return view(best.record, _line_found(best.record, kind.removeprefix("line-")), words)
    strong = best.relevance is None or best.relevance >= ANSWER_FLOOR
    how = {
        "more": f"More on {topic}",
        "example": (
            ("An example" + (f" on {topic}" if topic else ""))
            if holds_a_case(best.record)
            else f"No worked example{f' on {topic}' if topic else ''} in the corpus; the nearest insight"
        ),
        "stands": f"Nothing more specific on {topic}; {_STANDS}",
        "shown-above": f"Nothing more specific on {topic}; the closest is a card shown above",
        "new-above": "His answer is the card above" if strong else "The closest he comes is the card above",
        "example-above": (
            "His example is in the card above"
            if holds_a_case(best.record)
            else "The corpus has no worked example beyond the card above"
        ),
        "example-shown-above": (
            "His example is in a card shown above"
            if holds_a_case(best.record)
            else "The corpus has no worked example; the closest is a card shown above"
        ),
        "why-above": "His reason is in the card above",
        "why-none-above": "He gives no separate reason; his answer is the card above",
        "gist-above": "In short, his answer is the card above",
        "quote-above": (
            "His words on it are in the card above"
            if getattr(best.record, "quotes", None)
            else "The card above is the closest; the corpus has only a paraphrase of him on it"
        ),
        "quote-shown-above": (
            "The card above is a paraphrase of him; the closest he comes in his own words is a card shown above"
        ),
        "quote-new": (
            f"The card above is a paraphrase of him; his own words on {topic or 'it'}"
            if strong
            else "The card above is a paraphrase of him; the closest he comes in his own words"
        ),
    }.get(kind, "His answer" if strong else "The closest he comes")
    words = {
        "example-above": _words_past_the_lead,
        "example-shown-above": _words_past_the_lead,
        "why-above": _reason,
    }.get(kind, lambda record: None)
    return view(best.record, how, words(best.record))


def compose(
    result: SearchResult,
    corpus: Corpus,
    kind: str = "new",
    topic: str | None = None,
    declined: str | None = None,
    points_back: bool = False,
    words: str | None = None,
) -> Answer:
    """The extractive answer to a searched question: the lead, then each card shown (the first one shown
    before, when it `points_back`)."""
    cites = search_response(result, corpus).citations
    head = lead(result, kind, topic, declined, words)
    lines = [head]
    if cites:
        lines += ["", "Closest, but not on your topic:"] if not result.on_topic else [""]
    for c, hit in zip(cites, result.hits):
        lines.extend(cited_lines(c, hit.record, above=points_back and c.n == 1))
    return Answer(
        question=result.question,
        on_topic=result.on_topic and kind != "bare",
        lead=head,
        text="\n".join(lines),
        citations=cites,
        points_back=points_back and bool(cites),
    )


def copy_answer(answer: Answer, corpus: Corpus, fmt: citations.Format) -> str:
    """The whole answer and its numbered references in one copy format, to paste as a whole: the lead,
    each card's words once, then its references (app/answering/citations.py whole_answer)."""
    records = [corpus.get(c.id) for c in answer.citations]
    return citations.whole_answer(records, corpus, fmt, lead=_lead_to_paste(answer.lead), on_topic=answer.on_topic)


def _lead_to_paste(lead: str) -> str:
    """A lead whose framing points at the page ("His words on it are in the card above — …", "The card above is a
    paraphrase of him; …"), at the conversation ("Nothing more specific on hiring: <the follow-up>; the answer on the
    topic stands — …") or answers a line the asker checked ("Close, but not word for word; his words — …", of a
    line the paste does not hold) means nothing pasted elsewhere: the copy starts at the card it names."""
    framing, dash, card = lead.partition(" — ")
    points_elsewhere = "above" in framing or framing.endswith(_STANDS)
    return card if dash and (points_elsewhere or framing in _LINE_FOUND.values()) else lead
