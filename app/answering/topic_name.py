"""What a conversation is about, in a few words: the name "read as:" and "That is all the corpus has on …"
give a topic ("the data engine: for startups"), from the question that opened it, the card it showed and the
aspect that narrowed it.
"""

import re

from app.answering.turns import ASPECT_CUE, ASPECT_MAX_WORDS, NODS
from app.retrieval.question import topic_of

# "what is software 2.0?" is about software 2.0, "why sort my data by loss" about sorting data by loss, "how
# do i debug a net" about how to debug a net: how a question asks is dropped where a topic is named, and so
# are the words that only open a turn ("ok but", "so")
TOPIC_WORDS = 8
_OPENING = re.compile(
    rf"^(?:(?:ok(?:ay)?|so|then|well|but|and|hmm+|alright|right|{NODS}|lol)\b[\s,.!]*)+", re.IGNORECASE
)
_ASKING = re.compile(
    r"^(?:what(?:'s|’s|\s+is|\s+are)(?:\s+the\s+deal\s+with|\s+(?:his|your)\s+(?:views?|take|thoughts?|opinions?)\s+on)?"
    r"|(?:(?:his|your|any)\s+)?(?:views?|take|thoughts?|opinions?)\s+on|tell\s+me\s+about|explain"
    r"|why(?:\s+(?:should|do|would)\s+(?:i|we|you))?)\s+",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"[,;:?!]|\s[-–—]\s")
# ... and an ask that leans on the scene ("is vibe coded stuff good enough for that", "who does the coordinating then")
# names nothing alone ("is there a shortcut" does: not turns._POINTS_BACK, which takes "there" too)
_LEANS_ON_SCENE = re.compile(r"\b(?:that|this|it|those|these|them|then)\b", re.IGNORECASE)
_HOW_TO = re.compile(r"^how\s+(?:do|should|can|would)\s+(?:i|we|you)\s+", re.IGNORECASE)


# ... and what is still a question after that ("should i train my own model or fine-tune", "is it worth
# learning backprop") names no topic: "More on should i train…" reads badly
_STILL_ASKING = re.compile(
    r"^(?:should|is|are|do|does|did|can|could|would|will|was|how(?!\s+to\b)|why|what|when|which|who|where|i|i'm|im|my|we|our)\b",
    re.IGNORECASE,
)


def about(topic: str, aspect: str | None, named: str | None = None) -> str:
    """What a conversation is about, in a few words: "the data engine: for startups". A whole situation
    or a question is no name for a topic: it is then `named` (the title of the first card it showed), or
    its first words."""
    words = _OPENING.sub("", topic_of(topic)) or topic_of(topic)
    words = _HOW_TO.sub("how to ", _ASKING.sub("", words)) or words
    if named and _STILL_ASKING.match(words):
        words = named
    if len(words.split()) > TOPIC_WORDS:
        words = named or " ".join(words.split()[:TOPIC_WORDS]) + "…"
    return words + (f": {_shortened(_aspect_named(aspect))}" if aspect else "")


def _aspect_named(aspect: str) -> str:
    """The aspect as asked, past its cue ("and for startups?" -> "for startups") and what only opens it ("hmm ok. how
    would he convince my CEO" -> "how would he convince my CEO"): his name in it is no framing to drop ("what would
    he pick if he were me")."""
    cued = ASPECT_CUE.sub("", aspect).strip(" ,.:;-?!")
    return _OPENING.sub("", cued) or cued


def _shortened(aspect: str) -> str:
    """A long aspect by its first clause, or its first words: "i wanna sell it to real customers…", not the
    whole "i wanna sell it to real customers, is vibe coded stuff good enough for that" in every lead. When the
    first clause only sets the scene and the last one asks, in words that stand alone, the ask names it: "can we
    skip looking at the data", not "we only have a weekend tho…" (found in a blind batch, c3529)."""
    # an aspect of up to a follow-up's length is named whole: cut at eight words, "half of them say they don't have time
    # for math" lost what it was about ("… they don't have time…", found in chromium)
    if len(aspect.split()) <= ASPECT_MAX_WORDS:
        return aspect
    clauses = [c.strip() for c in _CLAUSE_END.split(aspect) if c.strip()]
    asked = clauses[-1] if len(clauses) > 1 else ""
    if 3 <= len(asked.split()) <= TOPIC_WORDS and _STILL_ASKING.match(asked) and not _LEANS_ON_SCENE.search(asked):
        return asked.rstrip(" ,.:;-?!")
    words = clauses[0].split() if 3 <= len(clauses[0].split()) <= TOPIC_WORDS else aspect.split()[:TOPIC_WORDS]
    return " ".join(words).rstrip(" ,.:;-?!") + "…"
