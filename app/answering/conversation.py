"""The conversation: what each turn is about, and replaying the turns before it (what kind of turn a question
is, is read in app/answering/turns.py, and where its rules would decline, by app/answering/turn_reader.py;
what a follow-up shows is app/answering/follow_up.py). The one home for
follow-ups: the CLI, the web chat, the API and local mode all read a question through `current_turn`.

A conversation has a topic: the question that opened it, narrowed by an aspect ("and for a startup?").
"why?", "tell me more" and "give an example" show the cards that bear on that topic and were not shown
yet (first those the curator linked to the card it opened with), or say in one line that the corpus has
nothing more on it. "ok, different question: …" opens a new topic. Questions the corpus holds no view on
(how many, when was, other people's views) and tasks ("write me a script") are declined, whatever card comes
closest. A line the asker quotes and asks whether he said is checked against the corpus, wherever in a
conversation it comes (app/answering/attribution.py). Clients send the earlier questions (the API keeps no
state), so the turns are replayed to know what was shown.
"""

from pydantic import BaseModel

from app.answering import attribution, follow_up, precedents, turn_reader
from app.answering.extractive import compose
from app.answering.topic_name import about
from app.answering.views import (
    NAMES_HIM,
    asks_a_task,
    asks_his_view_on_a_topic,
    compares,
    could_ask_a_fact,
    not_a_view,
    quoted_names,
)
from app.answering.turns import (
    ASPECT_MAX_WORDS,
    EXAMPLE_WORDS,
    SWITCH,
    TurnKind,
    asks_a_quote,
    asks_a_step,
    asks_gist,
    asks_why,
    says_thanks,
    turn_kind,
    unsaid_follow_up,
    words_of,
)
from app.config import MAX_PREVIOUS_QUESTIONS
from app.contract import Answer
from app.corpus.records import Passage
from app.retrieval.question import NOT_A_TOPIC, QuestionError, clean_question
from app.retrieval.search import Hit, SearchResult, Searcher, shown


NOT_A_VIEW = "The corpus holds his views, not facts like this or other people's opinions."
NOT_A_TASK = "It answers with what Karpathy said; it does not write, translate or summarise things for you."
THANKED = "Glad it helped. Ask about another topic, or follow up: “why?”, “an example?”, “and for a startup?”."
NOT_HIS = "That line is not among his words or the curators' in the corpus, so this app cannot vouch that he said it."

# A new question whose best card is under the on-topic floor (MIN_RELEVANCE) but at least this relevant is
# answered, as the closest he comes, when the learned reading is nearly sure it asks for his view
# (turn_reader.asks_his_view): long situations told in words the embedder places far from every card. Tune half's
# first questions, the reading fitted out of fold (five folds by conversation): 14 of the 21 on-topic ones the
# floor declined are answered, 8 of them with a card the graders named, and 1 of 57 off-topic ones ("my
# girlfriend thinks i spend too much time on my side project coding at night"); from 0.15 to 0.22 the same
NEAR_FLOOR = 0.20


class Turn(BaseModel):
    question: str  # as asked, cleaned
    kind: TurnKind
    topic: str  # the question that opened the topic
    aspect: str | None = None  # what narrows the topic ("and for a startup?")
    read_as: str  # how the turn was read, shown to the user
    result: SearchResult  # what the turn shows
    declined: str | None = None  # why the turn is not answered from the corpus, when it is not
    # the turn's first card is one shown before, shown again saying so: an aspect's best card, the card that
    # holds the example asked for, a new question's answer that the card just shown gives again
    stands: bool = False
    # the first card the topic showed (or the aspect that narrowed it, when it changed the answer): what "more"
    # is like, and related to
    anchor: int | str | None = None
    switched: bool = False  # opened by "ok, different question: …", found or not: the topics before it are closed
    # his words asked for after a card that paraphrases him: the first card holds them (follow_up.his_words_on)
    words_elsewhere: bool = False
    line: attribution.LineCheck | None = None  # a line asked about ("did he really say '…'?"), and where it is

    @property
    def showed(self) -> list[int | str]:
        """The cards the turn showed as on its topic, best first (none when it only folded the closest)."""
        return [h.key for h in self.result.hits] if self.result.on_topic else []


