"""Whether a question asks for his view at all: a question after a fact (how many, when was, who won) or
another person's opinion ("what does Yann LeCun think") is declined, whatever card comes closest, because the
corpus holds his views. Read before any search, like the turn's kind (app/answering/turns.py).
"""

import re

from app.corpus.records import Corpus
from app.answering.turns import words_of
from app.retrieval.question import NOT_A_TOPIC, topic_of

# Questions after a fact (how many, when was, who won...), not a view: the corpus holds his views, so the
# closest card would only pretend. "how long" and "how much" are left out: people ask them of his views
# too ("how long from demo to product?" is answered by the demo-to-product gap), except "how much did X
# spend/cost/earn, is X worth" (money is a fact, never a view of his); and so is a question that
# asks for advice ("how many layers should I use?").
_FACT = re.compile(
    r"^\W*(?:(?:and|so|but|ok|okay|btw|also|roughly|approximately|approx|about|exactly|ballpark)\W+)*"
    r"(?:how\s+(?:many|big|large|old|tall|fast|expensive)\b(?!\s+(?:of\s+)?a\s+deal\b)"
    r"|when\s+(?:was|were|did)\b|(?:in\s+)?what\s+year\b|which\s+year\b"
    # "when is gpt-5 coming out", not "when is it ok to stop copying" or "when is labeled data better than rules"
    r"|when\s+(?:is|does)\b(?!.*\b(?:ok|okay|better|worse|worth|right\s+time|good\s+idea|best|wise|smart|enough"
    r"|appropriate|time\s+to)\b)"
    r"|how\s+long\s+(?:did|was|were|ago)\b"  # "how long did gpt-3 take to train" (not "how long from demo to product")
    r"|how\s+much\s+(?:money\b|(?:did|does|do|was|is|will|has)\s+\w+(?:\s+\w+){0,3}"
    r"\s+(?:spend|cost|pay|paid|earn|raise|raised|make|charge|worth)\b)"
    # ... and what a job pays ("what do ai engineers at openai make", "which language pays best in 2024")
    r"|what\s+(?:do|does)\s+(?!(?:it|that|this|he|she|you|they|i|we)\b)(?:\w+\s+){1,4}make\W*$"
    r"|(?:what|which)\s+(?:\w+\s+){0,3}pays?\s+(?:the\s+)?(?:best|most)\b"
    # ... and what something cost someone ("what did tesla pay per labeled image", "what does a radiologist charge")
    r"|what\s+(?:did|does|do|will)\s+(?!(?:it|that|this|he|she|you|they|i|we)\b)(?:\w+\s+){1,3}(?:pay|charge|cost)\b"
    r"|who\s+(?:won|invented|founded|created|wrote|coined|came\s+up\s+with|was\s+the\s+first|made|built|developed"
    r"|designed|released|discovered|trained)\b"
    # a benchmark: "and is jax faster than pytorch for this kind of model" (not "is labeled data better than rules")
    r"|(?:is|are|was|were)\s+(?:\w+\s+){1,3}(?:faster|slower|cheaper|pricier|more\s+expensive)\s+than\b"
    r"|who(?:'s|’s|\s+is|\s+was)\s+(?:the\s+)?(?:current\s+)?(?:ceo|cto|director|head|founder|president|chair)\b"
    r"|what(?:'s|’s|s|\s+is|\s+are)\s+the\s+(?:(?:typical|average|usual|current|going)\s+)?(?:capital|population"
    r"|release\s+date|name\s+of|size\s+of|plot|salary|salaries"
    r"|(?:\w+\s+){0,2}(?:price|rate)s?)\b"  # ... of anything ("whats the neurips acceptance rate these days")
    r"|which\s+(?:\w+\s+){0,5}(?:has|have|had|is|was)\s+the\s+(?:biggest|largest|smallest|fastest|most|highest|first)\b"
    r"|who\s+(?:runs|leads|heads|owns|manages)\s+(?!by\b)"  # "and who runs tesla's AI team now"
    # what a company or a product uses ("which datacenter does openai use", "what programming language does tesla
    # autopilot use"), not how it works ("what approach does tesla use to label data": a view the corpus may hold),
    # nor what he, the asker or a team of theirs uses (his name never reaches here: topic_of drops it)
    r"|(?:what|which)\s+(?!(?:approach|way|method|strateg|process|technique|trick|philosoph|principle|rule|idea|mindset"
    r"|advice|setup|workflow|recipe|kind|sort|type)\w*\b)(?:\w+\s+){1,3}(?:does|do|did)\s+"
    r"(?!(?:i|we|you|u|he|my|our|your|his)\b)(?:[\w'-]+\s+){1,3}(?:use|uses|run|runs)\b"
    r"|where\s+(?:was|did|does|is)\s+(?:\w+\s+){0,2}(?:born|grow|grew|live|study|studied|work|based)\b"
    r"|where\s+did\s+\w+\s+(?:do|get|earn)\s+(?:his|her|their)\s+(?:phd|degree|doctorate|masters|bachelors)\b"
    # who someone is ("who was richard hamming btw"), what he still does ("is he still at openai", "does he still
    # use vim"; not "does he still think …") and his favourite things: facts about a person, not his views
    r"|who(?:'s|’s|\s+is|\s+was)\s+(?!(?:the|a|an|right|wrong|correct|better|best|responsible|he|she|they|it|this|that)\b)"
    r"[a-z][\w'-]*(?:\s+[a-z][\w'-]*)?\W*(?:btw|again|anyway|exactly)?\W*$"
    r"|(?:does|did|is|was)\s+(?:he|karpathy|andrej)\s+still\s+(?:use|using|work|working|at|with|live|living"
    r"|teach|teaching|run|running|employed|involved|active|post|posting|tweet|tweeting)\b"
    # ... and where anyone else still works ("is elon still running tesla day to day"; not "is data still king")
    r"|(?:does|did|is|was)\s+(?!(?:it|that|this|they|there|the|a|an|your|my|our|his|her|their|data)\b)[a-z][\w'-]*"
    r"\s+still\s+(?:run|runs|running|lead|leads|leading|at|employed|working\s+(?:at|for)|the\s+ceo)\b"
    # ... and a share of something ("what percentage of tesla's codebase is still c++ today")
    r"|what\s+(?:percentage|percent|fraction|share|proportion)\s+of\b"
    r"|what(?:'s|’s|s|\s+is|\s+was)\s+(?:his\s+|karpathy(?:'s|’s|s)?\s+|andrej(?:'s|’s|s)?\s+)?favou?rite\b)",
    re.IGNORECASE,
)
# ... and anywhere in it: who coined a term ("was he the one who came up with the term software 1.0?")
_COINED = re.compile(r"\bwho\s+(?:coined|invented|came\s+up\s+with)\b", re.IGNORECASE)
# Which product or paper, whether one exists or is open source, whether a page is still up: facts of the
# market and of the record, even when asked for advice ("which browser agent is best right now?", "is there
# an open source framework for that i can try", "is llama open source?"). Not "the best way to learn …".
_TOOLS = r"(?:book|books|textbook|textbooks|course|courses|editor|editors|ide|ides|tool|tools|app|apps|framework|frameworks|library|libraries|laptop|laptops|gpu|gpus|cloud|service|services|platform|platforms|agent|agents|api|apis|browser|browsers|database|databases|llm|llms|chatbot|chatbots|vendor|vendors|dataset|datasets|template|templates|podcast|podcasts|newsletter|newsletters|firm|firms|agency|agencies|consultancy|consultancies|consultant|consultants|plugin|plugins|extension|extensions|generator|generators|bootcamp|bootcamps|youtuber|youtubers|channel|channels|(?<!mental\s)models?(?!\s+(?:architecture|size)s?\b))"
_RECORD = re.compile(
    rf"\bwhich\s+(?:\w+\s+){{0,2}}{_TOOLS}\s+(?:is|are)\s+(?:the\s+)?(?:best|fastest|cheapest|most\s+(?:widely\s+)?used"
    r"|most\s+popular)\b"
    # a benchmark between two: "adamw or lion, which one converges faster on vision transformers" (not "which is
    # faster to get right, rules or a net?", a judgement)
    r"|\bwhich\s+(?:one\s+|of\s+(?:the\s+)?(?:two|them)\s+)?(?:is\s+faster|is\s+cheaper|converges?\s+faster"
    r"|trains?\s+faster|runs?\s+faster)\b(?!\s+to\b)"
    rf"|(?:\b(?:what(?:'s|’s|s|\s+is|\s+are)|which\s+is)\s+the|^\W*(?:the\s+)?)\s*(?:best|fastest|cheapest)\s+"
    rf"(?:\w+\s+){{0,2}}{_TOOLS}\b"  # "best markdown editor for mac?"
    # ... and which one has the best of something ("which email platform has the best api for this")
    rf"|\bwhich\s+(?:\w+\s+){{0,2}}{_TOOLS}\s+(?:has|have|gives?|offers?)\s+(?:the\s+)?(?:best|cheapest|fastest)\b"
    # ... or who sells it ("who makes the best one right now", found in the CLI after x-ray reading software)
    r"|\bwho\s+(?:makes|sells|builds|offers|has|does)\s+the\s+(?:best|cheapest|fastest|most\s+accurate)\b"
    rf"|\bwhat(?:'s|’s|s|\s+is|\s+are)\s+(?:a|an|some)\s+(?:(?:actual|actually|really|truly)\s+)?"
    rf"(?:good|decent|cheap|solid|reliable|affordable)\s+(?:\w+\s+){{0,2}}{_TOOLS}\b"  # "whats an actual good textbook"
    # which product to buy, rent or sign up for ("what gpu should i rent for a project like that", "which course or
    # bootcamp should i take for llm engineering"; not "which tools should i learn")
    rf"|\b(?:what|which)\s+(?:\w+\s+){{0,2}}{_TOOLS}\s+(?:should|do|would)\s+(?:i|we|you)\s+(?:rent|buy|purchase"
    r"|take|enroll\s+in|sign\s+up\s+for|subscribe\s+to)\b"
    # ... asked as a pick of the asker's ("any beginner books u recommend", "is there a good readme template on github")
    rf"|\b(?:any|some)\s+(?:\w+\s+){{0,2}}{_TOOLS}\s+(?:[\w'’]+\s+){{0,2}}recommend"
    rf"|^\W*(?:is|are)\s+there\s+(?:an?\s+|any\s+)?(?:good|decent|nice|solid)\s+(?:\w+\s+){{0,2}}{_TOOLS}\b"
    # ... or "any good X" ("any good readme template generator", c3722)
    rf"|^\W*(?:(?:know|got)\s+)?any\s+(?:good|decent|nice|solid|free|cheap)\s+(?:[\w.-]+\s+){{0,2}}{_TOOLS}\b"
    # ... or of the app's ("can you recommend a consulting firm to help us with this", c3530)
    rf"|\b(?:can|could|would)\s+(?:you|u)\s+(?:please\s+|pls\s+)?recommend\s+(?:me\s+|us\s+)?(?:a|an|any|some)\s+"
    rf"(?:\w+\s+){{0,2}}{_TOOLS}\b"
    # a setting's value ("what learning rate should i use for adamw on a resnet50", c3503): a number of a recipe the
    # corpus does not hold, not the recipe
    r"|\b(?:what|which)\s+(?:exact\s+)?(?:learning\s+rate|lr|batch\s+size|weight\s+decay|dropout(?:\s+rate)?"
    r"|warm-?up(?:\s+steps)?|number\s+of\s+epochs|temperature|top[\s-]?p)\s+(?:value\s+)?(?:should|do|would)\s+"
    r"(?:i|we|you)\s+(?:use|set|pick|choose|go\s+with)\b"
    r"|^\W*(?:is|are)\s+(?:\w+\s+){1,3}open[\s-]?source\b"
    r"|^\W*is\s+there\s+(?:an?\s+)?(?:official|open[\s-]?source|free|public|publicly\s+available)\b"
    # whether a format is a standard ("is llms.txt an official standard or just a thing people do")
    r"|^\W*(?:is|are)\s+(?:[\w.-]+\s+){1,3}(?:an?\s+)?(?:official|formal|recogni[sz]ed)\s+(?:standard|spec|specification"
    r"|format)s?\b"
    # which licence to pick ("which license should i put on model weights", "which open source model has the best
    # license for that", found in the CLI): the record's terms, not his view
    r"|\bwhich\s+licen[cs]es?\b|\b(?:best|most\s+permissive|least\s+restrictive)\s+licen[cs]es?\b"
    # what something is called or counts ("whats karpathy's youtube channel called and how many subs does it have")
    r"|\b(?:channel|podcast|book|course|company|startup|blog|newsletter|account|handle)\s+called\b"
    r"|\bhow\s+many\s+(?:\w+\s+){1,2}(?:does|do|did)\s+(?:\w+\s+){1,2}have\b(?!\s+to\b)"
    r"|\bwhich\s+(?:paper|papers|company|companies|lab|labs)\s+(?:introduced|invented|released|are|is|has|have)\b"
    r"|\bstill\s+(?:up|online|available)\s+(?:on|at)\b"
    # what a licence or a regulator allows ("does the llama 3 license allow commercial use?", "does that kind of
    # tool have FDA clearance?"; not "we need FDA approval, does that change his advice?")
    r"|\blicen[cs]e\s+(?:\w+\s+){0,2}(?:allow|allows|permit|permits|let|lets|forbid|forbids|prohibit|prohibits)\b"
    r"|\b(?:can|could|may)\s+(?:i|we|you)\s+use\s+(?:\w+\s+){0,3}commercially\b"
    r"|\b(?:has|have|had|got|get|with|without)\s+(?:\w+\s+){0,2}(?:fda|ce)\s+(?:clearance|approval|certification)\b"
    # ... and what the law allows ("is it even legal in california to put client docs into chatgpt", c3902)
    r"|\b(?:is|are)\s+(?:it|this|that|they)\s+(?:even\s+|actually\s+|still\s+)?(?:legal|illegal|lawful|unlawful"
    r"|(?:gdpr|hipaa)[\s-]compliant)\b"
    r"|\b(?:is|are|was|were)\s+(?:\w+\s+){1,3}(?:fda|ce)[\s-](?:approved|cleared|certified)\b"
    # where a package is and how to install it ("is micrograd on pip? how do i install it")
    r"|\bhow\s+(?:do|can|should|would)\s+(?:i|we|you|u)\s+install\b|\bis\s+\w+\s+on\s+(?:pip|pypi|npm|conda|homebrew)\b"
    # where he works next ("is karpathy going back to openai? heard some rumors")
    r"|\b(?:is|was|will)\s+(?:he|karpathy|andrej)\s+(?:going\s+back|returning|rejoining|joining|leaving|quitting|moving)\b"
    r"|\bdid\s+(?:he|karpathy|andrej)\s+(?:rejoin|join|leave|quit)\b"
    # his private life ("is karpathy married, does he have kids?", "whats karpathys net worth these days")
    r"|\b(?:is|was)\s+(?:he|karpathy|andrej)\s+(?:married|single|divorced|rich|a\s+billionaire|religious)\b"
    r"|\b(?:does|did)\s+(?:he|karpathy|andrej)\s+have\s+(?:a\s+)?(?:kids?|children|wife|girlfriend|family|siblings|pets?)\b"
    r"|\b(?:his|karpathy(?:'s|’s|s)?|andrej(?:'s|’s|s)?)\s+(?:net\s+worth|salary|income|wife|kids|children|family"
    r"|girlfriend|age|birthday|height|address|religion)\b"
    # ... and what he uses ("does karpathy use copilot", found in the CLI: framed as the closest he comes; not "how does
    # he use a trained model to audit its data", a practice asked)
    r"|^\W*(?:(?:and|so|btw|but)\W+)*(?:does|did)\s+(?:he|karpathy|andrej)\s+(?:actually\s+|even\s+|personally\s+)?"
    r"(?:use|own|code\s+in|write\s+in)\b"
    # ... and where to find him ("whats his youtube channel", found in the CLI: framed as the closest he comes)
    r"|^\W*what(?:'s|’s|s|\s+is|\s+are)\s+(?:his|karpathy(?:'s|’s|s)?|andrej(?:'s|’s|s)?)\s+(?:\w+\s+)?(?:channel"
    r"|handle|account|website|site|blog|email|username)s?\b"
    # where to put savings ("should i put my 401k into nvidia stock since AI is booming?")
    r"|\b(?:invest|put|buy|sell)\s+(?:\w+\s+){0,3}(?:in|into)?\s*(?:\w+\s+){0,2}(?:stocks?|shares|crypto|bitcoin|etfs?"
    r"|index\s+funds?)\b|\b401\s?k\b|\broth\s+ira\b"
    # whether a product is worth its price ("is andrew ng's coursera course still worth it", "is the google ml
    # cert worth it"; not "is a phd worth it", a view)
    r"|\b(?:is|are)\s+(?:\w+(?:'s|’s)?\s+){0,4}(?:course|courses|cert|certs|certificate|certificates|certification"
    r"|certifications|bootcamp|bootcamps|subscription|subscriptions|book|books|laptop|laptops)\s+(?:still\s+|really\s+)?worth\b"
    # what hardware a model needs ("what gpu specs do i need to run llama 3 70b locally")
    r"|\b(?:what|which|how\s+much)\s+(?:\w+\s+){0,2}(?:gpu|vram|ram|memory|specs?|hardware)\s+(?:do|would|will|does)"
    r"\s+(?:i|we|you|it)\s+need\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[?!.])\s+")
