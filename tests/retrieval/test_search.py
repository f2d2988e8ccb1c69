"""Search on the real model and index: the right insight first, abstention, filters, the relevance cut,
clear errors."""

import pytest

from app.retrieval import search
from app.retrieval.question import QuestionError, clauses, clean_question, topic_of
from app.retrieval.search import MIN_RELEVANCE, SHOW_FLOOR, SHOW_MARGIN, Hit, SearchResult, shown


def test_sort_by_loss_question_finds_insight_27_first(searcher):
    result = searcher.search("why sort my data by loss")
    assert result.on_topic
    assert result.hits[0].record.id == 27
    assert [h.rank for h in result.hits] == list(range(1, len(result.hits) + 1)) and len(result.hits) <= 3
    assert [h.score for h in result.hits] == sorted((h.score for h in result.hits), reverse=True)


def test_the_score_shown_is_the_order(searcher):
    """Rank 1 never carries a lower score than a card after it: the score is the fused relevance."""
    for question in ("how to learn ML as a beginner", "hiring", "should I use a transformer for everything?"):
        hits = searcher.rank_many([question])[0].hits
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True), question


def test_a_clearly_better_dense_match_is_not_buried(searcher):
    """The issue's example: curated fields and BM25 used to put three other insights above the best dense
    match for a beginner's question. With the base model that was #33 ("Seek the Meal, Not the Snack"); with
    the trained adapter (issue 21) the best dense match is #34 ("The Best Way to Understand is to Build",
    cosine 0.388 against 0.347 for the next), and it leads."""
    assert searcher.search("how to learn ML as a beginner").hits[0].record.id == 34


def test_off_topic_question_is_flagged_not_answered(searcher):
    result = searcher.search("best pizza in Naples")
    assert not result.on_topic
    assert 1 <= len(result.hits) <= 3  # the closest ones are still returned, marked as not on topic


def test_a_long_question_that_tells_a_situation_is_read_clause_by_clause(searcher):
    """The topic of a situation told at length sits in one clause ("we haven't even opened the dataset"),
    diluted in the whole: it is answered, while a long question on nothing in the corpus still is not."""
    situation = "the office coffee machine broke again, everyone is grumpy this week, and we haven't even opened the dataset yet"
    assert clauses(situation) == [
        "the office coffee machine broke again",
        "everyone is grumpy this week",
        "we haven't even opened the dataset yet",
    ]
    diluted = searcher._evidence([situation], None)[0]
    assert max(relevance for _, relevance in diluted.values()) < MIN_RELEVANCE  # the whole is on nothing
    whole = searcher.rank_many([situation])[0]
    assert whole.on_topic and whole.hits[0].relevance > 0.3
    # a card on the dataset among the first three: "Programming by curating datasets", "The dataset is the
    # source code", "Step 1: Become One with the Data"
    assert {2, 5, 23} & {h.record.id for h in whole.hits[:3]}
    for off_topic in (
        "I have a recipe for banana bread but it keeps coming out dry, and my oven is old, what should I change",
        "I'm planning a trip to japan next spring with my family and I'm wondering which cities we should visit",
    ):
        assert not searcher.search(off_topic).on_topic
    assert clauses("how do I learn deep learning, and fast?") == []  # a short question is one topic
    # ... and a clause that only asks is no topic to search alone (stop 47's averaged adapter, on a branch, found
    # "what should I change" on topic alone: "The dataset is the source code" at 0.31)
    banana = "I have a recipe for banana bread but it keeps coming out dry, and my oven is old, what should I change"
    assert clauses(banana) == ["I have a recipe for banana bread", "it keeps coming out dry", "my oven is old"]


# Written for this test, in no evaluation or training set: people tell their own situation, in words none
# of his share. Each is one of the situations "Build for Augmentation, Not Full Autonomy" answers.
TOLD = (
    "our hotel chain wants to replace the whole front desk with a chatbot, no staff at night",
    "I teach high school chemistry. My principal wants an AI to grade all lab reports with no teacher checking. good idea?",
)


@pytest.mark.parametrize("question", TOLD)
def test_an_everyday_situation_finds_the_insight_that_answers_it(searcher, monkeypatch, question):
    """Close to one of the situations an insight is searched by (Insight.situations), the question is that
    insight's: on topic, and that card first (tests/answering/test_conversation.py: framed as his answer)."""
    result = searcher.search(question)
    assert result.on_topic and result.hits[0].record.id == 17
    # the situations are what answer it: without them its words alone reach no card as clearly
    monkeypatch.setattr(search, "SITUATION_GAP", 1.0)
    assert searcher.search(question).hits[0].relevance < result.hits[0].relevance - 0.05


def test_theme_filter_and_k(searcher):
    result = searcher.search("how should I learn deep learning", k=5, theme="learning")
    assert 1 <= len(result.hits) <= 5
    assert {h.record.theme for h in result.hits} == {"learning"}
    ranked = searcher.rank_many(["how should I learn deep learning"], theme="learning")[0]
    assert {h.record.id for h in ranked.hits} == {i.id for i in searcher.corpus.insights if i.theme == "learning"}


def _hits(searcher, scores_and_relevance):
    return SearchResult(
        question="q",
        on_topic=True,
        hits=[
            Hit(record=searcher.corpus.insights[n], score=score, relevance=relevance, rank=n + 1)
            for n, (score, relevance) in enumerate(scores_and_relevance)
        ],
    )


def test_k_is_a_maximum_and_only_close_cards_are_shown(searcher):
    best = 0.8
    close, far, weak = best - SHOW_MARGIN / 2, best - SHOW_MARGIN * 2, SHOW_FLOOR - 0.05
    result = _hits(searcher, [(best, 0.6), (close, 0.6), (far, 0.6), (close, weak)])
    assert [h.record.id for h in shown(result, 3).hits] == [1, 2]  # too far below the best: not shown
    assert [h.record.id for h in shown(result, 1).hits] == [1]
    assert [h.rank for h in shown(result, 3, exclude={1}).hits] == [1]  # "more": the next one, renumbered
    assert [h.record.id for h in shown(result, 3, exclude={1}).hits] == [2]


def test_each_question_is_embedded_once(searcher, monkeypatch):
    calls = []
    encode = searcher.embedder.encode
    monkeypatch.setattr(
        searcher.embedder, "encode", lambda texts, **kw: calls.append(list(texts)) or encode(texts, **kw)
    )
    searcher.search_many(["data engine?", "is AGI definable"], k=3)
    assert calls == [["data engine", "is AGI definable"]]  # one batched call, corpus never re-embedded


def test_his_name_and_framing_are_not_what_is_searched():
    assert topic_of("What would Andrej Karpathy say about hiring?") == "hiring"  # "?" moved short ones a lot
    assert topic_of("karpathy on hiring") == "hiring"
    assert topic_of("Karpathy") == "Karpathy"  # nothing else to search: keep the name
    # "in karpathy's view" once left "in view" behind, enough to put a question on AI tools below the floor
    assert (
        topic_of("is the ai coding tools market a bubble in karpathy's view")
        == "is the ai coding tools market a bubble"
    )
    assert topic_of("in his view, is agi near?") == "is agi near"


@pytest.mark.parametrize("question", ["", "   ", "\n\t", "\u200b\u200b"])
def test_empty_questions_are_refused(question):
    with pytest.raises(QuestionError, match="empty"):
        clean_question(question, 2000)


def test_oversized_question_is_refused_before_embedding():
    with pytest.raises(QuestionError, match="too long"):
        clean_question("x" * 2001, 2000)
    assert clean_question("a\x00b\u200bc\u202e d  e", 2000) == "a bc d e"
