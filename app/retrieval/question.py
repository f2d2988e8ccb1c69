"""Reading a question: clean it and find its topic.

Everything here is about what the person asked, before any search: refusing what cannot be searched
(empty, too long, not text) and dropping what every question shares (his name, "what would he say
about"). How a question leans on the ones before it is the conversation's (app/answering/conversation.py).
"""

import re
import unicodedata


class QuestionError(ValueError):
    """The question cannot be searched (empty, too long); the message is fit to show a user."""


# Every question is about Karpathy, so his name says nothing about the topic, yet it pulls a short
# question's embedding towards whichever insights name him. Framing like "what would he say about" is
# likewise the same for every question. Both are dropped from the text that is embedded.
_FRAMING = re.compile(
    r"\b(?:what|how)\s+(?:would|does|did|do|might|will)\s+(?:andrej\s+)?(?:karpathy|he|andrej)\s+"
    r"(?:(?:actually|really|honestly|personally|truly)\s+)?"  # "what does karpathy actually think about …"
    r"(?:say|think|tell\s+(?:me|us)|feel|suggest|recommend|advise)(?:\s+(?:about|of|on|regarding))?\b"
    r"|\baccording\s+to\s+(?:andrej\s+)?karpathy\b"
    r"|\bin\s+(?:andrej\s+)?(?:karpathy(?:'s|’s|s)?|his)\s+(?:view|opinion|eyes|mind)\b"
    r"|\b(?:andrej\s+)?karpathy(?:'s|’s|s)?\s+(?:views?|take|thoughts?|opinions?|advice)(?:\s+(?:on|about))?\b"
    r"|\b(?:andrej\s+)?karpathy(?:'s|’s)?\b|\bandrej\b",
    re.IGNORECASE,
)


def topic_of(question: str) -> str:
    """The question without his name and the framing every question shares; unchanged if that empties it."""
    topic = re.sub(r"\s+", " ", _FRAMING.sub(" ", question)).strip(" ,.:;-?!")
    topic = re.sub(r"^(?:on|about|regarding|re)\b[\s:]*", "", topic, flags=re.IGNORECASE)
    return topic if re.search(r"\w", topic) else question


# Words that ask *how* to answer rather than *what about*, and so name no topic: not a short follow-up made
# only of these ("why?", "tell me more about that": app/answering/turns.py), nor a clause of a long question
# ("what should I change").
NOT_A_TOPIC = set(
    """
    a an the and or but so then also ok okay yes no please any some
    what whats why how when where who which is are was were be been being
    do does did can could would should will shall may might must
    i me my we us our you your he him his it its they them their this that these those there here
    say says said think thinks mean means tell explain elaborate expand give show go on come
    more else another other again quote quotes really true too not
    anything something continue details detail tips
    after next besides first change try start begin focus fix improve got
    about of to for in at with from by like
    tho though pls plz u ur rly lol hmm huh cool nice interesting wait yeah ya yep sure wtf
    keep going further deeper dig way meaning seriously actually right agree one short sentence steps as
    recommend recommends suggest suggests advice
    reasoning reason reasons logic argument arguments evidence proof source sources basis
    point main gist takeaway takeaways summary summarize summarise tldr tl dr eli5 analogy metaphor uses use
""".split()
)


# A question that tells a situation ("my boss wants us to ship in two weeks and nobody has even looked at
# the data") may hold its topic in one clause, diluted in the whole. From this many words on, a question is
# also read clause by clause: at its punctuation and at the words that join clauses.
LONG_QUESTION_WORDS = 10
_CLAUSE_BREAK = re.compile(r"[,.;:!?]+|\s(?:and|but|so|because|while|since|although|though|tho)\s", re.IGNORECASE)


def clauses(question: str) -> list[str]:
    """The clauses of a long question (three words or more each, with a topic), or none when it is short or one
    clause."""
    if len(question.split()) < LONG_QUESTION_WORDS:
        return []
    parts = [part.strip() for part in _CLAUSE_BREAK.split(question) if len(part.split()) >= 3]
    # a clause with no topic of its own is the question's ask, not its topic: alone, "what should I change" after
    # a banana bread recipe reached "The dataset is the source code" (with stop 47's averaged adapter, a branch)
    parts = [part for part in parts if not set(re.findall(r"\w+", re.sub("['’]", "", part.lower()))) <= NOT_A_TOPIC]
    return parts if len(parts) >= 2 else []


def clean_question(question: str, max_chars: int) -> str:
    """Drop control and zero-width characters, fold whitespace; refuse empty or oversized questions."""
    if not isinstance(question, str):
        raise QuestionError("The question must be text.")
    if len(question) > max_chars:
        raise QuestionError(f"The question is too long ({len(question):,} characters; the limit is {max_chars:,}).")
    if any(unicodedata.category(c) == "Cs" for c in question):  # a lone surrogate: JSON allows "\ud800"
        raise QuestionError("The question is not valid UTF-8 text.")
    question = "".join(
        " " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in question if unicodedata.category(c) != "Cf"
    )
    question = re.sub(r"\s+", " ", question).strip()
    if not question:
        raise QuestionError("The question is empty: ask about something, e.g. 'what would Karpathy say about hiring?'")
    return question
