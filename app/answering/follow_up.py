"""What a follow-up shows ("why?", "tell me more", "an example?", "and for a startup?"): the cards of the
topic it has not shown yet, the curated links of the card it opened with first, cut at FOLLOW_FLOOR; and
when it points back to a card shown before, saying so (a reason, a gist or a case in the card above, an
aspect whose answer stands). The conversation (app/answering/conversation.py) decides what a turn is about.
"""

from app.answering.extractive import holds_a_case
from app.answering.turns import TurnKind, asks_about_what_was_said, asks_gist, asks_what_else, asks_why, words_of
from app.retrieval.search import MIN_RELEVANCE, Hit, SearchResult, Searcher, shown

# A follow-up ("why?", "tell me more", "an example?", "and for startups?") asks for what else bears on the
# topic, not for another direct answer: it shows the cards the topic has not shown whose relevance reaches
# FOLLOW_FLOOR, however far below the topic's best they are (a margin to the best card, at any width, only
# lost turns whose first card bore on the topic). A card that merely shares a word with the topic (#17
# "augmentation" after data augmentation) stays below it.
FOLLOW_FLOOR = 0.40
# ... and the insights the topic's first card is curated as linked to (insights.toml `related`: its reason,
# more of its idea, a case of it; for "example?" its `examples` first) come first, in their curated order,
# down to RELATED_FLOOR: the embedder alone ranks "why?" by shared words, the curator knows which card
# explains which. A link whose relevance to the topic is below it (a link from the card, not from what was
# asked) is not shown. Both floors fitted together on the tune half of the realistic conversations
# (bench/follow_up_cut.py, docs/conversations.md: the most first cards on topic, then the fewest cards;
# the grid is flat, 0.75-0.77 first card on topic from 0.34 to 0.40 with links down to 0.0-0.15).
RELATED_FLOOR = 0.05
# An aspect's card is on topic down to ASPECT_FLOOR, not a first question's MIN_RELEVANCE (0.30): its relevance
# is blended with the topic's (app/retrieval/search.py _combine), which pulls a card that answers the aspect
# alone down ("how did that play out at tesla?" after Software 2.0: Tesla's code eaten by nets, 0.298).
# Fitted on the tune half: aspect first card on topic 0.802 at 0.30, 0.826-0.837 from 0.20 to 0.28, best
# (0.837) at 0.22-0.25; "what about in healthcare?" after replacing support staff stays below (0.19).
ASPECT_FLOOR = 0.25
# An example asked in words of its own that name another card's idea ("got a real example of demo vs product
# taking forever" after the Iron Man suit; "what would a prompt-as-program even look like" after vibe coding) is
# an example of that card, not of the one above: by its words alone it is the most relevant, an answer in its
# own right (MIN_RELEVANCE), and OWN_WORDS_MARGIN more relevant than the card the turn would point back to.
# Stop 31, tune half: example turns' first card on topic 0.783 -> 0.795 (of those that pointed back, 98 -> 102 of
# 132; flat from 0.10 to 0.25: 101, 102, 100, 101); c2101-c2130, read once before: 0.571 -> 0.809.
OWN_WORDS_MARGIN = 0.15


def cut(
    ranked: SearchResult,
    k: int,
    seen: set,
    linked: list[int] = (),
    cases_only: bool = False,
    by_relevance: bool = False,
) -> SearchResult:
    """The cards of "why?", "tell me more", "an example?" or an aspect, none the topic has shown: first the
    cards the topic's first card is linked to (curated order) with relevance to the topic at least
    RELATED_FLOOR, then the others at least FOLLOW_FLOOR, best first. Relevance is measured against the
    topic (its question and the first card it showed), not against whatever happens to come next (an
    insight that merely shares a word with the question). "example" shows only cases: the curated
    examples, then the others that hold a concrete case. An aspect's cards come in order of relevance,
    not of the ranking: the ranking's BM25 bonus goes to whichever card has the aspect's one word
    ("incumbent", "timing"), however little it bears on the topic."""
    fresh = [h for h in ranked.hits if h.key not in seen]
    first = sorted(
        (h for h in fresh if h.key in linked and h.relevance >= RELATED_FLOOR), key=lambda h: linked.index(h.key)
    )
    others = [h for h in fresh if h.key not in linked and (h.relevance is None or h.relevance >= FOLLOW_FLOOR)]
    if cases_only:
        others = [h for h in others if holds_a_case(h.record)]
    if by_relevance:
        others.sort(key=lambda h: -(h.relevance or 0.0))
    return keep(ranked, k, first + others)