def _card_words(searcher: Searcher, key: int | str | None) -> str | None:
    """What a shown card says, to rank "more like it": its title and text, or a passage's words."""
    if key is None:
        return None
    record = searcher.corpus.get(key)
    return record.clean if isinstance(record, Passage) else f"{record.title}. {record.text}"


def _title(searcher: Searcher, key: int | str | None) -> str | None:
    """The title of a shown card: an insight's, or the document a passage is from."""
    if key is None:
        return None
    record = searcher.corpus.get(key)
    return record.doc.title if isinstance(record, Passage) else record.title


def _topic_words(searcher: Searcher, before: Turn | None) -> frozenset[str]:
    """The words a follow-up may take up: of the topic's question, its aspect, the card it opened with and the
    cards the turn before showed."""
    if before is None:
        return frozenset()
    cards = [before.anchor, *before.showed]
    text = " ".join(filter(None, (before.topic, before.aspect, *(_card_words(searcher, key) for key in cards))))
    return frozenset(words_of(text)) - NOT_A_TOPIC


def _read_as(kind: TurnKind, topic: str, aspect: str | None, question: str, named: str | None) -> str:
    """How a turn was read, in a few words the page and the CLI show ("more on: data labeling")."""
    about_ = about(topic, aspect, named)
    if kind == "more":
        return f"his words on: {about_}" if asks_a_quote(question) else f"more on: {about_}"
    if kind == "example":
        return f"an example of: {about_}"
    if kind == "aspect":
        return about_
    return question


