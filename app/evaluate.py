"""Retrieval evaluation: run labelled questions through the real search path and score the ranking.

The dev set (corpus/dev_questions.jsonl) is one {"q": ..., "ids": [...]} per line; ids are every
insight that answers the question, and [] marks an off-topic question the app should abstain on.
Metrics: hit@1/3/5, MRR@10 and nDCG@10 (binary relevance) over on-topic questions, and precision,
recall and F1 of abstention with off-topic as the positive class.
"""
import json
import math
import time
from pathlib import Path

from pydantic import BaseModel, ValidationError

from app.corpus import Insight
from app.question import clean_question, topic_of
from app.search import Searcher


class DevQuestion(BaseModel):
    q: str
    ids: list[int]


class QuestionScore(BaseModel):
    q: str
    ids: list[int]
    theme: str | None  # the theme of the first labelled insight; None for off-topic
    retrieved: list[int]
    scores: list[float]
    on_topic: bool
    rank: int | None  # 1-based rank of the first relevant insight within the top 10
    ndcg: float
    ms: float  # the whole search
    embed_ms: float  # embedding the question alone: the floor the search is measured against


class Report(BaseModel):
    n_on_topic: int
    n_off_topic: int
    metrics: dict[str, float]
    per_theme: dict[str, dict[str, float]]
    abstention: dict[str, float]
    latency_ms: dict[str, float]
    questions: list[QuestionScore]

    def worst(self, n: int) -> list[QuestionScore]:
        """On-topic questions sorted by loss: lowest reciprocal rank first."""
        on_topic = [q for q in self.questions if q.ids]
        return sorted(on_topic, key=lambda q: (1 / q.rank if q.rank else 0.0, q.ndcg))[:n]


def load_questions(path: Path) -> list[DevQuestion]:
    questions = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            questions.append(DevQuestion.model_validate_json(line))
        except ValidationError as e:
            error = e.errors()[0]
            if error["loc"] == ("ids",) and error["input"] is None:  # a line from `ask-karpathy feedback`
                raise ValueError(f'{path}:{n}: not labelled yet: set "ids" to every insight that answers it, '
                                 "or [] if none does") from None
            raise ValueError(f"{path}:{n}: {error['msg']}") from None
    return questions


def first_relevant_rank(retrieved: list[int], relevant: set[int], depth: int = 10) -> int | None:
    for rank, insight_id in enumerate(retrieved[:depth], 1):
        if insight_id in relevant:
            return rank
    return None


def ndcg_at(retrieved: list[int], relevant: set[int], depth: int = 10) -> float:
    dcg = sum(1 / math.log2(rank + 1) for rank, i in enumerate(retrieved[:depth], 1) if i in relevant)
    ideal = sum(1 / math.log2(rank + 1) for rank in range(1, min(len(relevant), depth) + 1))
    return dcg / ideal if ideal else 0.0


def summarise(scores: list[QuestionScore]) -> dict[str, float]:
    if not scores:
        return {}
    n = len(scores)
    out = {f"hit@{k}": sum(1 for s in scores if s.rank and s.rank <= k) / n for k in (1, 3, 5)}
    out["mrr@10"] = sum(1 / s.rank for s in scores if s.rank) / n
    out["ndcg@10"] = sum(s.ndcg for s in scores) / n
    return {k: round(v, 4) for k, v in out.items()}


def abstention(scores: list[QuestionScore]) -> dict[str, float]:
    """Off-topic is the positive class: precision = abstentions that were right, recall = off-topic caught."""
    tp = sum(1 for s in scores if not s.ids and not s.on_topic)
    fp = sum(1 for s in scores if s.ids and not s.on_topic)
    fn = sum(1 for s in scores if not s.ids and s.on_topic)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "on_topic_wrongly_abstained": float(fp)}


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def evaluate(searcher: Searcher, questions: list[DevQuestion]) -> Report:
    scores = []
    for dq in questions:
        start = time.perf_counter()
        searcher.embedder.encode([topic_of(clean_question(dq.q, searcher.settings.max_question_chars))])
        embed_ms = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        result = searcher.search(dq.q, k=10)
        ms = (time.perf_counter() - start) * 1000
        retrieved = [h.record.id for h in result.hits if isinstance(h.record, Insight)]  # the labels name insights only
        relevant = set(dq.ids)
        scores.append(QuestionScore(
            q=dq.q, ids=dq.ids, theme=searcher.corpus.get(dq.ids[0]).theme if dq.ids else None,
            retrieved=retrieved, scores=[round(h.score, 4) for h in result.hits], on_topic=result.on_topic,
            rank=first_relevant_rank(retrieved, relevant), ndcg=ndcg_at(retrieved, relevant), ms=round(ms, 2),
            embed_ms=round(embed_ms, 2),
        ))
    on_topic = [s for s in scores if s.ids]
    themes = sorted({s.theme for s in on_topic})
    latencies, embedding = [s.ms for s in scores], [s.embed_ms for s in scores]
    return Report(
        n_on_topic=len(on_topic), n_off_topic=len(scores) - len(on_topic),
        metrics=summarise(on_topic),
        per_theme={t: summarise([s for s in on_topic if s.theme == t]) for t in themes},
        abstention=abstention(scores),
        latency_ms={"p50": percentile(latencies, 50), "p95": percentile(latencies, 95), "max": max(latencies),
                    "embed_p50": percentile(embedding, 50), "embed_p95": percentile(embedding, 95)},
        questions=scores,
    )


def format_report(report: Report, worst: int = 10) -> str:
    cols = ["hit@1", "hit@3", "hit@5", "mrr@10", "ndcg@10"]
    lines = [f"{report.n_on_topic} on-topic and {report.n_off_topic} off-topic questions", "",
             f"{'':24}" + "".join(f"{c:>9}" for c in cols)]
    rows = [("all", report.metrics)] + list(report.per_theme.items())
    for name, m in rows:
        lines.append(f"{name:24}" + "".join(f"{m[c]:>9.3f}" for c in cols))
    a, lat = report.abstention, report.latency_ms
    lines += ["", f"abstention on off-topic: precision {a['precision']:.3f}  recall {a['recall']:.3f}  "
                  f"F1 {a['f1']:.3f}  (on-topic questions wrongly abstained: {a['on_topic_wrongly_abstained']:.0f})",
              f"latency per query: search p50 {lat['p50']:.1f} ms  p95 {lat['p95']:.1f} ms; embedding the question "
              f"alone p50 {lat['embed_p50']:.1f} ms  p95 {lat['embed_p95']:.1f} ms (search / embedding: "
              f"{lat['p50'] / lat['embed_p50']:.2f}x at p50)",
              "", f"worst {worst} questions (sorted by loss):"]
    for s in report.worst(worst):
        rank = f"rank {s.rank}" if s.rank else "not in top 10"
        lines.append(f"  [{rank}] {s.q!r} wants {s.ids}, got {s.retrieved[:5]}")
    return "\n".join(lines)


def report_json(report: Report) -> str:
    return json.dumps(report.model_dump(), ensure_ascii=False)