def keep(ranked: SearchResult, k: int, hits: list) -> SearchResult:
    return ranked.model_copy(update={"hits": [h.model_copy(update={"rank": n}) for n, h in enumerate(hits[:k], 1)]})


def hit(ranked: SearchResult, key: int | str | None) -> Hit | None:
    """A card's place in the ranking, to show it again (None: not among the candidates)."""
    return next((h for h in ranked.hits if h.key == key), None)


def most_relevant(ranked: SearchResult) -> Hit | None:
    """The candidate most relevant by the embeddings alone, not by the fused ranking (whose BM25 bonus goes
    to whichever card has one of the question's words)."""
    return max(ranked.hits, key=lambda h: h.relevance or 0.0, default=None)


def answered_above(question: str, shown_above: list, ranked: SearchResult, own_words: bool) -> int | str | None:
    """A card just shown (`shown_above`, best first), when it answers a "more" turn itself, saying so: "tl;dr"
    (the answer's gist), a "why?" (the card's own reason, or, when it gives none, the card is still the closest
    to one: the graders of both halves name it first for "why?", the curated links follow it), or a why, a
    "what do you mean by …" or a "what else …" of its own words that a card just shown is the most relevant to ("why
    not just crank up dropout?" after "the best regularizer is more data", "what else characterizes that style"
    after Musk's small teams)."""
    if not shown_above:
        return None
    if asks_gist(question):
        return shown_above[0]
    if own_words and (asks_why(question) or asks_about_what_was_said(question) or asks_what_else(question)):
        closest = most_relevant(ranked)
        return closest.key if closest is not None and closest.key in shown_above else None
    return shown_above[0] if asks_why(question) else None


def _shown_case(ranked: SearchResult, linked: list[int], seen: set) -> Hit | None:
    """The first curated case of the topic's first card that the topic has shown already, or else the most
    relevant card it showed that holds a case (after "how do I get better at debugging neural nets?", the third
    card shown, overfit one small batch first, rather than "no worked example" over the first)."""
    shown_before = (hit(ranked, key) for key in linked if key in seen)
    curated = next((h for h in shown_before if h and (h.relevance or 0.0) >= RELATED_FLOOR), None)
    cases = [
        h for h in ranked.hits if h.key in seen and holds_a_case(h.record) and (h.relevance or 0.0) >= FOLLOW_FLOOR
    ]
    return curated or max(cases, key=lambda h: h.relevance or 0.0, default=None)


def his_words_on(topic: SearchResult, paraphrase: Hit) -> Hit | None:
    """For his words asked after a card that holds only a curator's paraphrase of him ("any direct quote i can
    cite?" after vibe coding): the card with his own words (not words he quotes) that the paraphrase is curated as
    linked to (down to RELATED_FLOOR, as "tell me more" shows them), or else the topic's best one on the topic as a
    first question's answer must be (MIN_RELEVANCE); None when there is no such card."""

    def his_own(h: Hit | None) -> bool:
        return h is not None and getattr(h.record, "kind", None) == "quote" and not h.record.quoting

    linked = (hit(topic, key) for key in getattr(paraphrase.record, "related", []))
    return next((h for h in linked if his_own(h) and (h.relevance or 0.0) >= RELATED_FLOOR), None) or next(
        (h for h in topic.hits if his_own(h) and (h.relevance or 0.0) >= MIN_RELEVANCE), None
    )


def quoting_named(ranked: SearchResult, question: str) -> Hit | None:
    """The card in which he quotes someone the question names ("wasnt there a hamming quote he passes along?"): a name
    the embedder places nowhere near the card."""
    asked = set(words_of(question))
    return next((h for h in ranked.hits if asked & set(words_of(getattr(h.record, "quoting", None) or ""))), None)


