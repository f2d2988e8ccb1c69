"""Reading a question in a conversation, before any search: what kind of turn it is ("why?", "and for a
startup?", "ok, different question: …"). What a topic is called is app/answering/topic_name.py; whether it
asks for a view at all, app/answering/views.py; what the turn then shows is the conversation's
(app/answering/conversation.py).
"""

import difflib
import re
from typing import Literal

from app.retrieval.question import NOT_A_TOPIC

TurnKind = Literal["new", "more", "example", "aspect", "switch", "offtopic", "bare"]

# A short question made only of words that ask *how* to answer rather than *what about* (NOT_A_TOPIC: "why?",
# "tell me more about that", "is that true?", "what's his reasoning", "tl;dr", "what's the analogy he uses")
# has no topic of its own and takes the conversation's.
FOLLOW_UP_MAX_WORDS = 8
# ... and of those, the words that ask for a concrete case rather than more of the same
EXAMPLE_WORDS = {
    "example",
    "examples",
    "instance",
    "instances",
    "case",
    "cases",
    "concrete",
    "specific",
    "specifically",
    "illustrate",
    "real",
    "world",
    "practice",
    "such",  # "such as?"
    "eg",
    "e",  # "e.g.?"
    "g",
    "concretely",
    "anecdote",
    "anecdotes",
    "story",
    "stories",
    "paint",  # "paint me a picture"
    "picture",
}
# ... but in a question with words of its own, only the words that can mean nothing else: "what about agents
# specifically?" and "and what about real production software?" narrow the topic, they ask for no case
_SURELY_EXAMPLE = {
    "example",
    "examples",
    "instance",
    "instances",
    "illustrate",
    "concrete",
    "concretely",
    "anecdote",
    "anecdotes",
}
_A_CASE = re.compile(
    r"\b(?:any|a|an|one|some)\s+(?:(?:real|concrete|specific|actual|real-world)\s+)*cases?\b|\bcase\s+stud(?:y|ies)\b"
    r"|^\W*like\s+what\W*$|\b(?:what|how)\s+(?:does|would|will|did|could)\s+(?:that|this|it)\s+(?:actually\s+)?look\s+like\b"
    r"|\bwhat\s+(?:that|this|it)\s+looks\s+like\b|^\W*(?:(?:show|give)\s+me|got)\s+one\W*$"
    # "like what would I look at", "show me what vibe coding looks like", "... look like in practice", "what
    # would a program in english even look like" (not "what does software 2.0 look like in 10 years")
    r"|^\W*like\s+what\b|\bshow\s+me\s+what\b.*\blooks?\s+like\b"
    r"|\blooks?\s+like\s+in\s+(?:practice|real\s+life|reality|the\s+real\s+world)\b"
    r"|\bwhat\s+would\s+(?:a|an|one)\s+(?:\W?[\w-]+\W?\s+){1,5}(?:even\s+)?look\s+like\b|\bwar\s+stor(?:y|ies)\b"
    # whether it happened somewhere: "has anyone actually tried that", "did that actually work somewhere?",
    # "has any company pulled that off?", "has it replaced any actual code yet?"
    r"|\b(?:has|have|did)\s+(?:anyone|anybody|someone|somebody|any\s+(?:one|company|companies|team|teams|startup"
    r"|startups|lab|labs))\b|\b(?:did|has|does)\s+(?:that|this|it)\s+(?:\w+\s+)?(?:work|worked|happen|happened)"
    r"\s+(?:somewhere|anywhere|in\s+practice|for\s+real)\b"
    r"|\b(?:has|did)\s+(?:it|that|this|he)\s+(?:actually\s+|ever\s+|really\s+)?(?:seen|replaced|done|tried)\b"
    # the specifics: "what was the actual project?", "what kind of stuff do you find?"
    r"|^\W*what\s+(?:was|is|were|are)\s+the\s+actual\s+\w+\W*$|^\W*what\s+kinds?\s+of\s+(?:stuff|things)\b",
    re.IGNORECASE,
)
# ... and a case that is a step to take: "a quick sanity check I can run", "something concrete i can check in
# the next hour", "step by step"
_A_STEP = re.compile(
    r"\b(?:check|step|thing|something|habit|routine|exercise|project|experiment|test|action)s?\s+(?:that\s+)?"
    r"(?:i|we|they|you)\s+(?:can|could|should)\b"
    r"|\b(?:this\s+afternoon|tomorrow\s+morning|next\s+hour|first\s+step|step\s+(?:one|1)|step\s+by\s+step)\b"
    # "how would i actually check that", "how would i even test for that in an interview" (c3729, c2024)
    r"|\bhow\s+(?:would|do|should|can|could)\s+(?:i|we|you)\s+(?:actually\s+|even\s+)?"
    r"(?:check|test|verify|spot|measure)\s+(?:for\s+)?(?:that|this|it)\b",
    re.IGNORECASE,
)
# An aspect of the topic: a cue word ("and for startups?", "what about the data side?") or a word
# pointing back at it ("how did that play out at tesla?"). It may be a little longer than a bare
# follow-up and still lean on the topic.
ASPECT_MAX_WORDS = 12
# The nods a turn may open with before what it asks or tells ("ugh ok. and we have like 2 engineers total", "sure, for
# perception. but billing logic …"): ASPECT_CUE and _TELLS read past them, and so does the name of an aspect
# (topic_name.py)
NODS = r"ugh+|ah+|oh|welp|yeah|sure|fine"
ASPECT_CUE = re.compile(
    rf"^\W*(?:(?:ok(?:ay)?|well|alright|right|hmm+|cool|thanks|{NODS})\W+)*"
    r"(?:and|also|but|so|then|for|what\s+about|how\s+about"
    r"|what\s+if|even\s+(?:when|if|for|with|in|at|on|though))\b",  # "even when im under a crazy deadline?"
    re.IGNORECASE,
)
# ... and asking whether the answer holds somewhere else names the topic by "that" or "the same", however long
# the setting it describes ("does that apply to a b2b saas thing too or only self driving cars", "would he say
# the same about robots learning to walk?", "what about for my 12 year old who wants to learn to code"). Tune half:
# from 20 words to 30, seven more follow-ups read as aspects, all of them aspects by their graders ("we're literally
# 3 people though. we cant build some giant telemetry + retraining machine. how should a team our size think about
# it"); past 30, none more
LONG_ASPECT_MAX_WORDS = 30
_SAME_ELSEWHERE = re.compile(
    r"\b(?:would|does|did|will)\s+(?:he|karpathy|andrej)\s+say\s+(?:the\s+same|that|this|so)\b"
    r"|\b(?:does|would|will|is|could)\s+(?:that|this|it|the\s+same|any\s+of\s+(?:this|that|it))\s+(?:\w+\s+)?"
    r"(?:still\s+|also\s+|even\s+)?(?:apply|hold|work|change|happen)\b"  # "does that loop even apply to us?"
    # "same for text datasets?", "same idea for fine-tuning an llm?"
    r"|^\W*(?:(?:and|but|so|is\s+it)\W+)*(?:the\s+)?same\s+(?:(?:idea|thing|advice|logic|rule|approach)\s+)?"
    r"(?:for|with|in|goes\s+for|applies\s+to)\b"
    r"|\b(?:what\s+then|then\s+what)\W*$"  # "we don't own a factory though. what then"
    r"|\bis\s+(?:that|this|it)\s+(?:still\s+|also\s+)?(?:true|the\s+case|any\s+different|different)\b"
    r"|^\W*(?:(?:ok(?:ay)?|and|but|so)\W+)*(?:what|how)\s+about\b"
    r"|^\W*(?:at|in|on|inside|within|without|under|during)\s+(?:[\w'’-]+\W*){1,4}$",  # "at a bank?", "in healthcare?"
    re.IGNORECASE,
)
# ... or tells, not asks, what the asker lacks or is ("i only have a raspberry pi to train on tho", "we dont own
# any warehouses though lol", "our board expects revenue within 12 months."): how the answer fits them. Each of
# the tune half's 21 follow-ups told with no question mark that open on the asker or their thing ("we", "our",
# "it would only be internal", "the board is nervous about …") is an aspect (a why that ends in "tho" asks the reason),
# and so is one about a person in their situation ("actually he just said 6 weeks", of the CEO)
_TELLS = re.compile(
    r"\b(?:though|tho)\W*(?:lol|haha)?\W*$"
    r"|\b(?:though|tho)\s*[,;.]\s*(?:i|im|i(?:'|’)m|we|we(?:'|’)re|were|our|my)\b"  # "… tho, we're a fintech"
    rf"|^\W*(?:(?:but|and|well|ok(?:ay)?|hmm+|so|also|mostly|honestly|{NODS}|lol|alright"
    r"|tbh|actually|plus)\W+)*(?:i|im|i(?:'|’)m|ive|i(?:'|’)ve|we|we(?:'|’)re|we(?:'|’)ve|weve|our|my|it|its|it(?:'|’)s"
    r"|they|they(?:'|’)re|their|he|hes|he(?:'|’)s|she|shes|she(?:'|’)s"
    r"|the\s+\w+\s+(?:is|are|was|were|has|have|wants?|needs?|expects?|keeps?|only|won'?t|can'?t|doesn'?t|don'?t))\b"
    r"(?!\s+(?:mean|guess|wonder)\b)"
    # ... or what someone around them wants or holds against it ("teammate wants to build a super general data
    # loader first", "upper management thinks it's grunt work": c3527, c3529)
    rf"|^\W*(?:(?:but|and|well|ok(?:ay)?|so|also|honestly|tbh|actually|plus|{NODS})\W+)*(?:[\w'’-]+\s+){{1,3}}"
    r"(?:says|thinks|wants|insists|believes|argues|claims|keeps\s+saying)\b",
    re.IGNORECASE,
)
_HIM = {"he", "him", "his", "karpathy", "andrej"}
# ... or what he would do in the asker's place ("what would he do in my shoes", "if karpathy were me?")
_HIS_MOVE = re.compile(
    r"\bwhat\s+would\s+(?:he|karpathy|andrej)\s+(?:do|say|suggest|recommend|advise|pick|choose)\b"
    r"|\bif\s+(?:he|karpathy|andrej)\s+(?:were|was)\s+(?:me|us|in\s+my)\b",
    re.IGNORECASE,
)
_POINTS_BACK = {"that", "it", "this", "there", "those", "these", "them", "thats", "its"}
# ... or where to start on it ("where would he start digging", c3704: declined as on no topic)
_WHERE_TO_START = re.compile(
    r"\b(?:where|how)\s+(?:would|should|do|does|could|can)\s+(?:he|karpathy|andrej|i|we|you)\s+(?:even\s+|actually\s+)?"
    r"(?:start|begin)\b",
    re.IGNORECASE,
)
# ... or asking for another way than the one just given ("what would be better then", "so what should i do
# instead")
_ANOTHER_WAY = {"instead", "alternative", "alternatives", "better", "otherwise"}
_WHY = re.compile(
    r"^\W*(?:(?:wait|ok(?:ay)?|but|so|and|hmm+|um+|huh|sorry|really)\W+)*(?:why|how\s+come|what(?:'|’)?s\s+the\s+point"
    r"|(?:(?:can|could|would)\s+(?:you|u)\s+)?(?:please\s+)?(?:explain|tell\s+me|say)\s+why)\b",  # "explain why"
    re.IGNORECASE,
)
# ... or asks for more in so many words, narrowed by words of what was just said ("say more about the strategic
# patience part", "what do you mean by data engine exactly?", "go on, what makes it 'general purpose'")
_MORE = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|so|and|but|hmm+|wait)\W+)*(?:(?:can|could|would)\s+(?:you|u)\s+)?(?:please\s+)?"
    r"(?:say\s+more|tell\s+me\s+more|elaborate|expand\s+on|go\s+on"
    r"|explain|what\s+(?:do|did)\s+(?:you|he)\s+mean)\b|\belaborate\W*$"
    # ... or at the end of what the asker makes of it ("that sounds a bit fatalistic, can you expand", "... explain
    # that": c3707, c3801)
    r"|\b(?:expand|elaborate)(?:\s+on\s+(?:that|this|it))?\W*$"
    r"|\bexplain\s+(?:that|this|it)(?:\s+(?:more|again|pls|please))?\W*$",
    re.IGNORECASE,
)
# What opens a short follow-up before what it asks ("ok", "so", "but", "hmm"), in the patterns below
_OPENER = r"^\W*(?:(?:ok(?:ay)?|so|and|but|hmm+)\W+)*"
# ... or to expand on it, alone ("expand a bit", c4221: "bit" is a word of its own to the rules above)
_EXPAND_ALONE = re.compile(
    rf"{_OPENER}(?:(?:can|could|would)\s+(?:you|u)\s+)?(?:please\s+)?"
    r"(?:expand|elaborate)(?:\s+on\s+(?:that|this|it))?(?:\s+(?:a\s+)?(?:bit|little|more))*\W*$",
    re.IGNORECASE,
)
# ... or what else there is, in words of its own ("what else usually bites people", "what else should i try"): every
# such follow-up in corpus/ asks for more of the topic ("who else has written on it" asks for other people); and so
# does another angle on it ("any other angle he'd take?", c4113)
_WHAT_ELSE = re.compile(
    rf"{_OPENER}(?:(?:what|anything)\s+else\b"
    r"|any\s+other\s+(?:angles?|ideas?|thoughts?|points?|reasons?)\b)",
    re.IGNORECASE,
)
_WHY_NOT = re.compile(rf"{_OPENER}why\s+not\b", re.IGNORECASE)
# "what does that mean", "what does it mean, programming in plain english?" (c3910: what it means, then what "it" is)
_WHAT_IT_MEANS = re.compile(
    r"\b(?:what|wtf)\s+(?:does|do|did)\s+(?:that|this|it|he|you)\s+mean(?:\W*$|\s*[,:–—-])", re.IGNORECASE
)
# "ok, different question: …", "new topic - hiring", "diff q -", "changing topics, …", "unrelated, but …", "on
# another note": the rest opens a new topic
SWITCH = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|alright|right|fine|so|thanks|cool|lol|also|whatever)\b[\s,.!:;-]*)*"
    r"(?:(?:totally|completely)\s+)?"
    r"(?:(?:a\s+|on\s+(?:a|to)\s+)?(?:different|diff|another|new|other|unrelated|separate)"
    r"\s+(?:q|questions?|topics?|subjects?|thing|worry)|separately"
    r"|(?:let'?s\s+)?(?:chang(?:e|ing)|switch(?:ing)?)\s+(?:the\s+)?(?:topics?|subjects?|gears)"
    r"|on\s+(?:a\s+(?:different|separate)|another)\s+note"
    r"|(?:unrelated|random)(?:\s+q(?:uestion)?)?(?=\s*[,:;.—–-]|\s+but\b))\b"
    r"[\s,.!:;?—–-]*(?:but\b\s*)?",
    re.IGNORECASE,
)

