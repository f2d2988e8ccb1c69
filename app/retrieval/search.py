"""Search: a question in, the most relevant records out, ranked and scored.

What is embedded for each record is decided here (passage_text, record_fields), beside the ranking that
uses it. The question is cleaned (app/retrieval/question.py), embedded once, and looked up in the FAISS index.
Each dense candidate's relevance weighs its whole text with the best of its curated fields (an
insight's curated questions, title, text, keywords), or is its closeness to one of the everyday
situations it answers, whichever is more; BM25 over the same texts then adds lexical
evidence (hybrid ranking, measured in docs/). When even the most relevant record falls below a
calibrated floor, the result says so (on_topic=False) instead of pretending. k is a maximum: `shown`
keeps only the cards close enough to the best one.
"""

import sys
from functools import reduce

import numpy as np
from pydantic import BaseModel

from app.config import Settings
from app.corpus.records import Corpus, Passage, Record
from app.retrieval.embedder import Embedder, OnnxEmbedder
from app.retrieval.index import VectorIndex
from app.retrieval.question import QuestionError, clauses, clean_question, topic_of

# How evidence combines (bench/retrieval_variants.py prints the rules tried; bench/refit.py fits these).
# Relevance = BLEND_WEIGHT x cosine with the whole text + the rest x the best curated field's cosine; the
# order adds LEXICAL_WEIGHT x the BM25 score scaled by the question's best. Every constant here was fitted
# on tune halves only, for all-mpnet-base-v2 with the trained adapter merged in (docs/training.md):
# 0.8 / 0.15 was the single best first-card + nDCG@5 on the realistic set's (0.909 / 0.923).
BLEND_WEIGHT = 0.8
LEXICAL_WEIGHT = 0.15
# Relevance below which the best match is "not on this topic". One number for all questions, chosen for
# what issue 22 asks of declines (precision, at a recall of at least 0.85): the floor with the most precise
# declines, over the realistic questions' and the conversations' tune halves together, whose recall is still
# >= 0.85 on each set (bench/decline_floor.py; pooled, 670 unanswerable turns would swamp 35 single questions).
# 0.30: single questions declined 0.857 (0.29: 0.771), conversations 0.970, rightly 0.972 (stop 49).
MIN_RELEVANCE = 0.30
# k is a maximum: a card after the first is shown only when its fused score is within SHOW_MARGIN of the
# best and its relevance is at least SHOW_FLOOR. Fitted on the tune half as the most precise pair that
# still shows a grade-2 card where one exists >= 0.88 of the time (recall2_shown): precision may not be
# bought with recall. Precision 0.910, recall2_shown 0.881, 1.41 cards a question.
SHOW_MARGIN = 0.24
SHOW_FLOOR = 0.36
# An aspect follow-up ("and for startups?") is ranked by its own evidence plus this share of the
# previous topic's: the aspect leads, the topic keeps it on the subject. Set a priori; checked on the tune
# half's 463 aspect turns (stop 30): 0.3 / 0.5 / 0.7 put a card on the topic first 0.762 / 0.799 / 0.790
CONTEXT_WEIGHT = 0.5
# A question close to one of the everyday situations an insight lists (Insight.situations) is that
# insight's, whatever words it shares with his ("our hotel chain wants to replace the whole front desk with
# a chatbot": Build for Augmentation): its relevance is at least its cosine with that situation less
# SITUATION_GAP, since a question's cosine with another question runs far higher than with an insight's
# text. On the conversations' tune half (stop 39) a situation 0.5 close was the graded insight's 93% of the
# time and 4 of 669 off-topic turns came that close. Gaps 0.15 / 0.20 / 0.25 / none there: declines right
# 0.977 / 0.975 / 0.972 / 0.970, off-topic turns declined 0.966 / 0.971 / 0.972 / 0.972, first questions on
# topic 0.957 / 0.954 / 0.952 / 0.949: 0.20 buys most of the precision for two off-topic turns of 651
# (docs/training.md, stop 39). Read again with twenty situations per insight (stop 44): 0.20 still best,
# aspects on topic 0.762 / 0.768 / 0.761 for 0.15 / 0.20 / 0.25.
SITUATION_GAP = 0.20
# Dense candidates re-ranked per question: all of a small corpus, the head of a large one.
CANDIDATES = 100


