"""Ingestion: Markdown, plain-text and JSONL documents cut into passages with exact provenance.

A passage is one or more consecutive paragraphs under the same heading, about PASSAGE_WORDS long
(measured in bench/ingest_blog.py). Its `text` is the exact slice source[start:end] of the file, so a
citation points to the place; `clean` is the same words without Markdown, HTML or LaTeX markup, and is
what is shown and embedded. Code blocks, display math, HTML blocks, tables, images and block quotes
(usually someone else's words) are left out. Passages live in one JSONL file (Settings.passages_path);
re-ingesting a file replaces its passages, and an unchanged file is left alone.
"""
import hashlib
import re
import datetime
from pathlib import Path

from pydantic import BaseModel, ValidationError

from app.corpus import CorpusError, Document, Passage
from app.storage import write_atomic

PASSAGE_WORDS = 60
SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".txt": "text", ".jsonl": "jsonl"}
JEKYLL_POST = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(.+)$")


class IngestReport(BaseModel):
    added: list[str] = []
    replaced: list[str] = []
    unchanged: list[str] = []
    passages: int = 0


class JsonlDocument(BaseModel):
    """One line of an ingested JSONL file."""
    text: str
    title: str | None = None
    url: str | None = None
    date: datetime.date | None = None
    author: str | None = None


def front_matter(text: str) -> tuple[dict[str, str], int]:
    """Jekyll-style `---` front matter as simple key: value pairs, and where the body starts."""
    if not text.startswith("---\n"):
        return {}, 0
    end = text.find("\n---\n", 4)
    if end < 0:
        return {}, 0
    fields = {}
    for line in text[4:end].splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() and not key.startswith((" ", "#")):
            fields[key.strip()] = value.strip().strip("\"'")
    return fields, end + len("\n---\n")


def document_url(path: Path, fields: dict[str, str], site_url: str | None) -> str | None:
    """The document's address: its front matter's url, or a Jekyll permalink under site_url
    (pages: their permalink; posts named YYYY-MM-DD-slug: SITE/YYYY/MM/DD/slug/)."""
    if fields.get("url"):
        return fields["url"]
    if not site_url:
        return None
    site = site_url.rstrip("/")
    if fields.get("permalink"):
        return site + "/" + fields["permalink"].lstrip("/")
    post = JEKYLL_POST.match(path.stem)
    return f"{site}/{post[1]}/{post[2]}/{post[3]}/{post[4]}/" if post else None


def clean_markup(text: str) -> str:
    """The words of a Markdown paragraph without its markup."""
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)  # images
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)  # links keep their words
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML tags
    text = re.sub(r"\$\$.*?\$\$", "", text, flags=re.DOTALL)
    # inline math: keep a plain symbol like $x$, drop real LaTeX
    text = re.sub(r"\$([^$\n]+)\$", lambda m: m[1] if "\\" not in m[1] and len(m[1]) < 20 else "", text)
    text = re.sub(r"`([^`]+)`", r"\1", text)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", text)
    text = re.sub(r"^\s*(?:[-*+]|\d+\.)\s+", "", text, flags=re.MULTILINE)  # list markers
    return re.sub(r"\s+", " ", text).strip()


def _blocks(text: str, start: int):
    """Yield (kind, start, end) for each blank-line separated block of the body, fenced code and
    display math kept whole even when they hold blank lines."""
    pos = start
    lines = text[start:].splitlines(keepends=True)
    i = 0
    while i < len(lines):
        if not lines[i].strip():
            pos += len(lines[i])
            i += 1
            continue
        begin, first = pos, lines[i].strip()
        fence = "```" if first.startswith("```") else "$$" if first.startswith("$$") else None
        if fence:
            closed = first.endswith(fence) and len(first) > len(fence)
            pos += len(lines[i])
            i += 1
            while i < len(lines) and not closed:
                closed = lines[i].strip().endswith(fence)
                pos += len(lines[i])
                i += 1
            yield "skip", begin, pos
            continue
        while i < len(lines) and lines[i].strip():
            pos += len(lines[i])
            i += 1
        end = begin + len(text[begin:pos].rstrip())
        if re.match(r"#{1,6}\s", text[begin:end]):
            yield "heading", begin, end
        elif text[begin:end].startswith(("    ", "\t")) or first.startswith(("<", ">", "|", "![", "{%")):
            yield "skip", begin, end  # indented code, HTML, block quotes, tables, images, Liquid tags
        else:
            yield "paragraph", begin, end


def _sentences(text: str, start: int, end: int):
    """Sentence spans of source[start:end], for paragraphs too long to be one passage."""
    cut = start
    for m in re.finditer(r"[.!?][\"')\]]*\s+(?=[A-Z\"'(\[])", text[start:end]):
        yield cut, start + m.end()
        cut = start + m.end()
    yield cut, end


