"""The web chat's HTML: a conversation of answers with their citation cards, and the corpus browser.

Pure functions from the public contract (app/contract.py) and the corpus to HTML strings, so what the
page shows can be tested without a browser. Every string that comes from a user, the corpus or a
document is escaped: it is shown, never run. Links are made only of http(s) addresses and open with
rel="noopener noreferrer". The page's script (app/web/assets.py) acts on the data-* attributes set here:
data-copy (the exact string a copy button copies), data-ask (a question to ask), data-vote (feedback).
"""

import html
import re
from urllib.parse import urlparse

from app.answering.citations import FORMATS, PARAPHRASE_LABEL, check_label
from app.config import THEMES
from app.answering.cards import record_citation, shown_above
from app.contract import Answer, Citation, SourceRef
from app.corpus.records import Corpus, Insight

FORMAT_NAMES = {"plain": "Plain text", "markdown": "Markdown", "bibtex": "BibTeX", "csl": "CSL-JSON"}
# Bidirectional overrides and isolates (U+202A..U+202E, U+2066..U+2069) in ingested text make the page
# show words in an order other than the one they have ("gpj.exe" read as "exe.jpg"): removed with escaping
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def e(text: str, quote: bool = True) -> str:
    return html.escape(BIDI_CONTROLS.sub("", text), quote)


def link(url: str | None, text: str) -> str:
    """A link to an http(s) address, or the text alone: no other scheme ever becomes clickable."""
    if not url or urlparse(url).scheme not in ("http", "https"):
        return e(text)
    return f'<a href="{e(url)}" target="_blank" rel="noopener noreferrer">{e(text)}</a>'


def source_item(source: SourceRef, deep: str | None = None) -> str:
    """A source as a link; `deep`, the card's address with a text fragment, opens this one at the words."""
    if not source.url or not source.title:
        return f"<li>Source: {e(source.label)}</li>"
    details = ", ".join(x for x in (source.kind, source.date) if x)
    url = deep if deep and deep.startswith(source.url + "#:~:") else source.url
    return f"<li>Source: {link(url, source.title)}{f' ({e(details)})' if details else ''}</li>"


def check(c: Citation) -> str:
    """How the card's quote was checked against its original, with a link that opens it at the words."""
    label = check_label(c.quote_checks)
    deep = c.url if c.url and "#:~:" in c.url else None
    opens = f" · {link(deep, 'open the original at these words')}" if deep else ""
    return f'<p class="check">{e(label)}{opens}</p>'


def copy_buttons(texts: dict[str, str], what: str, label: str = "Copy:") -> str:
    """One button per citation format; each copies its string exactly (the attribute is unescaped by the browser)."""
    buttons = "".join(
        f'<button type="button" class="copy" data-copy="{e(texts[fmt])}" '
        f'aria-label="Copy {e(what)} as {FORMAT_NAMES[fmt]}">{FORMAT_NAMES[fmt]}</button>'
        for fmt in FORMATS
        if fmt in texts
    )
    return f'<div class="copy-row"><span>{e(label)}</span> {buttons}</div>'


def words(c: Citation) -> str:
    """The card's body: his words as a block quote, a curator's words set apart and labelled."""
    parts = []
    if c.kind == "excerpt":
        author = c.document.author if c.document and c.document.author else "unknown author"
        parts.append(f'<p class="label label-not-his">Not Karpathy\'s words: {e(author)}</p>')
    elif c.quotes:
        who = f"{c.quoting}, quoted by Karpathy" if c.quoting else "His words, verbatim"
        parts.append(f'<p class="label label-his">{e(who)}</p>')
        parts += [f"<blockquote>“{e(quote)}”</blockquote>" for quote in c.quotes]
        if c.kind == "quote":
            parts.append(check(c))
    if c.paraphrase:
        label = f"Context, {PARAPHRASE_LABEL.lower()}" if c.quotes else PARAPHRASE_LABEL
        parts.append(f'<p class="label label-not-his">{label}</p><p class="paraphrase">{e(c.paraphrase)}</p>')
    if c.kind == "excerpt":  # the contract carries an excerpt's words only in its copy strings
        parts.append(f'<p class="paraphrase">{e(c.copy_text["plain"])}</p>')
    return "".join(parts)