def passage_text(record: Record) -> str:
    """What is embedded for a record. For an insight, title, theme and the curated keywords and
    questions add the words people ask with to the words he wrote (docs/evaluation.md); for an
    ingested passage, its document's title and headings give the context."""
    if isinstance(record, Passage):
        return "\n".join([record.doc.title, *record.headings, record.clean])
    parts = [record.title, record.theme_name, record.text]
    if record.keywords:
        parts.append("; ".join(record.keywords))
    parts.extend(record.questions)
    return "\n".join(parts)


def record_fields(record: Record) -> list[str]:
    """The separate ways of asking for a record, each embedded on its own besides the blend above: an
    insight's curated questions, title, text, keywords and the everyday situations it answers. A question
    that paraphrases one of them is close to it even when the blended text is diluted by the rest, so
    ranking weighs the best of them beside the blend. The situations stay out of the blend: twenty
    people's stories would drown his words in it. An ingested passage has no curated fields."""
    if isinstance(record, Passage):
        return []
    return [*record.questions, record.title, record.text, *record.keywords, *record.situations]


def _situation_mask(record: Record) -> list[bool]:
    """One bool per field of record_fields(record): True for the situations, which come last."""
    fields = record_fields(record)
    situations = 0 if isinstance(record, Passage) else len(record.situations)
    return [i >= len(fields) - situations for i in range(len(fields))]


def embedded(corpus: Corpus) -> tuple[list[str], list[int | str], list[list[str]]]:
    """What the index holds for a corpus: each record's text and curated fields, and its key, row by row."""
    ids = corpus.keys()
    records = [corpus.get(key) for key in ids]
    return [passage_text(r) for r in records], ids, [record_fields(r) for r in records]


class Hit(BaseModel):
    """One ranked result: a curated insight or a passage of an ingested document."""

    record: Record
    score: float  # the fused relevance it is ranked by: the score shown everywhere
    rank: int
    relevance: float | None = None  # the embedding evidence alone (no BM25): what the floors compare

    @property
    def key(self) -> int | str:
        return self.record.id


class SearchResult(BaseModel):
    question: str  # as searched: cleaned, and read in its conversation
    hits: list[Hit]
    on_topic: bool


def import_bm25s():
    """bm25s without scipy: it imports scipy.sparse only to offer it as an optional backend (its default is
    numpy's) and does without when it is missing. That import was 0.1-0.15 s of a cold `ask`
    (docs/performance.md), so scipy is hidden while bm25s loads, unless something imported it already."""
    if "bm25s" in sys.modules or "scipy" in sys.modules:
        import bm25s

        return bm25s
    sys.modules["scipy"] = None  # `import scipy.sparse` now raises ImportError
    try:
        import bm25s
    finally:
        del sys.modules["scipy"]
    return bm25s


class LexicalIndex:
    """BM25 (bm25s) over the passage texts, with English stopwords and Snowball stemming, so "hiring"
    matches "hire" and a rare word the embedder blurs still counts."""

    def __init__(self, texts: list[str]):
        import Stemmer

        bm25s = import_bm25s()
        self._bm25s = bm25s
        self.stemmer = Stemmer.Stemmer("english")
        self.bm25 = bm25s.BM25()  # its default matrix backend is numpy's, with or without scipy
        self.bm25.index(self._tokenize(texts, return_ids=True), show_progress=False)

    def _tokenize(self, texts: list[str], return_ids: bool):
        return self._bm25s.tokenize(
            texts, stopwords="en", stemmer=self.stemmer, return_ids=return_ids, show_progress=False
        )

    def scores(self, question: str) -> np.ndarray:
        """BM25 score of every passage for the question, in index row order."""
        tokens = self._tokenize([question], return_ids=False)[0]
        if not tokens:  # only stopwords or one-letter words: no lexical evidence either way
            return np.zeros(self.bm25.scores["num_docs"], dtype=np.float32)
        return self.bm25.get_scores(tokens)


