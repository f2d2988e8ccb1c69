"""Evaluation: the metrics checked by hand on a tiny example, and the quality targets on the real search path."""

import math

import pytest

from app.config import REPO_DIR
from app.offline.evaluate import LabelledQuestion, abstention, evaluate, load_questions, score_question, summarise


def score(grades, retrieved, shown=None, on_topic=True, disputed=()):
    question = LabelledQuestion(q="q", grades=grades, disputed=list(disputed))
    return score_question(question, None, retrieved, retrieved[:3] if shown is None else shown, [], on_topic)


def test_metrics_on_a_hand_checked_example():
    scores = [
        score({1: 2}, [1, 2, 3]),  # rank 1, first card grade 2
        score({5: 2}, [2, 3, 5, 4]),  # rank 3
        score({9: 2, 7: 1}, [1, 2, 3, 4, 5, 6, 7]),
    ]  # rank 7
    m = summarise(scores)
    assert m["hit@1"] == round(1 / 3, 4) and m["hit@3"] == round(2 / 3, 4) and m["hit@5"] == round(2 / 3, 4)
    assert m["mrr@10"] == round((1 + 1 / 3 + 1 / 7) / 3, 4)
    assert m["first=2"] == round(1 / 3, 4)
    # graded nDCG@5 (gain = grade): 1; 2/log2(4) over 2 = 0.5; nothing graded in the top 5 -> 0
    assert m["ndcg@5"] == round((1 + 0.5 + 0) / 3, 4)
    # shown (the first 3): 1 of 3, 1 of 3 (#5 is third), 0 of 3 graded; grade-2 recall: 1 + 1 + 0 of 1 each
    assert m["shown_precision"] == round(2 / 9, 4) and m["recall2_shown"] == round(2 / 3, 4)


def test_graded_gains_and_disputed_insights():
    # a grade-1 card first and the grade-2 one second scores below the ideal order
    assert score({4: 2, 8: 1}, [8, 4]).ndcg == pytest.approx((1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3)))
    # a disputed insight is neither required nor penalised: it is taken out of the ranking
    disputed = score({4: 2}, [6, 4], shown=[6, 4], disputed=[6])
    assert disputed.ndcg == 1.0 and disputed.first_grade == 2
    assert summarise([disputed])["shown_precision"] == 1.0  # the disputed card is not counted


def test_both_question_formats_load(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text(
        '{"q": "old", "ids": [3, 4]}\n{"q": "graded", "grades": {"33": 2, "5": 1}, "disputed": [7], '
        '"style": "short", "half": "test", "id": "r1"}\n{"q": "off", "ids": []}\n'
    )
    old, graded, off = load_questions(path)
    assert old.grades == {3: 2, 4: 2} and graded.grades == {33: 2, 5: 1} and graded.disputed == [7]
    assert (graded.style, graded.half) == ("short", "test") and off.grades == {}


def test_abstention_counts_off_topic_as_positive():
    scores = [
        score({}, [1], on_topic=False),
        score({}, [1], on_topic=True),
        score({2: 2}, [2], on_topic=False),
        score({3: 2}, [3], on_topic=True),
    ]
    a = abstention(scores)
    assert (a["precision"], a["recall"], a["f1"]) == (0.5, 0.5, 0.5)


def test_bad_question_file_points_at_the_line(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text('{"q": "ok", "ids": [1]}\n{"q": "missing ids"}\n')
    with pytest.raises(ValueError, match=r"q.jsonl:2: Field required"):
        load_questions(path)
    # a candidate from `ask-karpathy feedback` that nobody labelled is refused, never read as off-topic
    path.write_text('{"q": "ok", "ids": [1]}\n{"q": "hiring?", "ids": null, "note": "label me"}\n')
    with pytest.raises(ValueError, match=r'q.jsonl:2: not labelled yet: set "ids"'):
        load_questions(path)


# Open (issue 21): with the trained adapter and the constants re-fitted on the realistic tune half, dev
# abstention F1 fell from 0.919 to 0.815 (12 on-topic dev questions abstained on, 4 before); reading long
# questions clause by clause (issue 22) brought it to 0.857 (8). Not re-fitted on dev, which is an
# evaluation set: docs/training.md.
DEV_ABSTENTION_FELL = pytest.mark.xfail(strict=True, reason="issue 21: dev abstention F1 0.857 with the adapter")


@pytest.mark.parametrize(
    "name, former_hit1",
    [pytest.param("dev_questions.jsonl", 0.927, marks=DEV_ABSTENTION_FELL), ("heldout_questions.jsonl", 0.909)],
)
def test_the_old_question_sets_do_not_fall(searcher, name, former_hit1):
    """The older paraphrase-style sets through the real search path: re-fitting the ranking on the
    realistic set may cost them at most 0.02 hit@1 against the former rule (bench/retrieval_variants.py)."""
    report = evaluate(searcher, load_questions(REPO_DIR / "corpus" / name))
    assert report.n_on_topic >= 110 and report.n_off_topic >= 25
    m, a = report.metrics, report.abstention
    assert m["hit@1"] >= former_hit1 - 0.02 and m["hit@5"] >= 0.98 and m["mrr@10"] >= 0.93, m
    assert a["f1"] >= 0.9, a
