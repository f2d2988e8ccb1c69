"""The public result contract: what `search --json`, `ask --json`, the web API (/search, /ask) and the
MCP tools return, as pydantic models. One shape everywhere, built in app/answering/cards.py.

A Citation is one numbered card: a curated insight (his quotes, or a curator's paraphrase) or a passage
of an ingested document, with its sources and the exact strings a user copies. Nothing internal leaves
through it: no curated keywords or questions, no path on this machine. The JSON Schema is kept in
docs/contract.schema.json (`python -m app.contract` writes it; a test keeps it current).
"""

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator


class QuoteCheck(BaseModel):
    """How one quote of an insight compares with the original of its source (app/corpus/originals.py checks it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # verified: found in the original, only typographic differences; differs: found, with a difference
    # in the words (`how`, and the original's words); not available: no original to check it against
    status: Literal["verified", "differs", "not available"]
    how: str  # one line: what was allowed, or the difference, or why there is no original
    source: int | None = None  # the reference number whose original was read
    start: int | None = None  # the passage is the original file's characters [start:end]
    end: int | None = None
    original: str | None = None  # differs: the original's words for the passage, markup stripped
    fragment: str | None = None  # the text directive for the source's url, ":~:text=start,end" (if unique)

    @model_validator(mode="after")
    def fields_match_status(self):
        located = (self.start, self.end)
        if self.status == "not available":
            if any(x is not None for x in (self.source, *located, self.original, self.fragment)):
                raise ValueError("quote_checks: an unchecked quote has no source, offsets, original or fragment")
        elif self.source is None:
            raise ValueError("quote_checks: a checked quote names the source whose original was read")
        elif self.status == "verified" and (None in located or self.original is not None):
            raise ValueError("quote_checks: a verified quote has start and end, and no other original wording")
        elif self.status == "differs" and (None in located) != (self.original is None):
            raise ValueError("quote_checks: a difference located in the original has start, end and its words")
        return self


class SentenceCheck(BaseModel):
    """One sentence of a local model's answer, as app/local/verify.py judged it."""

    text: str  # the sentence as the model wrote it
    cited: list[int]
    kept: bool
    reason: str | None = None  # why it was dropped
    support: float | None = None  # best cosine similarity to a cited passage, when measured


class SourceRef(BaseModel):
    """A work a citation comes from: a reference number of corpus/sources.toml, or an ingested document."""

    n: int | None  # the reference number; None for an ingested document
    # resolved: the work is known; partial: only its kind (and maybe venue, date); unresolved: nothing
    status: Literal["resolved", "partial", "unresolved"]
    label: str  # the source named in one line, as the citation strings name it
    title: str | None = None
    kind: str | None = None  # "post on X", "talk", "blog post"...
    venue: str | None = None  # e.g. "while at Tesla"
    date: str | None = None  # YYYY-MM-DD when resolved; a year or a range of years when partial
    url: str | None = None


class DocumentPlace(BaseModel):
    """Where in an ingested document a passage is: its characters [start:end] of `file`."""

    file: str  # the file's name, not its path on this machine
    headings: list[str]
    start: int
    end: int
    line: int | None = None  # for JSONL: the line whose "text" the offsets index into
    author: str | None = None


class Citation(BaseModel):
    n: int  # what [n] in the answer refers to; also the rank
    id: int | str  # the insight number, or the passage id "<document>#<n>"
    # quote: his words (insight); paraphrase: a curator's (insight); passage: his writing (ingested);
    # excerpt: an ingested document by someone else
    kind: Literal["quote", "paraphrase", "passage", "excerpt"]
    title: str
    theme: str | None  # the theme's key, e.g. "training"; None for an ingested passage
    theme_name: str
    score: float  # the relevance it was ranked by
    quotes: list[str]  # his verbatim words: the only strings ever shown as "Karpathy said"
    quoting: str | None  # whose words he quotes, when they are not his own
    paraphrase: str | None  # the curator's words: never his, never in quotation marks
    sources: list[SourceRef]
    document: DocumentPlace | None = None
    # the work's address; for a quote found in its original, with a text fragment that opens it at the words
    url: str | None = None
    quote_checks: list[QuoteCheck] = []  # per quote: verified / differs (how, the original's words) / not available
    copy_text: dict[
        str, str
    ]  # format (plain, markdown, bibtex, csl: a CSL-JSON array) -> the exact string a user copies


class SearchResponse(BaseModel):
    question: str  # as searched: cleaned, and read in its conversation
    on_topic: bool  # False: nothing in the corpus is on the topic; the citations are only the closest
    citations: list[Citation]


class LocalReport(BaseModel):
    """How a local model's answer was made: which model, what it wrote, what was kept and why."""

    model: str
    verified: str | None = None  # "k of n sentences kept"
    notice: str | None = None  # why the answer is the extractive one after all
    checks: list[SentenceCheck] = []


class Answer(SearchResponse):
    mode: Literal["extractive", "local"] = "extractive"
    lead: str  # what opens the answer, before the citations: what he would say, or why there is nothing
    text: str  # the whole answer as one text (the lead, then each citation), its [n] markers pointing at `citations`
    local: LocalReport | None = None
    # citation [1] is a card the conversation showed before, cited again because the answer is in it ("His
    # example is in the card above", "the answer on the topic stands"); the lead says so, the page folds it
    points_back: bool = False


def json_schema() -> dict:
    return {"search": SearchResponse.model_json_schema(), "ask": Answer.model_json_schema()}


if __name__ == "__main__":
    print(json.dumps(json_schema(), indent=2, ensure_ascii=False))