def split_passages(doc: Document, source: str, body_start: int, line: int | None = None,
                   words: int = PASSAGE_WORDS) -> list[Passage]:
    """Cut a document's body into passages of about `words` words, never across a heading."""
    spans: list[tuple[list[str], int, int]] = []  # (heading path, start, end) of each paragraph piece
    headings: list[tuple[int, str]] = []
    for kind, start, end in _blocks(source, body_start):
        if kind == "heading":
            level = len(source[start:end]) - len(source[start:end].lstrip("#"))
            headings = [h for h in headings if h[0] < level] + [(level, clean_markup(source[start:end].lstrip("#")))]
        elif kind == "paragraph" and clean_markup(source[start:end]):
            path = [h for _, h in headings]
            if len(source[start:end].split()) <= words * 1.5:
                spans.append((path, start, end))
            else:
                spans.extend((path, s, e) for s, e in _sentences(source, start, end))
    passages, group = [], []
    for span in spans + [None]:
        size = sum(len(source[s:e].split()) for _, s, e in group)
        if group and (span is None or span[0] != group[0][0] or size + len(source[span[1]:span[2]].split()) > words):
            begin, finish = group[0][1], group[-1][2]
            raw = source[begin:finish]
            passages.append(Passage(
                id=f"{doc.key}#{len(passages) + 1}", doc=doc, headings=group[0][0], text=raw,
                clean=clean_markup(raw), start=begin, end=finish, line=line))
            group = []
        if span is not None:
            group.append(span)
    return [p for p in passages if p.clean]


def read_documents(path: Path, author: str | None, site_url: str | None,
                   words: int = PASSAGE_WORDS) -> tuple[str, list[Passage]]:
    """A file's content hash and its passages; CorpusError (file and line) if it cannot be read."""
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise CorpusError(f"{path}: cannot ingest {path.suffix or 'this'} files (use .md, .markdown, .txt or .jsonl)")
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise CorpusError(f"{path}: cannot read it as UTF-8 text: {e}") from None
    sha = hashlib.sha256(source.encode()).hexdigest()
    key = path.stem
    if kind != "jsonl":
        fields, body = front_matter(source) if kind == "markdown" else ({}, 0)
        doc = Document(key=key, source=str(path), kind=kind, title=fields.get("title") or path.stem,
                       url=document_url(path, fields, site_url), date=(fields.get("date") or "")[:10] or None,
                       author=fields.get("author") or author)
        return sha, split_passages(doc, source, body, words=words)
    passages = []
    for n, line in enumerate(source.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = JsonlDocument.model_validate_json(line)
        except ValidationError as e:
            err = e.errors()[0]
            where = ".".join(str(x) for x in err["loc"]) or "line"
            raise CorpusError(f"{path}:{n}: field '{where}': {err['msg']}") from None
        doc = Document(key=f"{key}-{n}", source=str(path), kind="jsonl", title=record.title or f"{path.stem} line {n}",
                       url=record.url, date=record.date.isoformat() if record.date else None,
                       author=record.author or author)
        passages.extend(split_passages(doc, record.text, 0, line=n, words=words))
    return sha, passages


def load_passages(path: Path) -> list[Passage]:
    """Every ingested passage, from DATA_DIR/passages.jsonl (Settings.passages_path)."""
    if not path.exists():
        return []
    passages = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            passages.append(Passage.model_validate_json(line))
        except ValidationError as e:
            raise CorpusError(f"{path}:{n}: {e.errors()[0]['msg']}; re-run `ask-karpathy ingest` on its sources") from None
    return passages


def ingest(paths: list[Path], store: Path, author: str | None = None, site_url: str | None = None,
           words: int = PASSAGE_WORDS) -> IngestReport:
    """Add or replace the passages of each file; every file is read before anything is written."""
    files = sorted({f.resolve() for p in paths for f in ([p] if p.is_file() else sorted(p.rglob("*")))
                    if f.is_file() and (p.is_file() or f.suffix.lower() in SUFFIXES)})
    if not files:
        raise CorpusError(f"nothing to ingest in {', '.join(map(str, paths))}")
    read = {str(f): read_documents(f, author, site_url, words) for f in files}
    existing = load_passages(store)
    kept = [p for p in existing if p.doc.source not in read]
    old_hash = {p.doc.source: p.doc.sha256 for p in existing}
    report = IngestReport()
    new = []
    for source, (sha, passages) in read.items():
        bucket = report.unchanged if old_hash.get(source) == sha else report.replaced if source in old_hash else report.added
        bucket.append(source)
        new.extend(p.model_copy(update={"doc": p.doc.model_copy(update={"sha256": sha})}) for p in passages)
    keys = {p.doc.key: p.doc.source for p in kept}
    for p in new:
        if keys.setdefault(p.doc.key, p.doc.source) != p.doc.source:
            raise CorpusError(f"{p.doc.source}: another ingested file ({keys[p.doc.key]}) has the same name {p.doc.key!r}")
    everything = kept + new
    report.passages = len(everything)
    store.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(store, "".join(p.model_dump_json() + "\n" for p in everything).encode())
    return report