def _turn(
    searcher: Searcher,
    question: str,
    before: Turn | None,
    seen: set,
    k: int,
    theme: str | None,
    kind: TurnKind | None = None,
) -> Turn:
    """One turn of a conversation: what it is about, given the turn before it, and what it shows. `kind`:
    how to read it, when not by its words."""
    question = clean_question(question, searcher.settings.max_question_chars)
    kind = kind or turn_kind(question, before is not None, _topic_words(searcher, before))
    thanks = says_thanks(question)
    if kind == "bare" or thanks:  # nothing to search: a follow-up with no topic, or thanks
        empty = SearchResult(question=question, hits=[], on_topic=False)
        thanked = THANKED if thanks else None
        return Turn(question=question, kind="bare", topic=question, read_as=question, result=empty, declined=thanked)
    switched = kind == "switch"
    if switched:
        question = SWITCH.sub("", question, count=1).strip()
    if (line := attribution.line_asked(question)) is not None:
        return _line_turn(searcher, question, line, k, switched, set(before.showed) if before else set())
    topic, aspect = question, None
    if kind in ("more", "example"):
        topic, aspect = before.topic, before.aspect
    elif kind == "aspect":
        topic, aspect = before.topic, question
    named = _title(searcher, before.anchor) if kind in ("more", "example", "aspect") else None
    read_as = _read_as(kind, topic, aspect, question, named)
    if kind in ("more", "example", "aspect") and before.declined:  # following up a question it declined
        # ... in so many words it brings a topic of its own ("and once i have it, how should i learn to build gpt
        # from scratch" after the best gpu for a home rig): asked as a new question
        # ... and so does any after a line that is not his: it is no topic of his to follow ("so what has he actually
        # said about ai replacing devs"); and his view asked of a topic it names ("ok so what does he actually say about
        # labeling data" after a GPU count, found in chromium: it was declined with the count)
        if len(words_of(question)) > ASPECT_MAX_WORDS or before.line is not None or asks_his_view_on_a_topic(question):
            return _turn(searcher, question, before, seen, k, theme, kind="new")
        if not NAMES_HIM.search(question):
            return before.model_copy(update={"question": question, "kind": "offtopic", "read_as": read_as})
        kind, aspect = "aspect", question
        read_as = f"{about(topic, None, named)}: {question}"  # as asked: naming him is the point
    declined = NOT_A_TASK if asks_a_task(question) else None
    if (
        declined
        or not_a_view(question, quoted_names(searcher.corpus))
        or (before is not None and _asks_no_view(searcher, question, kind))
    ):
        # declined on its own words, so read as asked: "Read as: Data Engine: how much does labeling cost" would say
        # it was taken as an aspect of the topic
        ranked = searcher.rank_many([question], theme, depth=1)[0]
        return Turn(
            question=question,
            kind="offtopic",
            topic=question,
            read_as=question,
            declined=declined or NOT_A_VIEW,
            result=ranked.model_copy(update={"question": question, "on_topic": False}),
            switched=switched,
        )
    anchor = before.anchor if kind in ("more", "example", "aspect") else None
    own_words = kind in ("more", "example") and not set(words_of(question)) <= NOT_A_TOPIC | EXAMPLE_WORDS
    if kind in ("more", "example"):
        # the topic is the question that opened it and what it showed: "more" is more like that first card,
        # narrowed by the follow-up's own words when it has some ("why is it so inefficient")
        ranked = searcher.rank_many(
            [question if own_words else aspect or topic],
            theme,
            [" ".join(q for q in (topic, aspect if own_words else None, _card_words(searcher, anchor)) if q)],
        )[0]
    else:
        ranked = _ranked_topic(searcher, topic, aspect, theme)
    ranked = ranked.model_copy(update={"question": read_as})
    if kind == "aspect" and before.result.on_topic:
        # an aspect of a topic answered keeps to it, even when the topic was answered as the closest he comes
        # (NEAR_FLOOR) and the two together stay under the on-topic floor ("what about in legal/compliance
        # specifically" after replacing a support team with an llm): the answer stands, or the aspect's own card
        # follows (ASPECT_FLOOR), never "nothing in the corpus". Tune half: aspects' first card on the topic 0.762 ->
        # 0.770, declines rightly 0.945 -> 0.963, as many declined
        ranked = ranked.model_copy(update={"on_topic": True})
    if not ranked.on_topic:
        # right after an answer, a why, a case or another setting asked of it in words that told no follow-up:
        # not a question the corpus holds nothing on. The rules know some phrasings; the learned reader reads
        # the others, when it finds a follow-up likelier than a new question.
        again = None
        if kind == "new" and before and before.result.on_topic:
            lands_above = bool(ranked.hits) and ranked.hits[0].key in before.showed
            again = unsaid_follow_up(question, lands_above) or turn_reader.follow_up_kind(
                searcher.embedder, question, before.question
            )
        if again:
            return _turn(searcher, question, before, seen, k, theme, kind=again)
        if not _near_and_asks_his_view(searcher, question, kind, ranked):
            return Turn(
                question=question,
                kind="offtopic",
                topic=topic,
                aspect=aspect,
                read_as=read_as,
                result=ranked.model_copy(update={"hits": ranked.hits[:1]}),
                # ... and when it asks a fact ("what chip is in the iphone 15"), said so: no view of his is missing
                declined=NOT_A_VIEW if _asks_no_view(searcher, question, kind) else None,
                switched=switched,
            )
        ranked = ranked.model_copy(update={"on_topic": True})
    words_elsewhere = False
    if kind in ("new", "switch"):
        # a new question the card just shown answers again ("why no middle management" after Musk's teams):
        # the lead says it is the card above, not a new answer
        cards = shown(ranked, k)
        above = set(before.showed) if before else set()
        stands = bool(cards.hits) and cards.hits[0].key in above
        # ... and the cards the turn just showed are not shown again after its first, as if new
        cards = follow_up.keep(cards, k, cards.hits[:1] + [h for h in cards.hits[1:] if h.key not in above])
        if stands:  # ... and so asked about that card: the conversation keeps its topic ("why so long?")
            topic, aspect, anchor = before.topic, before.aspect, before.anchor
    else:
        back_to = follow_up.answered_above(question, before.showed, ranked, own_words) if kind == "more" else None
        a_step = kind == "example" and asks_a_step(question)
        cards, stands = follow_up.cards_of(searcher, ranked, kind, anchor, seen, k, back_to, a_step)
        if kind == "example" and stands and own_words:
            # an example that would point back, in words of its own that ask for another card's case ("got a real
            # example of demo vs product taking forever" after the Iron Man suit): that card, saying so when the
            # topic showed it; a new one narrows the topic to it, as an aspect that changes the answer does
            named = follow_up.named_by_own_words(searcher.rank_many([question], theme)[0], cards.hits[0])
            if named is not None:
                rest = [h for h in cards.hits[1:] if h.key != named.key]
                read_as = f"an example of: {_title(searcher, named.key)}"
                cards = follow_up.keep(cards, k, [named, *rest]).model_copy(update={"question": read_as})
                stands = named.key in seen
                anchor = anchor if stands else named.key
        if stands and kind == "more" and asks_gist(question):
            cards = follow_up.keep(cards, k, cards.hits[:1])  # the gist is that one card, not more of the topic
            if asks_a_quote(question):
                # his words asked for by the words of another card of the topic: a line of it quoted ("the 'come back
                # to your code base a few months later' one — full sentence pls") or whom he quotes in it ("wasnt there
                # a hamming quote he passes along?")
                named = _holding_card(searcher, ranked, attribution.quoted_line(question)) or follow_up.quoting_named(
                    ranked, question
                )
                if named is not None and named.key != cards.hits[0].key:
                    cards, stands = follow_up.keep(cards, k, [named]), named.key in seen
                elif getattr(cards.hits[0].record, "kind", None) == "paraphrase":
                    # a quote to copy, and the card above has only a curator's words: the topic's card with his own
                    words = follow_up.his_words_on(_ranked_topic(searcher, topic, aspect, theme), cards.hits[0])
                    if words is not None:
                        cards = follow_up.keep(cards, k, [words])
                        stands, words_elsewhere = words.key in seen, True
    if kind == "aspect" and not stands and cards.hits:
        # the aspect changed the answer ("how did that play out at tesla?" -> Tesla's C++ eaten by nets): the
        # narrowed topic opens with its card, and "go on" continues from that card, not the broader topic's
        anchor = cards.hits[0].key
    if anchor is None and cards.hits:  # a new topic, or one that showed nothing before (declined), opens here
        anchor = cards.hits[0].key
    return Turn(
        question=question,
        kind=kind,
        topic=topic,
        aspect=aspect,
        read_as=read_as,
        result=cards,
        stands=stands,
        anchor=anchor,
        switched=switched,
        words_elsewhere=words_elsewhere,
    )


