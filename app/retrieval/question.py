"""Reading a question: clean it, find its topic, and read a follow-up in the light of the conversation.

Everything here is about what the person asked, before any search: refusing what cannot be searched
(empty, too long, not text), dropping what every question shares (his name, "what would he say
about"), and deciding whether a short message leans on the question before it.
"""
import re
import unicodedata
from typing import Literal


class QuestionError(ValueError):
    """The question cannot be searched (empty, too long); the message is fit to show a user."""


# Every question is about Karpathy, so his name says nothing about the topic, yet it pulls a short
# question's embedding towards whichever insights name him. Framing like "what would he say about" is
# likewise the same for every question. Both are dropped from the text that is embedded.
_FRAMING = re.compile(
    r"\b(?:what|how)\s+(?:would|does|did|do|might|will)\s+(?:andrej\s+)?(?:karpathy|he|andrej)\s+"
    r"(?:say|think|tell\s+(?:me|us)|feel|suggest|recommend|advise)(?:\s+(?:about|of|on|regarding))?\b"
    r"|\baccording\s+to\s+(?:andrej\s+)?karpathy\b"
    r"|\b(?:andrej\s+)?karpathy(?:'s|’s|s)?\s+(?:views?|take|thoughts?|opinions?|advice)\s+(?:on|about)\b"
    r"|\b(?:andrej\s+)?karpathy(?:'s|’s)?\b|\bandrej\b",
    re.IGNORECASE,
)


def topic_of(question: str) -> str:
    """The question without his name and the framing every question shares; unchanged if that empties it."""
    topic = re.sub(r"\s+", " ", _FRAMING.sub(" ", question)).strip(" ,.:;-?!")
    topic = re.sub(r"^(?:on|about|regarding|re)\b[\s:]*", "", topic, flags=re.IGNORECASE)
    return topic if re.search(r"\w", topic) else question


def clean_question(question: str, max_chars: int) -> str:
    """Drop control and zero-width characters, fold whitespace; refuse empty or oversized questions."""
    if not isinstance(question, str):
        raise QuestionError("The question must be text.")
    if len(question) > max_chars:
        raise QuestionError(f"The question is too long ({len(question):,} characters; the limit is {max_chars:,}).")
    if any(unicodedata.category(c) == "Cs" for c in question):  # a lone surrogate: JSON allows "\ud800"
        raise QuestionError("The question is not valid UTF-8 text.")
    question = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
                       for c in question if unicodedata.category(c) != "Cf")
    question = re.sub(r"\s+", " ", question).strip()
    if not question:
        raise QuestionError("The question is empty: ask about something, e.g. 'what would Karpathy say about hiring?'")
    return question


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
    more else another other again example examples quote quotes really true too not
    anything something continue details detail tips
    about of to for in at with from by
""".split())
# An aspect of the topic before: a cue word ("and for startups?", "what about the data side?", "so what
# should builders do?"), or a word pointing back at it ("how did that play out at tesla?"). Such a
# question may be a little longer than a bare follow-up and still lean on the one before it.
ASPECT_MAX_WORDS = 12
_ASPECT_CUE = re.compile(r"^\s*(?:and|also|but|so|then|what\s+about|how\s+about|what\s+if)\b", re.IGNORECASE)
_POINTS_BACK = {"that", "it", "this", "there", "those", "these", "them"}

FollowUp = Literal["new", "more", "aspect", "bare"]


def follow_up_kind(question: str, has_previous: bool) -> FollowUp:
    """How a question relates to the conversation before it.

    more: no topic of its own ("why?", "tell me more", "anything else?"): the next insights on the same
    topic. bare: the same with nothing before it, so there is nothing to refer to. aspect: a short
    question that narrows or turns the previous topic ("and for startups?"). new: anything else.
    """
    words = re.findall(r"\w+", question.lower().replace("'", "").replace("’", ""))
    if not words:
        return "new"
    if len(words) <= FOLLOW_UP_MAX_WORDS and all(word in _NOT_A_TOPIC for word in words):
        return "more" if has_previous else "bare"
    if has_previous and len(words) <= ASPECT_MAX_WORDS and (
            _ASPECT_CUE.match(question) or _POINTS_BACK.intersection(words)):
        return "aspect"
    return "new"