# Thanks or a nod, nothing asked ("ok thx", "lol ok thanks man", "cool, makes sense"): no topic to search, and no
# "more on the data engine: ok thx" either (both found in a blind batch, c3301-c3330)
_THANKS = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|k+|alright|cool|lol|haha+|great|nice|neat|sweet|awesome|perfect|thanks|thank\s+(?:you|u)|thx"
    r"|ty|tysm|cheers|got\s+it|gotcha|makes\s+sense|appreciate\s+it|(?:very\s+|super\s+)?helpful|that\s+helps"
    r"|so\s+much|a\s+lot|very\s+much|man|dude|bro|mate)\b\W*)+$",
    re.IGNORECASE,
)


def says_thanks(question: str) -> bool:
    """Whether a turn only thanks or nods, asking nothing."""
    return bool(_THANKS.match(question))


# "examples" that are rows of data ("what if our dataset is only like 2k examples", "how many examples should i
# look at", "sorting my training examples by loss") ask for no case: all five such follow-ups of the tune half
_DATA_EXAMPLES = re.compile(
    r"\b((?:\d[\d,.]*\s*[km]?|how\s+many|thousands?|hundreds?|millions?|labell?ed|training|bad|duplicate"
    r"|corrupted|noisy)\s+)examples?\b"
)


