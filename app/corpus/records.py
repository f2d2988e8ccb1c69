"""The corpus: Karpathy's insights and the sources they cite, loaded from corpus/*.toml and validated.

The corpus keeps his own words apart from a curator's paraphrase. `quotes` are verbatim spans (the
only strings ever shown as "Karpathy said"); everything else in an insight is the curator's. A record
that breaks a rule fails the whole load with the file, line, insight and field, so nothing
half-checked is ever indexed or served.
"""

import functools
import re
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from app.config import THEMES, Theme
from app.contract import QuoteCheck

QUOTED = re.compile(r'"([^"]+)"')

# A sentence that opens with one of these leans on something said before it ("This way, you update…",
# "Resist this temptation…", "It is a vital contribution…"): a lead never starts its quote with one, and a
# citation gives a curator's summary that does with the title it leans on.
_LEANS_BACK = set(
    """
    this that these those it its they them their he she his her here there such so but and or then
    instead however also thus hence therefore resist stop yes no
    finally lastly first second secondly moreover furthermore additionally similarly likewise still yet otherwise
""".split()
)


def stands_alone(sentence: str) -> bool:
    first = re.match(r"\W*(\w+)", sentence)
    return bool(first) and first.group(1).lower() not in _LEANS_BACK


class CorpusError(Exception):
    """A corpus file is missing or a record in it is malformed; the message says where."""


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    n: int = Field(ge=1)
    # resolved: the work is known; partial: only its kind (and maybe where, when); unresolved: nothing
    status: Literal["resolved", "partial", "unresolved"]
    why: str
    title: str | None = None
    kind: Literal["blog post", "essay", "talk", "podcast", "tweet", "post on X", "interview", "course"] | None = None
    venue: str | None = None  # partial: a phrase completing the kind, e.g. "while at Tesla"
    # resolved: YYYY-MM-DD; partial: a year or a range of years (YYYY–YYYY) where the insights show it
    date: str | None = Field(default=None, pattern=r"^\d{4}(-\d{2}-\d{2}|–\d{4})?$")
    url: str | None = Field(default=None, pattern=r"^https://")
    # insights the seed gives no number for whose words this work's original proves are from it (`why`
    # says where); the loader adds this source to them
    proves: list[int] = []

    @model_validator(mode="after")
    def fields_match_status(self):
        if self.status == "resolved":
            if not (self.title and self.kind and self.date and self.url):
                raise ValueError("a resolved source needs title, kind, date and url")
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", self.date):
                raise ValueError("date: a resolved source is dated YYYY-MM-DD")
        elif self.proves:
            raise ValueError("proves: only a resolved source, whose original was read, proves an insight's source")
        elif self.title or self.url:
            raise ValueError(f"a source that is {self.status} has no title or url: which work it is, is not known")
        elif self.status == "partial" and not self.kind:
            raise ValueError("a partial source needs at least its kind")
        elif self.status == "unresolved" and (self.kind or self.venue or self.date):
            raise ValueError("an unresolved source has no kind, venue or date; make it partial")
        return self

    def description(self) -> str:
        """What is known of the work, for a reader: "post on X", "talk while at Tesla, 2017–2022"."""
        if self.status == "resolved":
            return f"{self.title} ({self.kind}, {self.date}) {self.url}"
        if self.status == "partial":
            return ", ".join(part for part in (" ".join(filter(None, (self.kind, self.venue))), self.date) if part)
        return "source not identified"

    def label(self) -> str:
        """One line naming the source, e.g. for a citation card."""
        # "[source n]", never a bare "[n]": in an answer, [n] is a citation number
        return f"[source {self.n}] {self.description()}"