_ADVICE = re.compile(r"\b(?:should|shall|i|my|we|our|you|your|best|advice|recommend)\b", re.IGNORECASE)
# ... not in a title quoted: "what year did Hamming give the 'You and Your Research' talk?" asks a date
_QUOTED = re.compile(r"(?<!\w)(?:'[^']+'|\"[^\"]+\"|‘[^’]+’|“[^”]+”)(?!\w)")
# "what does Yann LeCun think of …", "sam altman's view on …": another person's view: any one or two words
# in the place of a name, except his and the words that are no one's name ("he", "people", "the data").
_NOT_SOMEONE = (
    "andrej|karpathy|karpathys|he|him|she|her|you|u|they|them|i|we|me|us|it|this|that|the|a|an|my|your|our|his|their"
    "|people|everyone|someone|anyone|one|what|whats|what's|how|data|research|history|science|evidence|experience"
    "|probably|really|actually|even|still|also|ever|likely|definitely|just|generally|usually|honestly|truly|not"
    "|never|always|mostly|strongly"  # "karpathy would probably disagree?": no one's name
    "|being|doing|having|getting|learning|working|coding|training"  # "why does being entertained feel like …"
)
_SOMEONE = rf"(?!(?:{_NOT_SOMEONE})\b)[a-z][\w'-]+(?:\s+(?!(?:{_NOT_SOMEONE})\b)[a-z][\w'-]+)?"
_OTHER_PERSON = re.compile(
    rf"\b(?:what|how)\s+(?:does|did|do|would|might)\s+{_SOMEONE}\s+(?:think|say|feel|believe)\b"
    rf"|\b(?:does|did|do|would|will)\s+{_SOMEONE}\s+(?:think|agree|disagree|believe|say|feel)\b"  # "does elon agree?"
    rf"|\bwhat\s+(?:has|have)\s+{_SOMEONE}\s+(?:said|written|argued|claimed)\b"  # "what has yann lecun said"
    rf"|\b{_SOMEONE}(?:'s|’s)\s+(?:view|views|take|opinion|thoughts|stance|timeline|prediction|predictions|forecast)"
    r"\s+(?:on|about|for|of)\b"
    rf"|\b{_SOMEONE}(?:'s|’s)\s+(?:official\s+\w+|charter|mission\s+statement)"  # "openai's official definition of AGI"
    rf"|\bwhat\s+(?:does|did|do)\s+{_SOMEONE}(?:'s|’s)\s+(?:\w+\s+){{1,3}}say\b"  # "what does anthropic's spec say"
    rf"|\baccording\s+to\s+{_SOMEONE}\b"
    r"|\bwho\s+else\s+(?:has|have|is|are|says?|said|thinks?|wrote|writes|argues?|agrees?|disagrees?)\b",  # other voices
    re.IGNORECASE,
)