def words_of(question: str) -> list[str]:
    """The lowercased words of a question, apostrophes dropped ("what's" is "whats"), "example" however it
    is typed ("exmaple pls" asks for one too), and data examples called samples."""
    text = _DATA_EXAMPLES.sub(r"\1samples", question.lower().replace("'", "").replace("’", ""))
    return [_spelled(w) for w in re.findall(r"\w+", text)]


def _spelled(word: str) -> str:
    if len(word) < 6 or word in EXAMPLE_WORDS or word in NOT_A_TOPIC:
        return word
    return next(iter(difflib.get_close_matches(word, ("example", "examples"), n=1, cutoff=0.85)), word)


def asks_a_step(question: str) -> bool:
    """An example that asks for a step to take rather than a case that happened."""
    return bool(_A_STEP.search(question))


def _asks_a_case(question: str, words: list[str]) -> bool:
    """A question with words of its own that asks for a case: a word that can mean nothing else, a phrase, or
    a step to take."""
    return bool(_SURELY_EXAMPLE.intersection(words) or _A_CASE.search(question) or asks_a_step(question))


def turn_kind(question: str, has_topic: bool, topic_words: frozenset[str] = frozenset()) -> TurnKind:
    """How a question relates to the conversation before it (before any search). `topic_words`: the words
    of the topic and of the card it opened with, which a "why …" follow-up may take up."""
    if SWITCH.match(question) and re.search(r"\w", SWITCH.sub("", question, count=1)):
        return "switch"
    words = words_of(question)
    if not words:
        return "new"
    if len(words) <= FOLLOW_UP_MAX_WORDS and all(w in NOT_A_TOPIC or w in EXAMPLE_WORDS for w in words):
        if not has_topic:
            return "bare"
        return "example" if EXAMPLE_WORDS.intersection(words) or _A_CASE.search(question) else "more"
    if not has_topic:
        return "new"
    if asks_a_quote(question):  # his words on the topic, in words of its own ("… i can drop on a slide")
        return "more"
    if _opens_with_why(question) or asks_what_else(question) or _EXPAND_ALONE.match(question):
        return "more"
    if len(words) > ASPECT_MAX_WORDS:
        # a why asks the reason of the answer however long it runs ("But why not let it run fully autonomously if
        # the accuracy numbers in the vendor study are high?"): so are all 19 of the tune half's
        if _WHY.match(question):
            return "more"
        # "does that loop even apply to us?", "ok and once real customers pay through it, anything to worry about?"
        leans = (
            _SAME_ELSEWHERE.search(question)
            or (ASPECT_CUE.match(question) and _POINTS_BACK.intersection(words))
            or _tells_their_situation(question)
        )
        return "aspect" if len(words) <= LONG_ASPECT_MAX_WORDS and leans else "new"
    # "give me an example of what could go wrong", "so concretely what would step one be", "why is it so
    # inefficient": a follow-up of that kind, narrowed by its own words
    if _asks_a_case(question, words):
        return "example"
    # "wait why would that be true", "wtf does that mean", "why is more data better than the tricks" (after
    # the card on more data)
    own = {w for w in words if w not in NOT_A_TOPIC}
    if (_WHY.match(question) or asks_about_what_was_said(question)) and (
        _POINTS_BACK.intersection(words) or own & topic_words or ASPECT_CUE.match(question)
    ):
        return "more"
    if (
        ASPECT_CUE.match(question)
        or _POINTS_BACK.intersection(words)
        or _ANOTHER_WAY.intersection(words)
        or _SAME_ELSEWHERE.search(question)
        or _tells_their_situation(question)
    ):
        return "aspect"
    return "new"