def card(c: Citation, anchor: str, copyable: bool = True, numbered: bool = True, extra: str = "") -> str:
    """Citation [n] as a card; `anchor` is the id its [n] links point at."""
    ref = f"insight #{c.id}" if c.document is None else f"passage {c.id}"
    sources = "".join(source_item(s, c.url) for s in c.sources) or "<li>no source given in the corpus</li>"
    number = f'<span class="n">[{c.n}]</span> ' if numbered else ""
    what = f"citation [{c.n}]" if numbered else f"insight #{c.id}"
    return (
        f'<li class="card kind-{c.kind}" id="{e(anchor)}" data-n="{c.n}">'
        f'<p class="card-title">{number}{e(c.title)}</p>{words(c)}'
        f'<p class="meta">{e(c.theme_name)} · {e(ref)}</p><ul class="sources" aria-label="Sources">{sources}</ul>'
        + (copy_buttons(c.copy_text, what) if copyable else "")
        + extra
        + "</li>"
    )


def linked_refs(text: str, turn_id: str, numbers: set[int]) -> str:
    """Escaped text whose [n] markers link to card n of the same answer."""

    def ref(m: re.Match) -> str:
        n = int(m.group(1))
        return f'<a class="ref" href="#c-{turn_id}-{n}">[{n}]</a>' if n in numbers else m.group(0)

    return re.sub(r"\[(\d+)\]", ref, e(text))


def notes(turn: dict, answer: Answer) -> str:
    """What the reader should know before the answer: how a follow-up or a line checked was read, a theme filter."""
    out = []
    if " ".join(turn["question"].split()) != answer.question:
        out.append(f'<p class="note">Read as: “{e(answer.question)}”</p>')
    if turn.get("theme"):
        out.append(
            f'<p class="note">Only the theme “{e(THEMES.get(turn["theme"], turn["theme"]))}” was searched '
            "(change it under Options).</p>"
        )
    return "".join(out)


def feedback_row(turn: dict, ack: str | None) -> str:
    vote, tid = turn.get("vote"), e(turn["id"])
    thumbs = (("up", True, "Useful"), ("down", False, "Not useful"))
    buttons = "".join(
        f'<button type="button" class="vote" data-vote="{value}" '
        f'aria-pressed="{str(vote is liked).lower()}">{text}</button>'
        for value, liked, text in thumbs
    )
    said = f'<p class="ack" role="status">{e(ack or "")}</p>'
    why = (
        f'<details class="why"><summary>Say why (optional)</summary>'
        f'<label for="why-{tid}">What was missing or wrong?</label>'
        f'<textarea id="why-{tid}" rows="2" maxlength="1000">{e(turn.get("why") or "")}</textarea>'
        '<button type="button" class="send-why">Send</button></details>'
    )
    return (
        f'<div class="answer-tools" role="group" aria-label="Feedback on this answer">'
        f"<span>Was this useful?</span> {buttons}{said}{why}</div>"
    )


def answer_body(turn: dict, ack: str | None = None) -> str:
    tid, answer = turn["id"], Answer.model_validate(turn["answer"])
    numbers = {c.n for c in answer.citations}
    items = [card(c, f"c-{tid}-{c.n}", copyable=answer.on_topic) for c in answer.citations]
    cards = "".join(items)
    lead = f'<p class="lead">{linked_refs(answer.lead, tid, numbers)}</p>'
    if answer.local and answer.local.notice:
        lead = f'<p class="note">{e(answer.local.notice)}</p>' + lead
    elif answer.local and answer.local.verified:  # said before the model's words, so no one takes them for his
        lead = (
            f'<p class="note">Written by a local model ({e(answer.local.model)}); each sentence was checked '
            f"against the card it cites ({e(answer.local.verified)}):</p>"
        ) + lead
    if not answer.on_topic:  # folded; thanks, or a follow-up with no topic, shows no card at all
        cards = (
            f'<details class="off-topic"><summary>The closest cards, not on your topic ({len(answer.citations)})'
            f'</summary><ol class="cards">{cards}</ol></details>'
            if answer.citations
            else ""
        )
    elif answer.points_back:  # the card above, cited again: folded, so the page does not repeat it in full
        above = answer.citations[0]
        cards = (
            f'<details class="above"><summary>{e(shown_above(above))}</summary>'
            f'<ol class="cards">{items[0]}</ol></details>'
        ) + (f'<ol class="cards">{"".join(items[1:])}</ol>' if items[1:] else "")
    else:
        cards = f'<ol class="cards">{cards}</ol>'
    # the whole answer, its cards' words once and their references (app/answering/citations.py), to paste
    whole = (
        copy_buttons(turn["copy"], "the whole answer", "Copy whole answer:")
        if turn.get("copy") and answer.on_topic and answer.citations
        else ""
    )
    return notes(turn, answer) + lead + cards + whole + feedback_row(turn, ack)