# What he thinks is asked, whatever the words around it ask ("how many years does he think it takes")
_ASKS_HIM = re.compile(
    r"\b(?:he|karpathy|andrej)\s+(?:\w+\s+)?(?:say|says|said|think|thinks|thought|feel|feels|believe|believes|mean"
    r"|meant|like|likes|argue|argues|recommend|recommends|suggest|suggests|predict|predicts|predicted|expect|expects"
    r"|estimate|estimates|guess|guesses|bet|bets)\b|\baccording\s+to\s+(?:him|karpathy)\b"
    r"|\b(?:his|karpathy(?:'s|’s|s)?)\s+(?:view|views|take|opinion|advice|reasoning|point|argument)\b",
    re.IGNORECASE,
)


# A task to do rather than a question ("write me a python script that scrapes amazon prices", "can you summarize
# the plot of dune for me"): the corpus holds what he said, and nothing here writes, translates or summarises
# for anyone. Unless it is his words that are asked for ("can you summarize his take on agents").
_LEAD_IN = r"^\W*(?:(?:hey|hi|ok|okay|so|also|quick|and|now|cool|great|nice|thanks|lol|alright|perfect)\W+)*"
_TASK = re.compile(
    rf"{_LEAD_IN}(?:(?:(?:can|could|would|will)\s+(?:you|u)|please|pls)\s+"
    r"(?:please\s+|pls\s+|just\s+)?)?(?:write|draft|compose|translate|summari[sz]e|proofread|rewrite|reword|fix|debug"
    r"|code|generate|make)\s+(?:me|us)\b"
    # a tutorial ("can you explain the chain rule step by step"; not "walk me through what i'd do instead, step by
    # step", asked of his answer)
    r"|\bexplain\s+(?:the|how|a|an)\b.*\bstep[\s-]by[\s-]step\b"
    rf"|{_LEAD_IN}(?:can|could|would|will)\s+(?:you|u)\s+(?:please\s+|pls\s+"
    r"|just\s+)?(?:write|draft|compose|translate|summari[sz]e|proofread|rewrite|reword|fix|debug|generate|code)\b",
    re.IGNORECASE,
)
_HIS_WORDS = re.compile(r"\b(?:he|him|his|karpathy|andrej|quotes?|insights?|views?|take|advice)\b", re.IGNORECASE)


