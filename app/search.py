"""Search: a question in, the most relevant insights out, ranked and scored.

The question is cleaned and checked, embedded once, and looked up in the FAISS index. When even the
best match scores below a calibrated floor, the result says so (on_topic=False) instead of pretending.
"""
import re
import unicodedata

from pydantic import BaseModel

from app.config import Settings, get_settings
from app.corpus import Corpus, Insight, load_corpus
from app.embedder import Embedder, get_embedder
from app.index import VectorIndex, ensure_index

# Cosine similarity below which the best match is "not on this topic". Calibrated on the dev set's
# off-topic questions against its on-topic ones (README: "Abstention"); one number for all questions.
MIN_SCORE = 0.30


class QuestionError(ValueError):
    """The question cannot be searched (empty, too long); the message is fit to show a user."""


class Hit(BaseModel):
    insight: Insight
    score: float
    rank: int


class SearchResult(BaseModel):
    question: str
    hits: list[Hit]
    on_topic: bool


# Every question is about Karpathy, so his name says nothing about the topic, yet it pulls a short
# question's embedding towards whichever insights name him. Framing like "what would he say about" is
# likewise the same for every question. Both are dropped from the text that is embedded.
_FRAMING = re.compile(
    r"\b(?:what|how)\s+(?:would|does|did|do|might|will)\s+(?:andrej\s+)?(?:karpathy|he|andrej)\s+"
    r"(?:say|think|tell\s+(?:me|us)|feel|suggest|recommend|advise)(?:\s+(?:about|of|on|regarding))?\b"
    r"|\baccording\s+to\s+(?:andrej\s+)?karpathy\b"
    r"|\b(?:andrej\s+)?karpathy(?:'s|’s|s)?\s+(?:views?|take|thoughts?|opinions?|advice)\s+(?:on|about)\b"
    r"|\b(?:andrej\s+)?karpathy(?:'s|’s)?\b|\bandrej\b",
    re.IGNORECASE,
)


def topic_of(question: str) -> str:
    """The question without his name and the framing every question shares; unchanged if that empties it."""
    topic = re.sub(r"\s+", " ", _FRAMING.sub(" ", question)).strip(" ,.:;-")
    topic = re.sub(r"^(?:on|about|regarding|re)\b[\s:]*", "", topic, flags=re.IGNORECASE)
    return topic if re.search(r"\w", topic) else question


def clean_question(question: str, max_chars: int) -> str:
    """Drop control and zero-width characters, fold whitespace; refuse empty or oversized questions."""
    if not isinstance(question, str):
        raise QuestionError("The question must be text.")
    if len(question) > max_chars:
        raise QuestionError(f"The question is too long ({len(question):,} characters; the limit is {max_chars:,}).")
    question = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
                       for c in question if unicodedata.category(c) != "Cf")
    question = re.sub(r"\s+", " ", question).strip()
    if not question:
        raise QuestionError("The question is empty: ask about something, e.g. 'what would Karpathy say about hiring?'")
    return question


class Searcher:
    """The corpus, its index and the embedder, loaded once and shared by every query."""

    def __init__(self, corpus: Corpus, embedder: Embedder, index: VectorIndex, settings: Settings):
        self.corpus = corpus
        self.embedder = embedder
        self.index = index
        self.settings = settings

    @classmethod
    def load(cls, settings: Settings | None = None, progress: bool = False) -> "Searcher":
        settings = settings or get_settings()
        corpus = load_corpus(settings.corpus_dir)
        embedder = get_embedder(settings.model)
        index = ensure_index(corpus, embedder, settings.index_dir, progress=progress)
        return cls(corpus, embedder, index, settings)

    def search(self, question: str, k: int | None = None, theme: str | None = None) -> SearchResult:
        return self.search_many([question], k, theme)[0]

    def search_many(self, questions: list[str], k: int | None = None, theme: str | None = None) -> list[SearchResult]:
        """Search several questions with one batched embedding call."""
        k = k or self.settings.top_k
        if k < 1:
            raise QuestionError("k must be at least 1.")
        cleaned = [clean_question(q, self.settings.max_question_chars) for q in questions]
        vectors = self.embedder.encode([topic_of(q) for q in cleaned])
        # a theme filter looks at every row, so the k best of that theme are always found
        fetch = self.index.index.ntotal if theme else k
        scores, rows = self.index.search(vectors, fetch)
        results = []
        for question, row_scores, row_ids in zip(cleaned, scores, rows):
            hits = []
            for score, row in zip(row_scores, row_ids):
                if row < 0:
                    continue
                insight = self.corpus.get(self.index.ids[row])
                if theme and insight.theme != theme:
                    continue
                hits.append(Hit(insight=insight, score=float(score), rank=len(hits) + 1))
                if len(hits) == k:
                    break
            on_topic = bool(hits) and hits[0].score >= MIN_SCORE
            results.append(SearchResult(question=question, hits=hits, on_topic=on_topic))
        return results
