"""Retrieval evaluation: run labelled questions through the real search path and score what a user sees.

Two question formats, one JSON object a line. The realistic set (corpus/realistic_questions.jsonl) grades
every insight that bears on a question, {"q", "grades": {"33": 2, ...}, "disputed": [...], "style",
"half"}: 2 answers it directly, 1 is a useful supporting quote; an insight only one grader named is
"disputed", neither required nor penalised. The older sets (corpus/dev_questions.jsonl,
heldout_questions.jsonl) are {"q", "ids"}: every id answers the question (read as grade 2). No grades
at all marks an off-topic question the app should abstain on.

Ranking metrics, over on-topic questions: hit@1/3/5 and MRR@10 (the first insight graded at all), nDCG@5
with the grades as gains, and the share whose first card is a grade-2 insight. What is shown, at k=3
after the relevance cut: precision (shown cards graded >= 1, disputed ones left out of the count) and the
recall of grade-2 insights (shown / the grade-2 insights that fit in 3 cards), and the share of the
grade-2 cards an uncut top 3 shows that the cut keeps. Abstention: precision,
recall and F1 with off-topic as the positive class. Every metric is given per style (realistic set) or
per theme of the first labelled insight (older sets).
"""

import json
import math
import time
from pathlib import Path

from typing import Literal

from pydantic import BaseModel, ValidationError

from app.config import DEFAULT_K
from app.corpus.records import Insight
from app.retrieval.question import clean_question, topic_of
from app.retrieval.search import Searcher, shown


class DevQuestion(BaseModel):
    """A line of the older sets: every insight in `ids` answers the question; [] means off-topic."""

    q: str
    ids: list[int]


class LabelledQuestion(BaseModel):
    q: str
    grades: dict[int, int]  # insight -> 2 (answers it) or 1 (supports it); {} for an off-topic question
    disputed: list[int] = []
    style: str | None = None
    half: str | None = None
    id: str | None = None

    @property
    def ids(self) -> list[int]:
        """Every graded insight, the best first: what the {q, ids} format called the relevant ones."""
        return sorted(self.grades, key=lambda i: -self.grades[i])


class QuestionScore(BaseModel):
    q: str
    group: str | None  # the style, or the theme of the first labelled insight; None when off-topic (older sets)
    grades: dict[int, int]
    disputed: list[int] = []
    retrieved: list[int]  # the ranking, 10 deep, before the relevance cut
    shown: list[int]  # what the answer shows at k=3
    scores: list[float]
    on_topic: bool
    rank: int | None  # 1-based rank of the first graded insight within the top 10
    ndcg: float  # nDCG@5, graded
    first_grade: int  # the grade of the first card (disputed ones skipped)
    ms: float = 0.0  # the whole search
    embed_ms: float = 0.0  # embedding the question alone: the floor the search is measured against


class Report(BaseModel):
    n_on_topic: int
    n_off_topic: int
    metrics: dict[str, float]
    per_group: dict[str, dict[str, float]]
    abstention: dict[str, float]
    latency_ms: dict[str, float]
    questions: list[QuestionScore]

    def worst(self, n: int) -> list[QuestionScore]:
        """On-topic questions sorted by loss: first card not grade 2, then lowest nDCG@5."""
        on_topic = [q for q in self.questions if q.grades]
        return sorted(on_topic, key=lambda q: (q.first_grade == 2, q.ndcg, 1 / q.rank if q.rank else 0.0))[:n]


def _line(text: str) -> LabelledQuestion:
    data = json.loads(text)
    if isinstance(data, dict) and "grades" in data:
        return LabelledQuestion.model_validate(data)
    dev = DevQuestion.model_validate(data)
    return LabelledQuestion(q=dev.q, grades={i: 2 for i in dev.ids})


def load_questions(path: Path) -> list[LabelledQuestion]:
    questions = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            questions.append(_line(line))
        except json.JSONDecodeError:
            raise ValueError(f"{path}:{n}: not JSON") from None
        except ValidationError as e:
            error = e.errors()[0]
            if error["loc"] == ("ids",) and error["input"] is None:  # a line from `ask-karpathy feedback`
                raise ValueError(
                    f'{path}:{n}: not labelled yet: set "ids" to every insight that answers it, or [] if none does'
                ) from None
            raise ValueError(f"{path}:{n}: {error['msg']}") from None
    return questions