def asks_a_task(question: str) -> bool:
    """A request to write, translate or summarise something, not a question for his view."""
    return bool(_TASK.search(question)) and not _HIS_WORDS.search(question)


def not_a_view(question: str, quoted: frozenset[str] = frozenset()) -> bool:
    """A question after a fact or another person's opinion, which the corpus of his views cannot answer.
    `quoted`: the names of people he quotes (insights' `quoting`, lowercased words): what Hamming says
    about picking problems is in the corpus, in his quoting of it."""
    question = re.sub(r"\bw/\s*", "with ", question)  # "who came up w/ the learning pyramid"
    # each sentence: "was that a tweet? what year did he post it". The record is read in the words as asked:
    # "karpathy" is no topic word, but "is karpathy going back to …" asks of him
    if any(_RECORD.search(sentence) for sentence in _SENTENCE.split(question)):
        return True
    # ... a fact asked of what he thinks is his view ("how many years does he think it takes to go from a demo to a
    # real product")
    asks_him = _ASKS_HIM.search(question)
    for sentence in _SENTENCE.split(topic_of(question)):
        advice = _ADVICE.search(_QUOTED.sub("", sentence))
        if (_FACT.match(sentence) or _COINED.search(sentence)) and not (advice or asks_him):
            return True
    return any(not quoted & set(words_of(m.group(0))) for m in _OTHER_PERSON.finditer(question))


