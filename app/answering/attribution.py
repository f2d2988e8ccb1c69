"""Whether a line is his: "did karpathy really say 'software is eating the world'?", "is 'gradient descent can write
better code than you' a real quote?". People paste lines to check them before they cite them; a search would
answer with the closest card, framed as his view, when the line is someone else's or made up.

A line is checked when the question quotes it (3 words or more, in quotation marks) and asks whether he said it
(every line checked in the tune half's batch was quoted; "did he say that or is it someone's summary?" quotes
none and asks his words on the topic, app/answering/turns.py asks_a_quote). The line's words are aligned with
his words (app/corpus/records.py `his_words`) and with the curators' titles and paraphrases in the cards the
search finds for the line (all 50 insights, and the head of a large ingested corpus: its candidates): word for
word in his words, close to his words (a misquote: most of its words, in order), a curator's words rather than
his, or in none of them.
"""

import difflib
import functools
import re
from typing import Literal

from pydantic import BaseModel

from app.corpus.records import Record, fold
from app.retrieval.search import import_bm25s

Verdict = Literal["his", "close", "paraphrase", "none"]

# How much of a line's words (past the stopwords the search drops too) must be found, in order, in a card's words
# for it to be that card's line misremembered: on the tune half's checked lines (c2901-c2930), his lines as people
# misremember them kept 0.56-0.75 of their words ("everyones a gangsta until production"), other people's lines in
# the closest card 0.17-0.33 ("software is eating the world", "talk is cheap, show me the code", "data is the new
# oil"), and "the hottest new programming language is english", in no card of the corpus, 0.40
CLOSE = 0.5
# Fewer words than this in quotation marks name a term ("vibe coding"), not a line
MIN_LINE_WORDS = 3

# Asking whether he said it: "did he (really) say", "is that his / a real quote / legit", "attributed to him", "who
# said"
_ASKS_IF_HIS = re.compile(
    r"\b(?:did|does|has|have)\s+(?:he|karpathy|andrej)\s+(?:\w+\s+)?(?:say|said|write|wrote|written|tweet|tweeted|post"
    r"|posted|claim|claimed)\b"
    r"|\b(?:is|was|that'?s|thats|its|it'?s)\s+(?:(?:this|that|it)\s+)?(?:really\s+|actually\s+|even\s+)?(?:his|him"
    r"|karpathy|andrej|from\s+(?:him|karpathy|andrej))\b"
    r"|\b(?:an?|his|karpathy'?s)\s+(?:(?:real|genuine|legit|actual|direct|exact|karpathy)\s+)*(?:quote|line|words)\b"
    r"|\bdid\s+(?:he|karpathy|andrej)(?:\s+(?:really|actually|ever|now))?\s*[?!.]"  # "… karpathy said 'X'. did he?"
    r"|\battribut\w*|\bwho\s+said\b|\b(?:karpathy|he)\s+right\b|\bkarpathy\W*\?"
    # "… karpathy said 'X'. real??", not "'prompt engineering is the new programming': cringe or real?"
    r"|\b(?:karpathy|he|andrej)\s+(?:\w+\s+)?(?:said|says|wrote|tweeted|posted)\b.*\b(?:real|true|legit|fake)\W*\?"
    r"|\b(?:verbatim|word\s+for\s+word|paraphras\w*|summary)\b"
    # "is 'X' something he actually said?", "is 'X' what he really wrote?"
    r"|\b(?:something|anything)\s+(?:that\s+)?(?:he|karpathy|andrej)\s+(?:\w+\s+)?(?:said|wrote|tweeted|posted)\b"
    r"|\bwhat\s+(?:he|karpathy|andrej)\s+(?:really|actually)\s+(?:said|wrote|tweeted|posted)\b",
    re.IGNORECASE,
)
# ... but not what he said about it: "what does karpathy say about 'move fast and break things'?" asks his view
_ASKS_WHAT_HE_SAID = re.compile(
    r"\b(?:what|how|why|when|where|which)\s+(?:did|does|do|has|have|would|could)\s+(?:he|karpathy|andrej)\s+(?:\w+\s+)?"
    r"(?:say|said|write|wrote|tweet|tweeted|post|posted|claim|claimed)\b",
    re.IGNORECASE,
)
# The line in quotation marks: straight or curly, double or single (a single quote inside a word is an apostrophe:
# "'if you can't measure it you can't improve it'")
_QUOTED_LINE = re.compile(r"[\"“”]([^\"“”]+)[\"“”]|(?<![\w])['‘]((?:[^'‘’]|(?<=\w)['’](?=\w))+?)['’](?![\w])")