def first_relevant_rank(retrieved: list[int], relevant: set[int], depth: int = 10) -> int | None:
    for rank, insight_id in enumerate(retrieved[:depth], 1):
        if insight_id in relevant:
            return rank
    return None


def ndcg_at(retrieved: list[int], grades: dict[int, int], depth: int = 5, disputed=()) -> float:
    """Graded nDCG: gain = grade; disputed insights are taken out of the ranking, as if absent."""
    ranking = [i for i in retrieved if i not in disputed]
    dcg = sum(grades.get(i, 0) / math.log2(rank + 1) for rank, i in enumerate(ranking[:depth], 1))
    best = sorted(grades.values(), reverse=True)[:depth]
    ideal = sum(g / math.log2(rank + 1) for rank, g in enumerate(best, 1))
    return dcg / ideal if ideal else 0.0


def score_question(
    lq: LabelledQuestion,
    group: str | None,
    retrieved: list[int],
    shown_ids: list[int],
    scores: list[float],
    on_topic: bool,
    ms: float = 0.0,
    embed_ms: float = 0.0,
) -> QuestionScore:
    disputed = set(lq.disputed)
    first = next((i for i in retrieved if i not in disputed), None)
    return QuestionScore(
        q=lq.q,
        group=group,
        grades=lq.grades,
        disputed=lq.disputed,
        retrieved=retrieved,
        shown=shown_ids,
        scores=scores,
        on_topic=on_topic,
        rank=first_relevant_rank(retrieved, set(lq.grades)),
        ndcg=ndcg_at(retrieved, lq.grades, 5, disputed),
        first_grade=lq.grades.get(first, 0),
        ms=round(ms, 2),
        embed_ms=round(embed_ms, 2),
    )


def summarise(scores: list[QuestionScore], k: int = DEFAULT_K) -> dict[str, float]:
    """Ranking and shown-card metrics over on-topic questions."""
    if not scores:
        return {}
    n = len(scores)
    out = {f"hit@{d}": sum(1 for s in scores if s.rank and s.rank <= d) / n for d in (1, 3, 5)}
    out["mrr@10"] = sum(1 / s.rank for s in scores if s.rank) / n
    out["ndcg@5"] = sum(s.ndcg for s in scores) / n
    out["first=2"] = sum(1 for s in scores if s.first_grade == 2) / n
    judged = [(i, s) for s in scores for i in s.shown if i not in s.disputed]
    out["shown_precision"] = sum(1 for i, s in judged if s.grades.get(i, 0) >= 1) / len(judged) if judged else 0.0
    wanted = sum(min(k, sum(1 for g in s.grades.values() if g == 2)) for s in scores)
    found = sum(1 for s in scores for i in s.shown if s.grades.get(i) == 2)
    out["recall2_shown"] = found / wanted if wanted else 0.0
    uncut = sum(1 for s in scores for i in s.retrieved[:k] if s.grades.get(i) == 2)
    out["kept2"] = found / uncut if uncut else 0.0
    out["cards"] = sum(len(s.shown) for s in scores) / n
    return {name: round(value, 4) for name, value in out.items()}