def quoted_names(corpus: Corpus) -> frozenset[str]:
    """The words of the names of the people he quotes in the corpus ("richard", "hamming")."""
    return frozenset(w for insight in corpus.insights if insight.quoting for w in words_of(insight.quoting))


# ... and of a topic it names ("so what does he actually say about labeling data"), not of the question before it
_ON_A_TOPIC = re.compile(r"\b(?:about|on|regarding)\s+(.+)$", re.IGNORECASE)


def asks_his_view_on_a_topic(question: str) -> bool:
    """Whether a question asks what he says or thinks of a topic it names in words of its own (not "about that")."""
    named = _ON_A_TOPIC.search(question)
    same = re.search(r"\bthe\s+same\b", question, re.IGNORECASE)  # "would he say the same about robots?": an aspect
    return bool(_ASKS_HIM.search(question) and named and not same and set(words_of(named.group(1))) - NOT_A_TOPIC)


# A follow-up that names him after a question the corpus holds no view on asks for his view of it ("was that
# a good move according to karpathy?" after a date): it is read as an aspect of that topic, not declined too
NAMES_HIM = re.compile(r"\b(?:andrej|karpathy)", re.IGNORECASE)
# A fact is asked: a question mark or a question's first word
_ASKED = re.compile(
    r"\?|^\W*(?:what|whats|which|who|whose|when|where|how|is|are|was|were|do|does|did|can|could|will|would"
    r"|should|has|have)\b",
    re.IGNORECASE,
)