def named_by_own_words(by_own_words: SearchResult, above: Hit) -> Hit | None:
    """The card an example's own words (ranked alone) ask for instead of the card above it would point back to
    (OWN_WORDS_MARGIN), if any."""
    best = most_relevant(by_own_words)
    if best is None or best.key == above.key:
        return None
    above_own = next((h.relevance or 0.0 for h in by_own_words.hits if h.key == above.key), 0.0)
    relevance = best.relevance or 0.0
    return best if relevance >= MIN_RELEVANCE and relevance >= above_own + OWN_WORDS_MARGIN else None


def cards_of(
    searcher: Searcher,
    ranked: SearchResult,
    kind: TurnKind,
    anchor: int | str | None,
    seen: set,
    k: int,
    back_to: int | str | None = None,
    a_step: bool = False,
) -> tuple[SearchResult, bool]:
    """What a "why?", an "example?" or an aspect shows, and whether its first card points back to one the
    topic showed (the lead then says so). Never silently a card the topic has shown: what else bears on it.
    `back_to`: the card just shown, when the turn asks for its gist, or for its reason and it gives one.
    `a_step`: the example asks for a step to take ("a quick check i can run"), which the first card's related
    cards that hold one are too (after a silent failure, the recipe's steps), not only its curated cases."""
    # an aspect is narrowed by its own words: what the first card links to need not bear on them
    record = searcher.corpus.get(anchor) if anchor is not None and kind != "aspect" else None
    linked = getattr(record, "examples" if kind == "example" else "related", [])
    if a_step and record is not None:
        steps = (key for key in record.related if key not in linked and holds_a_case(searcher.corpus.get(key)))
        linked = [*linked, *steps]
    cards = cut(ranked, k, seen, linked, cases_only=kind == "example", by_relevance=kind == "aspect")
    if back_to is not None:
        # the card just shown says why itself ("You will find corrupted data, duplicate examples, and biases"),
        # or is the gist asked for: it is the answer, and what else bears on the topic follows it
        above = hit(ranked, back_to)
        if above:
            return keep(ranked, k, [above, *cards.hits]), True
    if kind == "example" and (holds_a_case(record) or not cards.hits):
        # the case is in the card just shown ("get a tiny network to overfit on a small batch"), or the topic
        # showed its curated case already ("say more" showed Tesla's C++ eaten by nets, then "what did that
        # look like at tesla?"), or the corpus has none beyond it: that card, then any other cases
        shown_case = None if holds_a_case(record) else _shown_case(ranked, linked, seen)
        above = shown_case or hit(ranked, anchor)
        if above is None:
            return cards, False
        return keep(ranked, k, [above, *(h for h in cards.hits if h.key != above.key)]), True
    if kind != "aspect":
        return cards, False
    best = most_relevant(ranked)
    if best is not None and best.key == anchor:
        # the topic's first card is still the most relevant to the topic narrowed by the aspect: the answer
        # stands, and what else the aspect brings follows it
        return keep(ranked, k, [best, *cards.hits]), True
    if cards.hits:
        return cards, False
    # nothing passes the follow-up cut: the aspect's best card is its answer like a first question's (the
    # lead says how close it is), or, when the topic has shown it, that card, saying so; best by relevance,
    # as its other cards are ordered (the ranking's BM25 bonus went to #49 for "llms specifically", while
    # the topic's #34 on learning was the most relevant). A new card below ASPECT_FLOOR ("what about in
    # healthcare?") is no answer: the topic's stands.
    fresh = shown(ranked, k, exclude=seen)
    if best is not None and best.key in seen:
        # ... and after it only new cards that are an answer themselves (not #3 "gradient descent writes better
        # code" at 0.14 after "is jax better than pytorch for that?")
        return keep(ranked, k, [best, *(h for h in fresh.hits if (h.relevance or 0.0) >= ASPECT_FLOOR)]), True
    above = hit(ranked, anchor)
    if above and fresh.hits and (fresh.hits[0].relevance or 0.0) < ASPECT_FLOOR:
        return keep(ranked, k, [above]), True
    return fresh, False