class Searcher:
    """The corpus, its indexes and the embedder, loaded once and shared by every query."""

    def __init__(
        self,
        corpus: Corpus,
        embedder: Embedder | OnnxEmbedder,
        index: VectorIndex,
        settings: Settings,
        lexical_weight: float = LEXICAL_WEIGHT,
    ):
        self.corpus = corpus
        self.embedder = embedder
        self.index = index
        self.settings = settings
        self.lexical_weight = lexical_weight
        records = [corpus.get(i) for i in index.ids]
        self.lexical = LexicalIndex([passage_text(r) for r in records]) if lexical_weight else None
        # which of the index's field vectors are situations: the last ones of each record's run (record_fields)
        self.situation_fields = np.array(
            [is_situation for r in records for is_situation in _situation_mask(r)], dtype=bool
        )

    def search(self, question: str, k: int | None = None, theme: str | None = None) -> SearchResult:
        return self.search_many([question], k, theme)[0]

    def search_many(self, questions: list[str], k: int | None = None, theme: str | None = None) -> list[SearchResult]:
        """The cards to show for each question: at most k, and only those close enough to the best."""
        k = k or self.settings.top_k
        if k < 1:  # the public interfaces hold k to 1..MAX_K; evaluation may rank deeper
            raise QuestionError("k must be at least 1.")
        # shown() looks at the first k candidates only: the rest need not become hits
        return [shown(result, k) for result in self.rank_many(questions, theme, depth=k)]

    def rank_many(
        self,
        questions: list[str],
        theme: str | None = None,
        contexts: list[str | None] | None = None,
        depth: int | None = None,
    ) -> list[SearchResult]:
        """The candidates for each question (every one, or the best `depth`), best first, uncut, with one
        batched embedding call. A question's context (the topic an aspect follow-up narrows) adds
        CONTEXT_WEIGHT of its evidence."""
        contexts = contexts or [None] * len(questions)
        cleaned = [clean_question(q, self.settings.max_question_chars) for q in questions]
        texts = [topic_of(q) for q in cleaned] + [topic_of(c) for c in contexts if c]
        evidence = self._evidence(texts, theme)
        results, extra = [], iter(evidence[len(cleaned) :])
        for question, own, context in zip(cleaned, evidence, contexts):
            topic = next(extra) if context else {}
            scores = _combine(own, topic) if context else own
            # On-topic is judged on the embeddings alone: BM25 scores have no fixed scale. An aspect
            # ("and for startups?") stays on a topic the corpus has, even when the aspect alone is not in it.
            best = _best_relevance(scores, topic)
            parts, context_parts = (clauses(question), clauses(context or "")) if best < MIN_RELEVANCE else ([], [])
            if parts or context_parts:
                # a long question (or the long topic an aspect narrows) the whole of which is off every
                # topic: each card keeps the best evidence of the whole or of one of its clauses (questions
                # that are on topic as a whole are ranked as such); all clauses embedded in one call
                clause_evidence = self._evidence([topic_of(c) for c in parts + context_parts], theme)
                own = reduce(_best_of, clause_evidence[: len(parts)], own)
                topic = reduce(_best_of, clause_evidence[len(parts) :], topic)
                scores = _combine(own, topic) if context else own
                best = _best_relevance(scores, topic)
            ranked = sorted(scores.items(), key=lambda item: -item[1][0])[:depth]
            hits = [
                Hit(
                    record=self.corpus.get(self.index.ids[row]),
                    score=round(fused, 4),
                    rank=rank,
                    relevance=round(relevance, 4),
                )
                for rank, (row, (fused, relevance)) in enumerate(ranked, 1)
            ]
            results.append(SearchResult(question=question, hits=hits, on_topic=best >= MIN_RELEVANCE))
        return results

    def _evidence(self, topics: list[str], theme: str | None) -> list[dict[int, tuple[float, float]]]:
        """For each topic, index row -> (fused score, relevance) of its candidates."""
        vectors = self.embedder.encode(topics)
        if theme:
            # Only insights have a theme, and they are the first rows (Corpus.keys): rank all of them
            # exactly, so the best of the theme are always found, without touching the passages after
            # them (a million rows at scale).
            insights = len(self.corpus.insights)
            scores, rows = self.index.search_first(vectors, insights, insights)
        else:
            scores, rows = self.index.search(vectors, CANDIDATES)
        field_scores = self.index.best_field_scores(vectors)
        situation_scores = self.index.best_field_scores(vectors, only=self.situation_fields)
        owners = self.index.field_owners.tolist()
        return [
            self._fuse(
                topic, row_scores, row_ids, dict(zip(owners, best.tolist())), dict(zip(owners, told.tolist())), theme
            )
            for topic, row_scores, row_ids, best, told in zip(topics, scores, rows, field_scores, situation_scores)
        ]

    def _fuse(
        self,
        topic: str,
        row_scores,
        row_ids,
        best_field: dict[int, float],
        best_situation: dict[int, float],
        theme: str | None,
    ) -> dict[int, tuple[float, float]]:
        keep = [
            (float(score), int(row))
            for score, row in zip(row_scores, row_ids)
            if row >= 0 and (not theme or getattr(self.corpus.get(self.index.ids[row]), "theme", None) == theme)
        ]
        # a record without curated fields (an ingested passage) is judged on its whole text alone
        relevance = {
            row: max(
                BLEND_WEIGHT * score + (1 - BLEND_WEIGHT) * best_field.get(row, score),
                best_situation.get(row, -1.0) - SITUATION_GAP,
            )
            for score, row in keep
        }
        if not self.lexical or not relevance:
            return {row: (r, r) for row, r in relevance.items()}
        bm25 = self.lexical.scores(topic)
        best = max(bm25[row] for row in relevance)
        scale = self.lexical_weight / float(best) if best > 0 else 0.0
        return {row: (r + scale * float(bm25[row]), r) for row, r in relevance.items()}