# Two things set against each other: "is cursor better than copilot", "yolov8 or detectron2 for this?", "rust vs go"
_COMPARES = re.compile(
    r"\b(?:is|are)\s+[\w.+-]+(?:\s+[\w.+-]+)?\s+(?:better|worse|faster|cheaper|smarter|easier)\s+than\b"
    r"|\b[\w.+-]+\s+(?:vs\.?|versus)\s+[\w.+-]+"
    r"|^\W*(?:(?:and|so|but|ok|also)\W+)*(?:is\s+)?[\w.+-]+(?:\s+[\w.+-]+)?\s+or\s+[\w.+-]+(?:\s+[\w.+-]+)?"
    r"(?:\s+(?:better|faster|cheaper))?\W*(?:$|,|\?|for\b|which\b)",
    re.IGNORECASE,
)


def compares(question: str) -> bool:
    """Whether a question sets two things against each other (turn_reader.COMPARISON_FLOOR)."""
    return bool(_COMPARES.search(question))


def could_ask_a_fact(question: str) -> bool:
    """Whether a question no pattern here caught may still ask for a fact (turn_reader.asks_no_view judges): it is
    asked as a question (a turn that tells the asker's situation, "i only have an old laptop, no gpu at all", asks
    how the answer fits it), not for advice ("how do we do it without tanking this year's numbers") nor for what
    he thinks ("what did he say about working with elon", "why does he like it so much"). Two things set against each
    other ask, question mark or not."""
    asked = _ASKED.search(question) or compares(question)  # "vercel or netlify for hosting it" asks, unmarked
    return bool(asked) and not (_ADVICE.search(question) or _ASKS_HIM.search(question))