def _line_turn(searcher: Searcher, question: str, line: str, k: int, switched: bool, above: set) -> Turn:
    """A line checked against the corpus: the card that holds it (his words, close to them, or a curator's; shown
    as the card above when the turn before showed it), or, when none does, declined with the closest card folded.
    The line is the topic a "why?" or "where is it from?" follows. Searched in the whole corpus: whose line it is
    does not depend on a theme."""
    read_as = f"is it his: {line}"
    ranked = searcher.rank_many([line]).pop().model_copy(update={"question": read_as})
    checked = attribution.check(line, [h.record for h in ranked.hits])
    holds = follow_up.hit(ranked, checked.key)
    said = dict(question=question, topic=checked.line, read_as=read_as, switched=switched, line=checked)
    if holds is None:
        folded = ranked.model_copy(update={"hits": ranked.hits[:1], "on_topic": False})
        return Turn(kind="offtopic", result=folded, declined=NOT_HIS, **said)
    cards = follow_up.keep(ranked.model_copy(update={"on_topic": True}), k, [holds])
    return Turn(kind="new", result=cards, stands=holds.key in above, anchor=holds.key, **said)


def _holding_card(searcher: Searcher, ranked: SearchResult, line: str | None) -> Hit | None:
    """The card of `ranked` whose words are a line quoted (his, or close to them), if any."""
    if line is None:
        return None
    checked = attribution.check(line, [h.record for h in searcher.rank_many([line]).pop().hits])
    return follow_up.hit(ranked, checked.key) if checked.verdict in ("his", "close") else None