def _opens_with_why(question: str) -> bool:
    """A bare why, then what the asker makes of it ("How come? They do seem to remember the facts."): the why
    is the turn, the rest its context."""
    said = re.match(r"([^?!.]+)[?!.]+\s*\S", question)
    return bool(said and _WHY.match(said[1]) and set(words_of(said[1])) <= NOT_A_TOPIC)


def _tells_their_situation(question: str) -> bool:
    return bool(_TELLS.search(question)) and "?" not in question and not _WHY.match(question)


def unsaid_follow_up(question: str, lands_above: bool = False) -> TurnKind | None:
    """What a question read as new, but on no topic of its own, asks of the answer just given: its reason, a
    case of it, or it in another setting, in words the reading did not tell ("why not just crank up dropout?",
    "ok but why does it matter so much if the model will learn anyway?", "what does that look like in practice,
    like a concrete thing they do?", "what's one check we could do tomorrow?", "what if I'm using a pretrained
    model from huggingface, does this still apply?", "what would he do in my shoes", "where would he start
    digging"). None for any other: any short question so read made "best pizza in naples?" more on the topic,
    and so did any short why ("why is the sky blue?"). It must point back at what was said ("that", "it") or at
    him ("why does he care so much"), unless it asks "why not …" of it, or it `lands_above`: its closest card,
    though below the floor, is one just shown ("why would a network beat carefully written rules?" after
    gradient descent writing better code)."""
    words = words_of(question)
    points_back = bool(_POINTS_BACK.intersection(words))
    if len(words) > ASPECT_MAX_WORDS and not (points_back or ASPECT_CUE.match(question)):
        return None
    if _asks_a_case(question, words):
        return "example"
    if asks_why(question) and (points_back or lands_above or _HIM.intersection(words) or _WHY_NOT.match(question)):
        return "more"
    if _WHERE_TO_START.search(question):
        return "more"
    leans = ASPECT_CUE.match(question) or _SAME_ELSEWHERE.search(question) or _HIS_MOVE.search(question)
    return "aspect" if leans else None