def abstention(scores: list[QuestionScore]) -> dict[str, float]:
    """Off-topic is the positive class: precision = abstentions that were right, recall = off-topic caught."""
    tp = sum(1 for s in scores if not s.grades and not s.on_topic)
    fp = sum(1 for s in scores if s.grades and not s.on_topic)
    fn = sum(1 for s in scores if not s.grades and s.on_topic)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "on_topic_wrongly_abstained": float(fp),
    }


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def evaluate(searcher: Searcher, questions: list[LabelledQuestion], k: int = DEFAULT_K) -> Report:
    scores = []
    for lq in questions:
        start = time.perf_counter()
        searcher.embedder.encode([topic_of(clean_question(lq.q, searcher.settings.max_question_chars))])
        embed_ms = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        ranked = searcher.rank_many([lq.q])[0]
        cut = shown(ranked, k)
        ms = (time.perf_counter() - start) * 1000
        insights = [h for h in ranked.hits if isinstance(h.record, Insight)][:10]  # the labels name insights only
        group = lq.style or (searcher.corpus.get(lq.ids[0]).theme if lq.ids else None)
        scores.append(
            score_question(
                lq,
                group,
                [h.key for h in insights],
                [h.key for h in cut.hits],
                [h.score for h in insights],
                ranked.on_topic,
                ms,
                embed_ms,
            )
        )
    return report(scores, k)


def report(scores: list[QuestionScore], k: int = DEFAULT_K) -> Report:
    on_topic = [s for s in scores if s.grades]
    groups = sorted({s.group for s in scores if s.group})
    per_group = {}
    for g in groups:
        mine = [s for s in scores if s.group == g]
        per_group[g] = summarise([s for s in mine if s.grades], k)
        per_group[g]["abstained"] = round(sum(1 for s in mine if not s.on_topic) / len(mine), 4)
    latencies, embedding = [s.ms for s in scores] or [0.0], [s.embed_ms for s in scores] or [0.0]
    return Report(
        n_on_topic=len(on_topic),
        n_off_topic=len(scores) - len(on_topic),
        metrics=summarise(on_topic, k),
        per_group=per_group,
        abstention=abstention(scores),
        latency_ms={
            "p50": percentile(latencies, 50),
            "p95": percentile(latencies, 95),
            "max": max(latencies),
            "embed_p50": percentile(embedding, 50),
            "embed_p95": percentile(embedding, 95),
        },
        questions=scores,
    )


COLUMNS = [
    "hit@1",
    "hit@5",
    "mrr@10",
    "ndcg@5",
    "first=2",
    "shown_precision",
    "recall2_shown",
    "kept2",
    "cards",
    "abstained",
]


def format_report(report: Report, worst: int = 10) -> str:
    lines = [
        f"{report.n_on_topic} on-topic and {report.n_off_topic} off-topic questions; shown = the cards an "
        f"answer shows at k={DEFAULT_K}",
        "",
        f"{'':24}" + "".join(f"{c[:10]:>11}" for c in COLUMNS),
    ]
    for name, m in [("all", report.metrics), *report.per_group.items()]:
        lines.append(f"{name:24}" + "".join(f"{m[c]:>11.3f}" if c in m else f"{'':>11}" for c in COLUMNS))
    a, lat = report.abstention, report.latency_ms
    lines += [
        "",
        f"abstention on off-topic: precision {a['precision']:.3f}  recall {a['recall']:.3f}  "
        f"F1 {a['f1']:.3f}  (on-topic questions wrongly abstained: {a['on_topic_wrongly_abstained']:.0f})",
        f"latency per query: search p50 {lat['p50']:.1f} ms  p95 {lat['p95']:.1f} ms; embedding the question "
        f"alone p50 {lat['embed_p50']:.1f} ms  p95 {lat['embed_p95']:.1f} ms",
        "",
        f"worst {worst} questions (sorted by loss):",
    ]
    for s in report.worst(worst):
        got = [f"#{i}={s.grades.get(i, 0)}" for i in s.retrieved[:5]]
        want = sorted(s.grades, key=lambda i: -s.grades[i])
        lines.append(
            f"  [nDCG@5 {s.ndcg:.2f}, first card grade {s.first_grade}] {s.q!r} wants "
            f"{[f'#{i}={s.grades[i]}' for i in want]}, got {got}, shown {s.shown}"
        )
    return "\n".join(lines)


def report_json(report: Report) -> str:
    return json.dumps(report.model_dump(), ensure_ascii=False)


class Conversation(BaseModel):
    """A conversation of corpus/realistic/conversations.jsonl: each turn graded for what it means there
    (no grades: the corpus has nothing on it, and the turn should be declined)."""

    id: str
    half: Literal["tune", "test"] | None = None
    turns: list[dict]