def _ranked_topic(searcher: Searcher, topic: str, aspect: str | None, theme: str | None) -> SearchResult:
    """The cards of the topic as it stands: the question that opened it, narrowed by its aspect when it has one
    (and by how the aspects answered before were graded: app/answering/precedents.py)."""
    if not aspect:
        return searcher.rank_many([topic], theme)[0]
    ranked = searcher.rank_many([aspect], theme, [topic])[0]
    return precedents.narrow(searcher.embedder, ranked, topic, aspect)


def _asks_no_view(searcher: Searcher, question: str, kind: TurnKind) -> bool:
    """A question of its own (new, a switch, an aspect: a why or an example asks of the answer) that may ask a
    fact and that the learned reading is nearly sure asks for no view of his, though no pattern of views.py
    knew its words ("what percentage of support tickets can gpt-4 resolve fully on its own"), or only likelier
    than not when it compares two things ("is cursor better than copilot"). Asked in a conversation only: there
    an aspect borrows the topic's relevance, and a new question may land on a card the topic made likely, so
    the on-topic floor that declines a first question does not hold."""
    return (
        kind in ("new", "switch", "aspect")
        and could_ask_a_fact(question)
        and turn_reader.has_words_of_its_own(question)
        and turn_reader.asks_no_view(
            searcher.embedder,
            question,
            turn_reader.COMPARISON_FLOOR if compares(question) else turn_reader.NO_VIEW_FLOOR,
        )
    )


def _near_and_asks_his_view(searcher: Searcher, question: str, kind: TurnKind, ranked: SearchResult) -> bool:
    """A new question under the on-topic floor, but not far under it (NEAR_FLOOR), that the learned reading is
    nearly sure asks for his view."""
    return (
        kind in ("new", "switch")
        and bool(ranked.hits)
        and (ranked.hits[0].relevance or 0.0) >= NEAR_FLOOR
        and turn_reader.asks_his_view(searcher.embedder, question)
    )


def _turn_before(turns: list[Turn]) -> Turn | None:
    """The turn a question follows: the last one answered, past any question since that was declined (a fact,
    someone else's view) or the corpus had nothing on: "how many employees does tesla have" and then "would that
    style work in a big bank?" is about Musk's small teams, not the head count; "what learning rate should i use
    for adamw" and then "and if my dataset is only 2k images?" is about the plateau asked first. A follow-up that
    is a fact itself ("and when was it founded?") is declined on its own words. With no answer before, it follows
    the latest question not declined (x-rays in a hospital, then an FDA date, then "and with little labeled
    data?"), or, when every one was, the latest (and is declined too). An explicit switch ("ok different
    question: …") closes the topics before it: "why?" after a switch the corpus had nothing on is about the new
    question, not the reason of an answer given before it."""
    asked = [t for t in turns if t.kind != "bare"]
    switches = [n for n, t in enumerate(asked) if t.switched]
    asked = asked[switches[-1] :] if switches else asked
    answered = next((t for t in reversed(asked) if not t.declined and t.result.on_topic), None)
    not_declined = next((t for t in reversed(asked) if not t.declined), None)
    return answered or not_declined or (asked[-1] if asked else None)