def asks_about_what_was_said(question: str) -> bool:
    """A follow-up asking what something just said means, or for more of it ("what do you mean by data engine",
    "say more about the strategic patience part"): the card that said it may be the answer."""
    return bool(_MORE.search(question) or _WHAT_IT_MEANS.search(question))


def asks_what_else(question: str) -> bool:
    """A follow-up that asks what else there is ("what else characterizes that style"): when the card just shown is
    still the most relevant to its own words, that card is the answer, and what else bears on it follows."""
    return bool(_WHAT_ELSE.match(question))


_FOR_A_REASON = {"reason", "reasons", "reasoning", "logic", "evidence", "proof", "basis"}


def asks_why(question: str) -> bool:
    """A follow-up that asks for the reason ("why?", "how come", "what's his reasoning", "any evidence?"):
    the card it follows may give it itself (insights.toml `reason`)."""
    return bool(_WHY.match(question)) or bool(_FOR_A_REASON.intersection(words_of(question)))


_GIST = re.compile(
    r"\b(?:tl;?\s*dr|gist|summar(?:y|ize|ise)|takeaways?|eli5|main\s+point|(?:in\s+)?(?:one|a)\s+sentence"
    r"|short\s+version|in\s+short)\b",
    re.IGNORECASE,
)


# ... or for his words on it, to copy or to check ("got a karpathy quote i can drop on a slide", "can i quote him on
# that", "his exact words pls", "what exactly did he say?", "did he actually say that?", "something citable for my
# essay", "whats the real wording then", "want his line on a sticky note", "how'd he word that"): what the app is for
_QUOTE_ASKED = re.compile(
    r"\b(?:got|give\s+me|any|need|want|is\s+there|share)\s+(?:a|an|one|some)?\s*(?:\w+\s+){0,2}"
    r"(?:quote|quotes|one-liner|soundbite)\b|\bline\s+(?:from|of|by)\s+(?:him|his|karpathy|andrej)\b"
    r"|\b(?:direct|exact|actual|verbatim|precise|real|original|literal|full)\s+(?:quotes?|words?|wording|phrasing|line"
    r"|sentence)\b|\b(?:his|karpathy'?s|andrej'?s)\s+(?:own\s+|exact\s+|actual\s+)?(?:words|wording|phrasing|line)\b"
    r"|\bword\s+for\s+word\b|\bverbatim\b|\bhow(?:'?d|\s+did|\s+does)\s+he\s+(?:word|phrase|put)\s+(?:it|that|this)\b"
    r"|\b(?:quote|cite)\s+(?:him|karpathy|andrej|that|this|it)\b|\b(?:citable|citeable|quotable|citation)\b"
    r"|\bwhat\s+(?:exactly|actually|precisely)\s+did\s+he\s+(?:say|write)\b(?!\s+about\s+(?!(?:that|it|this)\b))"
    r"|\bdid\s+he\s+(?:actually|really|literally)\s+(?:say|write)\s+(?:that|this|it)\b"
    r"|\bwh?at\s+did\s+he\s+(?:say|write)\s+(?:exactly|precisely|word\s+for\s+word)\b",
    re.IGNORECASE,
)
# ... or where it is from, to cite it ("where was that from? footnote needs a source", "can i use that as an
# epigraph?"): a word of citing, in a follow-up that points back at what was said or at him
_CITING = {"source", "sources", "footnote", "bibliography", "epigraph", "attribution", "attribute", "credit", "cite"}
_SOURCE_CODE = re.compile(r"\bopen[\s-]source\b|\bsource\s+code\b", re.IGNORECASE)


def asks_a_quote(question: str) -> bool:
    """A follow-up that asks for his words on the topic, to use ("got a quote for a slide"), or where they are
    from."""
    if _QUOTE_ASKED.search(question):
        return True
    words = set(words_of(_SOURCE_CODE.sub("", question)))
    return bool(_CITING & words) and bool((_POINTS_BACK | _HIM) & words)


def asks_gist(question: str) -> bool:
    """A follow-up that asks for what was just said, in short ("tl;dr", "what's the main point", "summarize
    that", "got a quote for a slide"): the card just shown is the answer."""
    return bool(_GIST.search(question)) or asks_a_quote(question)