class Insight(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: int = Field(ge=1)
    theme: Theme
    title: str = Field(min_length=1)
    text: str = Field(min_length=1)
    quotes: list[str] = []
    context: str | None = None
    quoting: str | None = None  # whose words he quotes, when they are not his own
    concrete: bool = False  # the text holds a concrete case (a parked car, Tesla's C++): what "example?" wants
    related: list[int] = []  # the insights that bear on this one (its why, more of it, a case of it), best first
    examples: list[int] = []  # the insights that hold a concrete case of this one, best first
    reason: str | None = None  # the words of text that say why it holds: what "why?" after it points back to
    sources: list[int] = []
    keywords: list[str] = []
    questions: list[str] = []
    situations: list[str] = []  # everyday situations it answers, in people's words: searched, never shown
    # one per quote, in order: the quote against its original (empty: not checked)
    quote_checks: list[QuoteCheck] = []

    @model_validator(mode="after")
    def quotes_are_verbatim(self):
        for quote in self.quotes:
            # his words are the seed's (a double-quoted span of text), or, for an insight the seed only
            # paraphrases (its whole text is context), words taken from the original and verified in it
            if f'"{quote}"' not in self.text and self.context != self.text:
                raise ValueError(f"quotes: {quote[:60]!r} is not a double-quoted span of text")
        if self.context is not None:
            if not self.quotes:
                raise ValueError("context: only a quoted insight has context; a paraphrase is its text")
            if self.context not in self.text:
                raise ValueError("context: must be a verbatim slice of text")
        if self.reason is not None and self.reason not in self.text:
            raise ValueError("reason: must be a verbatim slice of text")
        if self.quote_checks and len(self.quote_checks) != len(self.quotes):
            raise ValueError("quote_checks: one per quote, in the order of quotes")
        if any(c.status != "verified" for q, c in zip(self.quotes, self.quote_checks) if f'"{q}"' not in self.text):
            raise ValueError("quote_checks: a quote taken from the original must be verified in it")
        return self

    @property
    def from_original(self) -> list[str]:
        """The quotes that are not in the seed but taken from the original (the seed paraphrases them)."""
        return [q for q in self.quotes if f'"{q}"' not in self.text]

    @property
    def kind(self) -> Literal["quote", "paraphrase"]:
        return "quote" if self.quotes else "paraphrase"

    @property
    def paraphrase(self) -> str | None:
        """The curator's words: the whole text of a paraphrase, the context of a quote."""
        return self.context if self.quotes else self.text

    @property
    def summary(self) -> str | None:
        """The curator's words as a citation gives them, read away from the card: one that leans on its title
        ("This way, you update…") with that title before it, as the seed has it."""
        words = self.paraphrase
        return words if words is None or stands_alone(words) else f"{self.title}: {words}"

    @property
    def theme_name(self) -> str:
        return THEMES[self.theme]

    @property
    def shown_quotes(self) -> list[str]:
        """His words as every surface shows and copies them: each quote, or, where its check found that
        the original words it differently, the original's words (the original is the source of truth)."""
        checks = self.quote_checks or [None] * len(self.quotes)
        return [
            c.original if c and c.status == "differs" and c.original else quote for quote, c in zip(self.quotes, checks)
        ]

    @functools.cached_property
    def his_words(self) -> tuple[str, ...]:
        """What of it may appear inside quotation marks as his: its quotes (as the seed and, where they
        differ, as the original has them) and the fragments its title and text quote (short words in
        double quotes inside a paraphrase are his too)."""
        originals = [c.original for c in self.quote_checks if c.status == "differs" and c.original]
        return (*self.quotes, *originals, *QUOTED.findall(self.title), *QUOTED.findall(self.text))


class Document(BaseModel):
    """An ingested file (or one record of a JSONL file) that passages come from."""

    model_config = ConfigDict(frozen=True)

    key: str  # the file's name without suffix (and line for JSONL): names its passages
    source: str  # the file's path relative to the folder it was ingested from: what citations show
    path: str = ""  # the file's absolute path: which document a re-ingest replaces; never shown
    kind: Literal["markdown", "text", "jsonl"]
    title: str
    url: str | None = None
    date: str | None = None
    author: str | None = None  # only a document whose author is Andrej Karpathy gives his words
    sha256: str = ""


class Passage(BaseModel):
    """A slice of an ingested document: text == the source file's characters [start:end]."""

    model_config = ConfigDict(frozen=True)

    id: str  # "<document key>#<n>"
    doc: Document
    headings: list[str]
    text: str
    clean: str  # the same words without markup: what is shown and embedded
    start: int
    end: int
    line: int | None = None  # for JSONL: the line whose "text" the offsets index into

    @property
    def by_karpathy(self) -> bool:
        return self.doc.author == "Andrej Karpathy"

    @property
    def his_words(self) -> tuple[str, ...]:
        """A passage he wrote is his words whole; one by someone else has none of them."""
        return (self.clean,) if self.by_karpathy else ()


Record = Insight | Passage  # anything search can return and an answer can cite


def fold(text: str) -> str:
    """Compare words, not typography: one kind of quote character and single spaces."""
    text = text.replace("‘", "'").replace("’", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).strip()


def _span_words(span: str) -> str:
    # punctuation a writer adds at the edge of a quote ("... datasets," he said; "…simply find") does not change
    # the words
    return fold(span).strip(" ,.;:!?…")


def is_verbatim(span: str, record: Record) -> bool:
    """The one rule for "his words": `span` occurs in his words in `record`, up to typography (quote
    characters, whitespace) and the punctuation at its edges."""
    words = _span_words(span)
    return bool(words) and any(words in fold(spoken) for spoken in record.his_words)


class Corpus(BaseModel):
    insights: list[Insight]
    sources: dict[int, Source]
    passages: list[Passage] = []
    _by_id: dict[int | str, Record] = PrivateAttr(default_factory=dict)
    _his_words: list[str] = PrivateAttr(default_factory=list)  # every record's, folded once

    def get(self, key: int | str) -> Record:
        """An insight by its number, an ingested passage by its "<doc>#<n>" id."""
        return self._by_id[key]

    def model_post_init(self, _context) -> None:
        self._by_id = {insight.id: insight for insight in self.insights}
        self._by_id.update((passage.id, passage) for passage in self.passages)
        self._his_words = [fold(words) for record in self._by_id.values() for words in record.his_words]

    def keys(self) -> list[int | str]:
        """Every searchable record, insights first, in a stable order."""
        return [i.id for i in self.insights] + [p.id for p in self.passages]

    def is_verbatim(self, span: str) -> bool:
        """Whether `span` is his words anywhere in the corpus (is_verbatim over every record)."""
        words = _span_words(span)
        return bool(words) and any(words in spoken for spoken in self._his_words)


def _record_lines(raw: str, table: str, records: list[dict]) -> list[int]:
    """1-based line of each record, so errors can point into the file. Validation never depends on
    this: it runs on the parsed data. A table header may carry spaces or a comment ("[[ insight ]]  #
    note"); records written some other way (an inline array) are found by their id, or point at line 1."""
    lines = raw.splitlines()
    header = re.compile(rf"^\s*\[\[\s*{re.escape(table)}\s*\]\]\s*(?:#.*)?$")
    headers = [i for i, line in enumerate(lines, 1) if header.match(line)]
    if len(headers) == len(records):
        return headers
    found = []
    for record in records:
        key = record.get("id", record.get("n"))
        at = re.compile(rf"\b(?:id|n)\s*=\s*{re.escape(str(key))}\b")
        found.append(next((i for i, line in enumerate(lines, 1) if at.search(line)), 1))
    return found


def _field_line(raw: str, start: int, field: str) -> int:
    """Line of `field = ...` inside the record starting at line `start` (the record's line if not found)."""
    lines = raw.splitlines()
    for i in range(start, len(lines)):
        if lines[i].strip().startswith("[["):
            break
        if re.match(rf"\s*{re.escape(field)}\s*=", lines[i]):
            return i + 1
    return start


def _read_table(path: Path, table: str) -> tuple[str, list[dict]]:
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CorpusError(f"{path}: file not found") from None
    except UnicodeDecodeError as e:
        raise CorpusError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as e:
        raise CorpusError(f"{path}: not valid TOML: {e}") from None
    except RecursionError:  # tomllib reads nested arrays recursively: 5,000 levels were a traceback
        raise CorpusError(f"{path}: not valid TOML: arrays or tables nested too deep") from None
    unknown = set(data) - {table}
    if unknown:
        raise CorpusError(f"{path}: unknown top-level key(s) {sorted(unknown)}; expected [[{table}]] tables")
    records = data.get(table, [])
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise CorpusError(f"{path}: '{table}' must be an array of tables ([[{table}]])")
    return raw, records


def _load_table(path: Path, table: str, model: type[BaseModel]) -> tuple[list, list[int], str]:
    """The table's records validated by `model`, each one's line, and the raw text."""
    raw, data = _read_table(path, table)
    lines = _record_lines(raw, table, data)
    records = []
    for record, header in zip(data, lines):
        try:
            records.append(model.model_validate(record))
        except ValidationError as e:
            # a model-level error names its field at the start of its message ("quotes: ...")
            problems = [
                (
                    str(err["loc"][0]) if err["loc"] else err["msg"].removeprefix("Value error, ").split(":")[0],
                    err["msg"].removeprefix("Value error, "),
                )
                for err in e.errors()
            ]
            # point at a line that exists (a misspelt field, rather than the missing one it replaced)
            field_lines = [_field_line(raw, header, field) for field, _ in problems]
            line = next((n for n in field_lines if n != header), header)
            label = f"{table} #{record.get('id', record.get('n', len(records) + 1))}"
            details = "; ".join(f"field '{field}': {msg}" for field, msg in problems)
            raise CorpusError(f"{path}:{line}: {label}: {details}") from None
    return records, lines, raw


def load_corpus(corpus_dir: Path, passages: list[Passage] = ()) -> Corpus:
    """Load and check insights.toml and sources.toml (plus ingested passages, see app/corpus/ingest.py);
    raise CorpusError naming file, line and field."""
    insights_path, sources_path = corpus_dir / "insights.toml", corpus_dir / "sources.toml"
    insights, lines, raw = _load_table(insights_path, "insight", Insight)
    sources, source_lines, _ = _load_table(sources_path, "source", Source)
    if not insights:
        raise CorpusError(f"{insights_path}: no [[insight]] records")
    by_n = {}
    for source, line in zip(sources, source_lines):
        if source.n in by_n:
            raise CorpusError(f"{sources_path}:{line}: source [{source.n}] is listed twice")
        by_n[source.n] = source
    seen = set()
    for insight, line in zip(insights, lines):
        if insight.id in seen:
            raise CorpusError(
                f"{insights_path}:{_field_line(raw, line, 'id')}: insight #{insight.id}: field 'id': duplicate id"
            )
        seen.add(insight.id)
        missing = [n for n in insight.sources if n not in by_n]
        if missing:
            raise CorpusError(
                f"{insights_path}:{_field_line(raw, line, 'sources')}: insight #{insight.id}: "
                f"field 'sources': {missing} not in {sources_path.name}"
            )
    # links between insights, once every id is known (checked after the ids, which may be the mistake)
    for insight, line in zip(insights, lines):
        for field in ("related", "examples"):
            links = getattr(insight, field)
            unknown = [i for i in links if i not in seen]
            if insight.id in links or unknown:
                problem = (
                    "an insight is not linked to itself" if insight.id in links else f"{unknown} not an insight id"
                )
                raise CorpusError(
                    f"{insights_path}:{_field_line(raw, line, field)}: insight #{insight.id}: field '{field}': {problem}"
                )
    # a source its original proves for an insight the seed gives no number for
    for source, line in zip(sources, source_lines):
        for insight_id in source.proves:
            at = next((i for i, insight in enumerate(insights) if insight.id == insight_id), None)
            if at is None or insights[at].sources:
                raise CorpusError(
                    f"{sources_path}:{line}: source [{source.n}]: field 'proves': insight "
                    f"#{insight_id} is not an insight the seed gives no source for"
                )
            insights[at] = insights[at].model_copy(update={"sources": [source.n]})
    return Corpus(insights=insights, sources=by_n, passages=list(passages))