def drafting(turn: dict) -> str:
    """A local answer being written: its status, the sentences that passed, and the cards already known."""
    draft = turn["draft"]
    kept = " ".join(draft["kept"])
    cards = "".join(
        card(c, f"c-{turn['id']}-{c.n}", copyable=False)
        for c in (Citation.model_validate(c) for c in draft["citations"])
    )
    return (
        f'<p class="pending" role="status">{e(draft["status"])}</p>'
        + (f'<p class="draft">{e(kept)}</p>' if kept else "")
        + (f'<ol class="cards">{cards}</ol>' if cards else "")
    )


def turn_html(turn: dict, ack: str | None = None) -> str:
    body = answer_body(turn, ack) if turn.get("answer") else drafting(turn)
    tid = e(turn["id"])
    return (
        f'<article class="turn" id="t-{tid}" data-turn="{tid}" data-question="{e(turn["question"])}">'
        f'<div class="asked"><span class="who">You asked</span><p>{e(turn["question"])}</p></div>'
        f'<section class="answer" aria-label="Answer">{body}</section></article>'
    )


def conversation(turns: list[dict], examples: list[str], acks: dict[str, str] | None = None) -> str:
    """The whole conversation, oldest first; when empty, the examples, each a button that asks it."""
    if not turns:
        items = "".join(
            f'<li><button type="button" class="example" data-ask="{e(q)}">{e(q)}</button></li>' for q in examples
        )
        return (
            f'<div class="empty"><p>Ask what Andrej Karpathy would say about something: the answer is his own '
            f'words from a curated corpus, each quote cited. Try one:</p><ul class="examples">{items}</ul></div>'
        )
    acks = acks or {}
    return "".join(turn_html(t, acks.get(t["id"])) for t in turns)


def message(text: str, kind: str = "error") -> str:
    """A short line beside the question box: an error, or a notice."""
    return f'<p class="{kind}">{e(text)}</p>' if text else ""


def visible_text(insight: Insight, corpus: Corpus) -> str:
    """What a corpus card shows, so that the filter matches only what a reader can see."""
    sources = [corpus.sources[n].label() for n in insight.sources]
    return " ".join(
        [
            f"#{insight.id}",
            insight.title,
            insight.theme_name,
            *insight.quotes,
            insight.quoting or "",
            insight.paraphrase or "",
            *sources,
        ]
    ).lower()


def insight_card(insight: Insight, corpus: Corpus) -> str:
    c = record_citation(insight, corpus)
    ask = f"What would Karpathy say about {insight.title.rstrip('.?!')}?"
    button = (
        f'<button type="button" class="ask-about" data-ask="{e(ask)}" '
        f'aria-label="Ask about this: {e(insight.title)}">Ask about this</button>'
    )
    return card(c, f"insight-{insight.id}", numbered=False, extra=button)


def corpus_page(corpus: Corpus, needle: str) -> str:
    """The insights grouped by theme, each group folded with its count; open where a filter matched."""
    needle = (needle or "").strip().lower()
    shown = [i for i in corpus.insights if needle in visible_text(i, corpus)]
    total = len(corpus.insights)
    if not needle:
        summary = f"{total} insights in {len(THEMES)} themes. Open a theme to read its insights."
    elif shown:
        summary = f"{len(shown)} of {total} insights show “{e(needle)}”."
    else:  # the filter is literal; the chat's search is by meaning and may still find it
        summary = f"No card shows “{e(needle)}”. Ask about it in the chat, which searches by meaning."
    groups = []
    for key, name in THEMES.items():
        in_theme = [i for i in shown if i.theme == key]
        if in_theme:
            cards = "".join(insight_card(i, corpus) for i in in_theme)
            groups.append(
                f'<details class="theme"{" open" if needle else ""}><summary>{e(name)} '
                f'<span class="count">({len(in_theme)})</span></summary>'
                f'<ol class="cards">{cards}</ol></details>'
            )
    return f'<p class="corpus-summary" role="status">{summary}</p>' + "".join(groups)