class TurnScore(BaseModel):
    conversation: str
    q: str
    kind: str  # as labelled: new, more, example, aspect, switch, offtopic, bare-first
    read_as: str  # the kind the app read: new, more, example, aspect, switch, offtopic, bare
    shown: list[int | str]
    grades: dict[int, int]
    declined: bool  # the answer says the corpus has nothing on it (no card shown as on topic)
    repeats: bool  # a card of the turn before is shown again without saying so
    points_back: bool  # the answer says its first card is one shown before ("the example is in the card above")
    first_on_topic: bool  # the first card is graded (>= 1); or nothing is shown and nothing graded was left


def load_conversations(path: Path) -> list[Conversation]:
    return [
        Conversation.model_validate_json(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def score_conversations(searcher: Searcher, conversations: list[Conversation], k: int = DEFAULT_K) -> list[TurnScore]:
    from app.answering.conversation import conversation  # answers build on search; evaluation of answers comes last

    scores = []
    for c in conversations:
        turns = conversation(searcher, [t["q"] for t in c.turns], k)
        before, earlier = [], set()
        for labelled, turn in zip(c.turns, turns):
            declined = not turn.result.on_topic or turn.kind == "bare"
            ids = [] if declined else [h.key for h in turn.result.hits]
            grades = {int(i): g for i, g in labelled["grades"].items()}
            exhausted = not ids and not declined and not (set(grades) - earlier)
            scores.append(
                TurnScore(
                    conversation=c.id,
                    q=labelled["q"],
                    kind=labelled["kind"],
                    read_as=turn.kind,
                    shown=ids,
                    grades=grades,
                    declined=declined,
                    repeats=bool(set(ids) & set(before)) and not turn.stands,
                    points_back=turn.stands,
                    first_on_topic=bool(ids) and grades.get(ids[0], 0) >= 1 or exhausted,
                )
            )
            before, earlier = ids, earlier | set(ids)
    return scores


def conversation_summary(scores: list[TurnScore]) -> dict[str, dict[str, float]]:
    """Per labelled kind: how often it was read as that kind; of the turns the corpus can answer, how often
    the first card bears on the topic and how often a card of the turn before is repeated; of those it
    cannot (no grades), how often they were declined. "all" adds abstention precision: of the turns
    declined, the share that the corpus indeed cannot answer."""

    def summary(mine: list[TurnScore]) -> dict[str, float]:
        answerable = [s for s in mine if s.grades]
        unanswerable = [s for s in mine if not s.grades]
        declined = [s for s in mine if s.declined]
        out = {
            "turns": len(mine),
            "read_right": sum(s.read_as == s.kind.replace("-first", "") for s in mine) / len(mine),
            "first_on_topic": sum(s.first_on_topic for s in answerable) / len(answerable) if answerable else None,
            "repeats": sum(s.repeats for s in answerable) / len(answerable) if answerable else None,
            "points_back": sum(s.points_back for s in answerable) / len(answerable) if answerable else None,
            "declined": sum(s.declined for s in unanswerable) / len(unanswerable) if unanswerable else None,
            "decline_precision": sum(not s.grades for s in declined) / len(declined) if declined else None,
        }
        return {name: None if value is None else round(value, 4) for name, value in out.items()}

    kinds = sorted({s.kind for s in scores})
    return {**{kind: summary([s for s in scores if s.kind == kind]) for kind in kinds}, "all": summary(scores)}


def format_conversations(summary: dict[str, dict[str, float]]) -> str:
    columns = ["turns", "read_right", "first_on_topic", "repeats", "points_back", "declined", "decline_precision"]
    lines = [f"{'turn kind':12}" + "".join(f"{c:>18}" for c in columns)]
    for kind, m in summary.items():
        cells = ["-" if m[c] is None else f"{m[c]:.0f}" if c == "turns" else f"{m[c]:.3f}" for c in columns]
        lines.append(f"{kind:12}" + "".join(f"{cell:>18}" for cell in cells))
    return "\n".join(lines)