class LineCheck(BaseModel):
    line: str  # as the asker gave it
    verdict: Verdict
    key: int | str | None = None  # the card whose words hold it (his, or a curator's), when any do
    words: str | None = None  # his words that hold it: the quote to show in full


def quoted_line(question: str) -> str | None:
    """The longest line a question quotes, if it is long enough to be a line rather than a term."""
    line = max((a or b for a, b in _QUOTED_LINE.findall(question)), key=len, default=None)
    return line.strip() if line and len(_words(line)) >= MIN_LINE_WORDS else None


def line_asked(question: str) -> str | None:
    """The line a question asks to check, if it asks whether he said one."""
    # asked of the line as of "that": "is 'X' really his?" asks what "is that really his?" asks
    asks = _ASKS_IF_HIS.search(_ASKS_WHAT_HE_SAID.sub("", _QUOTED_LINE.sub("that", question)))
    return quoted_line(question) if asks else None


def check(line: str, records: list[Record]) -> LineCheck:
    """Where a line is in the records (the search's candidates for it): word for word in his words, close to them,
    in a curator's words, or nowhere."""
    asked = _words(line)
    for record in records:
        if any(_in_a_row(asked, _words(words)) for words in record.his_words):
            return LineCheck(line=line, verdict="his", key=record.id, words=_whole_quote(record, line))
    his = max(((_found(asked, _words(w)), r) for r in records for w in r.his_words), key=_share, default=None)
    curator = max(
        ((_found(asked, _words(text)), r) for r in records if (text := _curators_words(r))), key=_share, default=None
    )
    if curator and curator[0] >= CLOSE and (his is None or curator[0] > his[0]):
        return LineCheck(line=line, verdict="paraphrase", key=curator[1].id)
    if his and his[0] >= CLOSE:
        return LineCheck(line=line, verdict="close", key=his[1].id, words=_whole_quote(his[1], line))
    return LineCheck(line=line, verdict="none")


def _share(found: tuple[float, Record]) -> float:
    return found[0]


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:\.[0-9]+)*", fold(text).lower().replace("'", ""))  # "2.0" is one word


@functools.cache
def _stopwords() -> frozenset[str]:
    import_bm25s()  # as the search loads it (without scipy)
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


def _found(asked: list[str], text: list[str]) -> float:
    """The share of the asked words found in the text in the same order, stopwords aside ("is the new" is in many
    lines)."""
    asked, text = [w for w in asked if w not in _stopwords()], [w for w in text if w not in _stopwords()]
    if not asked:
        return 0.0
    matcher = difflib.SequenceMatcher(None, asked, text, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / len(asked)


def _in_a_row(asked: list[str], text: list[str]) -> bool:
    return f" {' '.join(asked)} " in f" {' '.join(text)} "


def _curators_words(record: Record) -> str | None:
    """What a card says of him in a curator's words: its title and its paraphrase ("Step 1: Become One with the
    Data" names a step of his recipe; the card holds none of his words that say it)."""
    paraphrase = getattr(record, "paraphrase", None)
    return (
        f"{record.title}. {paraphrase}" if hasattr(record, "title") and paraphrase else getattr(record, "title", None)
    )


def _whole_quote(record: Record, line: str) -> str | None:
    """The quote of a card that holds the line (the line may be a fragment of it): shown whole."""
    asked = _words(line)
    quotes = getattr(record, "shown_quotes", None) or list(record.his_words)
    return max(quotes, key=lambda quote: _found(asked, _words(quote)), default=None)
