"""The conversation: each question read against the ones before it, and what each turn shows.

"tell me more" shows the next cards on the same topic, "and for startups?" searches the topic with the
new aspect. Clients send the earlier questions (the API keeps no state), so `answer_in_conversation`
replays them to know what was shown.
"""
from typing import NamedTuple

from app.answering.extractive import compose
from app.config import MAX_PREVIOUS_QUESTIONS
from app.contract import Answer
from app.retrieval.question import FollowUp, QuestionError, clean_question, follow_up_kind
from app.retrieval.search import MIN_RELEVANCE, SearchResult, Searcher, shown


class Turn(NamedTuple):
    kind: FollowUp
    topic: tuple[str, str | None]  # the question the conversation is about, and the topic it narrows
    result: SearchResult  # what the turn shows


def _turn(searcher: Searcher, question: str, before: Turn | None, seen: set, k: int, theme: str | None) -> Turn:
    """One turn of a conversation: what it is about, given the turn before it, and what it shows."""
    question = clean_question(question, searcher.settings.max_question_chars)
    kind = follow_up_kind(question, before is not None)
    if kind == "bare":
        return Turn(kind, (question, None), SearchResult(question=question, hits=[], on_topic=False))
    if kind == "new":
        topic = (question, None)
    elif kind == "aspect":
        topic = (question, before.topic[0] if before.topic[1] is None else before.topic[1])
    else:
        topic = before.topic
    ranked = searcher.rank_many([topic[0]], theme, [topic[1]])[0]
    read_as = " ".join(q for q in (topic[1], topic[0], question if kind == "more" else None) if q)
    ranked = ranked.model_copy(update={"question": read_as})
    if kind != "more":
        return Turn(kind, topic, shown(ranked, k))
    unseen = shown(ranked, k, exclude=seen)
    if unseen.hits and unseen.hits[0].relevance < MIN_RELEVANCE:  # what is left is off the topic
        unseen = unseen.model_copy(update={"hits": []})
    return Turn(kind, topic, unseen)


def conversation(searcher: Searcher, questions: list[str], k: int | None = None,
                 theme: str | None = None) -> list[Turn]:
    """Every turn of a conversation (oldest first), each read in the light of the turns before it."""
    k = k or searcher.settings.top_k
    turns, seen = [], set()
    for n, question in enumerate(questions):
        before = turns[-1] if turns and turns[-1].kind != "bare" else None
        try:
            turn = _turn(searcher, question, before, seen, k, theme)
        except QuestionError:
            if n == len(questions) - 1:
                raise
            continue  # an earlier question that could not be searched showed nothing
        seen = (seen if turn.kind in ("more", "aspect") else set()) | {h.key for h in turn.result.hits}
        turns.append(turn)
    return turns


def current_turn(searcher: Searcher, question: str, previous_questions: list[str] | None = None,
                 k: int | None = None, theme: str | None = None) -> Turn:
    """The turn of `question` asked after `previous_questions` (oldest first, the latest
    MAX_PREVIOUS_QUESTIONS of them). The API is stateless, so the earlier turns are replayed to know what
    was shown before: "tell me more" then shows what was not."""
    previous = list(previous_questions or [])[-MAX_PREVIOUS_QUESTIONS:]
    return conversation(searcher, [*previous, question], k, theme)[-1]


def answer_in_conversation(searcher: Searcher, question: str, previous_questions: list[str] | None = None,
                           k: int | None = None, theme: str | None = None) -> Answer:
    """The one way in for the CLI, the web API and MCP: the extractive answer of current_turn."""
    k = k or searcher.settings.top_k
    turn = current_turn(searcher, question, previous_questions, k, theme)
    return compose(turn.result, searcher.corpus, k, turn.kind)


def ask(searcher: Searcher, question: str, k: int | None = None, theme: str | None = None) -> Answer:
    return answer_in_conversation(searcher, question, [], k, theme)