def conversation(
    searcher: Searcher, questions: list[str], k: int | None = None, theme: str | None = None
) -> list[Turn]:
    """Every turn of a conversation (oldest first), each read in the light of the turns before it."""
    k = k or searcher.settings.top_k
    turns, seen = [], set()
    for n, question in enumerate(questions):
        before = _turn_before(turns)
        try:
            turn = _turn(searcher, question, before, seen, k, theme)
        except QuestionError:
            if n == len(questions) - 1:
                raise
            continue  # an earlier question that could not be searched showed nothing
        # what a topic has shown so far: "more" continues after it (and after a question in between it declined or
        # had nothing on); a new topic starts again
        goes_on = turn.kind in ("more", "example", "aspect", "offtopic", "bare") or turn.stands
        seen = (seen if goes_on else set()) | set(turn.showed)
        turns.append(turn)
    return turns


def current_turn(
    searcher: Searcher,
    question: str,
    previous_questions: list[str] | None = None,
    k: int | None = None,
    theme: str | None = None,
) -> Turn:
    """The turn of `question` asked after `previous_questions` (oldest first, the latest
    MAX_PREVIOUS_QUESTIONS of them)."""
    previous = list(previous_questions or [])[-MAX_PREVIOUS_QUESTIONS:]
    return conversation(searcher, [*previous, question], k, theme)[-1]


def _pointing_back(turn: Turn, searcher: Searcher) -> str:
    """What the lead of a turn whose first card was shown before says that card is: the case asked for, the
    topic's answer standing, his words on it, its gist, its reason, or simply the answer."""
    first = turn.result.hits[0].key
    if turn.kind == "example":
        return "example-above" if first == turn.anchor else "example-shown-above"
    if turn.kind == "aspect":
        return "stands" if first == turn.anchor else "shown-above"
    if turn.kind == "more" and asks_a_quote(turn.question):
        return "quote-shown-above" if turn.words_elsewhere else "quote-above"
    if turn.kind == "more" and asks_gist(turn.question):
        return "gist-above"
    if turn.kind == "more" and asks_why(turn.question) and first == turn.anchor:
        return "why-above" if getattr(searcher.corpus.get(first), "reason", None) else "why-none-above"
    return "new-above"


def answer_turn(turn: Turn, searcher: Searcher) -> Answer:
    """The extractive answer of a turn."""
    if turn.line is not None and not turn.declined:
        kind = f"line-{turn.line.verdict}"
    elif turn.stands:
        kind = _pointing_back(turn, searcher)
    elif turn.words_elsewhere:
        kind = "quote-new"
    else:
        kind = turn.kind
    named = _title(searcher, turn.anchor)
    topic = about(turn.topic, turn.aspect, named)
    first = turn.result.hits[0] if turn.result.hits else None
    if kind == "example" and first and first.key == turn.anchor:
        # the card the example's own words asked for: an example of that card, not of the topic before
        topic = None
    elif kind == "example" and first and first.relevance is not None and first.relevance < follow_up.FOLLOW_FLOOR:
        # shown only as a case curated for the card above: an example of that card, not of what was asked
        topic = named
    words = turn.line.words if turn.line is not None else None
    return compose(
        turn.result, searcher.corpus, kind, topic=topic, declined=turn.declined, points_back=turn.stands, words=words
    )


def answer_in_conversation(
    searcher: Searcher,
    question: str,
    previous_questions: list[str] | None = None,
    k: int | None = None,
    theme: str | None = None,
) -> Answer:
    """The one way in for the CLI, the web API and MCP: the extractive answer of current_turn."""
    return answer_turn(current_turn(searcher, question, previous_questions, k, theme), searcher)


def ask(searcher: Searcher, question: str, k: int | None = None, theme: str | None = None) -> Answer:
    return answer_in_conversation(searcher, question, [], k, theme)