def _best_relevance(scores: dict[int, tuple[float, float]], context: dict[int, tuple[float, float]]) -> float:
    return max([round(r, 4) for _, r in scores.values()] + [r for _, r in context.values()], default=0.0)


def _best_of(a: dict[int, tuple[float, float]], b: dict[int, tuple[float, float]]) -> dict[int, tuple[float, float]]:
    """Each row's better evidence of the two (fused score and relevance each)."""
    return {row: tuple(max(x, y) for x, y in zip(a.get(row, b.get(row)), b.get(row, a.get(row)))) for row in a | b}


def _combine(
    own: dict[int, tuple[float, float]], context: dict[int, tuple[float, float]]
) -> dict[int, tuple[float, float]]:
    """An aspect's evidence with CONTEXT_WEIGHT of its topic's, on the same scale as either alone. A row
    one of them did not reach (a large corpus) counts that side's weakest candidate."""
    weakest = [
        tuple(min(values[i] for values in side.values()) for i in (0, 1)) if side else (0.0, 0.0)
        for side in (own, context)
    ]
    combined = {}
    for row in own.keys() | context.keys():
        a, c = own.get(row, weakest[0]), context.get(row, weakest[1])
        combined[row] = tuple((x + CONTEXT_WEIGHT * y) / (1 + CONTEXT_WEIGHT) for x, y in zip(a, c))
    return combined


def shown(result: SearchResult, k: int, exclude: set = frozenset()) -> SearchResult:
    """What an answer shows of a ranked result, renumbered from 1: the best card not in `exclude` (the
    cards shown already, for "tell me more"), then those within SHOW_MARGIN of its score and above
    SHOW_FLOOR, at most k."""
    hits = [h for h in result.hits if h.key not in exclude]
    keep = hits[:1] + [
        h
        for h in hits[1:k]
        if h.score >= hits[0].score - SHOW_MARGIN and (h.relevance is None or h.relevance >= SHOW_FLOOR)
    ]
    return result.model_copy(update={"hits": [h.model_copy(update={"rank": n}) for n, h in enumerate(keep, 1)]})
