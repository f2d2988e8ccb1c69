"""Search on the real model and index: the right insight first, abstention, filters, clear errors."""
import pytest

from app.question import QuestionError, clean_question, topic_of


def test_sort_by_loss_question_finds_insight_27_first(searcher):
    result = searcher.search("why sort my data by loss")
    assert result.on_topic
    assert result.hits[0].record.id == 27
    assert [h.rank for h in result.hits] == [1, 2, 3]
    assert result.hits[0].score >= result.hits[1].score >= result.hits[2].score


def test_off_topic_question_is_flagged_not_answered(searcher):
    result = searcher.search("best pizza in Naples")
    assert not result.on_topic
    assert len(result.hits) == 3  # the closest ones are still returned, marked as not on topic


def test_theme_filter_and_k(searcher):
    result = searcher.search("how should I learn deep learning", k=5, theme="learning")
    assert len(result.hits) == 5
    assert {h.record.theme for h in result.hits} == {"learning"}


def test_each_question_is_embedded_once(searcher, monkeypatch):
    calls = []
    encode = searcher.embedder.encode
    monkeypatch.setattr(searcher.embedder, "encode", lambda texts, **kw: calls.append(list(texts)) or encode(texts, **kw))
    searcher.search_many(["data engine?", "is AGI definable"], k=3)
    assert calls == [["data engine", "is AGI definable"]]  # one batched call, corpus never re-embedded


def test_his_name_and_framing_are_not_what_is_searched():
    assert topic_of("What would Andrej Karpathy say about hiring?") == "hiring"  # "?" moved short ones a lot
    assert topic_of("karpathy on hiring") == "hiring"
    assert topic_of("Karpathy") == "Karpathy"  # nothing else to search: keep the name


@pytest.mark.parametrize("question", ["", "   ", "\n\t", "\u200b\u200b"])
def test_empty_questions_are_refused(question):
    with pytest.raises(QuestionError, match="empty"):
        clean_question(question, 2000)


def test_oversized_question_is_refused_before_embedding():
    with pytest.raises(QuestionError, match="too long"):
        clean_question("x" * 2001, 2000)
    assert clean_question("a\x00b\u200bc\u202e d  e", 2000) == "a bc d e"
