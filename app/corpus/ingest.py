"""Ingestion: Markdown, plain-text and JSONL documents cut into passages with exact provenance.

A passage is one or more consecutive paragraphs under the same heading, about PASSAGE_WORDS long
(measured in bench/ingest_blog.py). Its `text` is the exact slice source[start:end] of the file, so a
citation points to the place; `clean` is the same words without Markdown, HTML or LaTeX markup (the one
stripper, app/corpus/markdown.py, which the quote check reads originals with), and is what is shown and
embedded. Code blocks, display math, HTML blocks, tables, images and block quotes
(usually someone else's words) are left out. Passages live in one JSONL file (Settings.passages_path),
document by document in the order they were first ingested: re-ingesting a file replaces its passages
in place, an unchanged file leaves the file byte for byte as it was (so nothing is re-embedded), and
`remove` forgets a document. A document names itself by its path relative to the folder it was
ingested from; its absolute path is kept only to recognise it again.
"""

import hashlib
import json
import re
import datetime
from pathlib import Path

from pydantic import BaseModel, ValidationError

from app.corpus.markdown import clean_markup, front_matter
from app.corpus.records import CorpusError, Document, Passage
from app.storage import build_lock, write_atomic

PASSAGE_WORDS = 60
# Memory one ingested passage costs each process that searches (vectors, BM25, the passage itself), roughly:
# 4,000 passages of ~57 words added 6.7 KB each to `ask`'s peak RSS; the issue's 200 MB file (~540,000
# passages) took 6 GB per `ask`, 11 KB each. Between the two, rounded.
BYTES_PER_PASSAGE = 10_000
WEB_URL = re.compile(r"^https?://[^\s/]+", re.IGNORECASE)
SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".txt": "text", ".jsonl": "jsonl"}
JEKYLL_POST = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(.+)$")


class IngestReport(BaseModel):
    added: list[str] = []
    replaced: list[str] = []
    unchanged: list[str] = []
    removed: list[str] = []
    skipped: list[str] = []  # one line each: what was not ingested, and why
    passages: int = 0

    @property
    def memory(self) -> int:
        """Roughly what the ingested passages cost a running app, in bytes."""
        return self.passages * BYTES_PER_PASSAGE


class JsonlDocument(BaseModel):
    """One line of an ingested JSONL file."""

    text: str
    title: str | None = None
    url: str | None = None
    date: datetime.date | None = None
    author: str | None = None


def web_url(url: str | None, where: str) -> str | None:
    """`url` if it is an http(s) address: anything else (javascript:, data:, file:) would be a link a
    reader clicks in a copied citation, so it is refused with the place it came from."""
    if url is not None and not WEB_URL.match(url):
        raise CorpusError(f"{where}: url {url[:80]!r} is not an http(s) address")
    return url


def document_url(path: Path, fields: dict[str, str], site_url: str | None) -> str | None:
    """The document's address: its front matter's url, or a Jekyll permalink under site_url
    (pages: their permalink; posts named YYYY-MM-DD-slug: SITE/YYYY/MM/DD/slug/)."""
    if fields.get("url"):
        return web_url(fields["url"], f"{path}: front matter")
    if not site_url:
        return None
    site = site_url.rstrip("/")
    if fields.get("permalink"):
        return site + "/" + fields["permalink"].lstrip("/")
    post = JEKYLL_POST.match(path.stem)
    return f"{site}/{post[1]}/{post[2]}/{post[3]}/{post[4]}/" if post else None


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


def split_passages(
    doc: Document, source: str, body_start: int, line: int | None = None, words: int = PASSAGE_WORDS
) -> list[Passage]:
    """Cut a document's body into passages of about `words` words, never across a heading."""
    spans: list[tuple[list[str], int, int]] = []  # (heading path, start, end) of each paragraph piece
    headings: list[tuple[int, str]] = []
    for kind, start, end in _blocks(source, body_start):
        if kind == "heading":
            level = len(source[start:end]) - len(source[start:end].lstrip("#"))
            headings = [h for h in headings if h[0] < level] + [(level, clean_markup(source[start:end]))]
        elif kind == "paragraph" and clean_markup(source[start:end]):
            path = [h for _, h in headings]
            if len(source[start:end].split()) <= words * 1.5:
                spans.append((path, start, end))
            else:
                spans.extend((path, s, e) for s, e in _sentences(source, start, end))
    passages, group = [], []
    for span in spans + [None]:
        size = sum(len(source[s:e].split()) for _, s, e in group)
        if group and (span is None or span[0] != group[0][0] or size + len(source[span[1] : span[2]].split()) > words):
            begin, finish = group[0][1], group[-1][2]
            raw = source[begin:finish]
            passages.append(
                Passage(
                    id=f"{doc.key}#{len(passages) + 1}",
                    doc=doc,
                    headings=group[0][0],
                    text=raw,
                    clean=clean_markup(raw),
                    start=begin,
                    end=finish,
                    line=line,
                )
            )
            group = []
        if span is not None:
            group.append(span)
    return [p for p in passages if p.clean]


def plain_title(title: str | None, fallback: str) -> str:
    """A title as words: HTML tags and Markdown links in it would otherwise reach copied citations."""
    return clean_markup(title or "") or fallback


def read_documents(
    path: Path,
    author: str | None,
    site_url: str | None,
    words: int = PASSAGE_WORDS,
    name: str | None = None,
    max_bytes: int | None = None,
) -> tuple[str, list[Passage]]:
    """A file's content hash and its passages; CorpusError (file and line) if it cannot be read.
    `name` is how citations name the file (default: its path as given)."""
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise CorpusError(f"{path}: cannot ingest {path.suffix or 'this'} files (use .md, .markdown, .txt or .jsonl)")
    try:
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise CorpusError(
                f"{path}: {size / 1e6:,.1f} MB is over the {max_bytes / 1e6:,.1f} MB limit for one "
                "file; split it, or raise ASK_KARPATHY_MAX_INGEST_BYTES"
            )
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise CorpusError(f"{path}: cannot read it as UTF-8 text: {e}") from None
    sha = hashlib.sha256(source.encode()).hexdigest()
    key, place = path.stem, {"source": name or str(path), "path": str(path.resolve())}
    if kind != "jsonl":
        fields, body = front_matter(source) if kind == "markdown" else ({}, 0)
        doc = Document(
            key=key,
            **place,
            kind=kind,
            title=plain_title(fields.get("title"), path.stem),
            url=document_url(path, fields, site_url),
            date=(fields.get("date") or "")[:10] or None,
            author=fields.get("author") or author,
        )
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
        doc = Document(
            key=f"{key}-{n}",
            **place,
            kind="jsonl",
            title=plain_title(record.title, f"{path.stem} line {n}"),
            url=web_url(record.url, f"{path}:{n}"),
            date=record.date.isoformat() if record.date else None,
            author=record.author or author,
        )
        passages.extend(split_passages(doc, record.text, 0, line=n, words=words))
    return sha, passages


def load_passages(path: Path) -> list[Passage]:
    """Every ingested passage, from DATA_DIR/passages.jsonl (Settings.passages_path). Its first line is a
    checksum of the rest, so damage is refused, never answered from: one flipped bit ("reward" ->
    "regard") was shown as his words with exit 0. A store written before the checksum has no such line."""
    if not path.exists():
        return []
    try:
        data = path.read_bytes()
        lines = data.decode("utf-8").splitlines()
    except UnicodeDecodeError as e:
        raise CorpusError(
            f"{path}: not UTF-8 text ({e.reason} at byte {e.start}); re-run `ask-karpathy ingest` on its sources"
        ) from None
    except IsADirectoryError:
        raise CorpusError(f"{path} is a folder, not the passage store; move it away") from None
    first = 1
    if lines and lines[0].startswith(STORE_HEADER):
        first = 2
        body = data[data.index(b"\n") + 1 :]
        if lines[0] != _header(body):
            raise CorpusError(
                f"{path} is damaged (its checksum does not match); delete it and re-run "
                "`ask-karpathy ingest` on its sources"
            )
    passages, seen = [], {}
    for n, line in enumerate(lines[first - 1 :], first):
        try:
            passage = Passage.model_validate_json(line)
        except ValidationError as e:
            raise CorpusError(
                f"{path}:{n}: {e.errors()[0]['msg']}; re-run `ask-karpathy ingest` on its sources"
            ) from None
        if passage.id in seen:  # one would hide the other in the index
            raise CorpusError(
                f"{path}:{n}: duplicate passage id {passage.id!r} (first at line {seen[passage.id]}); "
                "re-run `ask-karpathy ingest` on its sources"
            )
        seen[passage.id] = n
        passages.append(passage)
    return passages


STORE_HEADER = '{"passages_sha256": '


def _header(body: bytes) -> str:
    return STORE_HEADER + json.dumps(hashlib.sha256(body).hexdigest()) + "}"


def _identity(p: Passage) -> str:
    return p.doc.path or p.doc.source  # passages ingested before `path` existed name the file by `source`


def _files(paths: list[Path], skipped: list[str]) -> dict[Path, str]:
    """Every file to ingest, and its name relative to the folder it was found in (a file given by
    itself: its own name), so citations never show where on this machine the folder is. A link in a
    folder is followed only while it stays inside that folder (docs/notes.md -> ../outside/secret.md
    would ingest, and serve, a file nobody asked for): CorpusError names every one that leaves it.
    Things that are not regular files (pipes, sockets, devices) are skipped, each with a line."""
    files, outside = {}, []
    for p in paths:
        if p.is_file():
            if not _utf8(str(p.resolve())):
                raise CorpusError(f"{p}: its name is not UTF-8 text; rename it")
            files[p.resolve()] = p.name
            continue
        root = p.resolve()
        for f in sorted(p.rglob("*")):
            if f.suffix.lower() not in SUFFIXES or f.is_dir():
                continue
            target = f.resolve()
            if not _utf8(str(target)):  # its name could be neither stored (JSON) nor cited
                skipped.append(f"{f}: its name is not UTF-8, skipped (rename it)")
            elif not target.is_relative_to(root):
                outside.append(f"{f} -> {target}")
            elif not f.is_file():
                skipped.append(f"{f}: not a regular file, skipped")
            else:
                files[target] = f.relative_to(p).as_posix()
    if outside:
        raise CorpusError(f"links that leave the folder, not ingested: {'; '.join(outside)}")
    return dict(sorted(files.items()))


def _utf8(name: str) -> bool:
    """Python hands over a file name's bytes that are not UTF-8 as lone surrogates."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _write(store: Path, by_document: dict[str, list[Passage]]) -> int:
    everything = [p for passages in by_document.values() for p in passages]
    store.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(p.model_dump_json() + "\n" for p in everything).encode()
    data = (_header(body) + "\n").encode() + body
    if not store.exists() or store.read_bytes() != data:  # unchanged: not even the file's mtime moves
        write_atomic(store, data)
    return len(everything)


def _by_document(store: Path) -> dict[str, list[Passage]]:
    """The stored passages grouped by document, in the order the documents were first ingested."""
    grouped: dict[str, list[Passage]] = {}
    for p in load_passages(store):
        grouped.setdefault(_identity(p), []).append(p)
    return grouped


def ingest(
    paths: list[Path],
    store: Path,
    author: str | None = None,
    site_url: str | None = None,
    words: int = PASSAGE_WORDS,
    max_bytes: int | None = None,
) -> IngestReport:
    """Add or replace the passages of each file; every file is read before anything is written."""
    report = IngestReport()
    files = _files(paths, report.skipped)
    if not files:
        why = f" ({'; '.join(report.skipped)})" if report.skipped else ""
        raise CorpusError(f"nothing to ingest in {', '.join(map(str, paths))}{why}")
    if site_url is not None:
        web_url(site_url, "--site-url")
    read = {
        str(f): read_documents(f, author, site_url, words, name=name, max_bytes=max_bytes) for f, name in files.items()
    }
    # read, merge and write under one lock: two ingests that both read the old store would each write it
    # back with only their own documents added (3 parallel runs lost one, each saying "1 added")
    with build_lock(store.parent):
        return _merge(read, _by_document(store), store, report)


def _merge(
    read: dict[str, tuple[str, list[Passage]]], stored: dict[str, list[Passage]], store: Path, report: IngestReport
) -> IngestReport:
    for path, (sha, passages) in read.items():
        new = [p.model_copy(update={"doc": p.doc.model_copy(update={"sha256": sha})}) for p in passages]
        bucket = report.unchanged if stored.get(path) == new else report.replaced if path in stored else report.added
        bucket.append(path)
        stored[path] = new  # a replaced document keeps its place; a new one goes last
    keys: dict[str, str] = {}
    for path, passages in stored.items():
        for p in passages:
            if keys.setdefault(p.doc.key, path) != path:
                raise CorpusError(f"{path}: another ingested file ({keys[p.doc.key]}) has the same name {p.doc.key!r}")
    report.passages = _write(store, stored)
    return report


def remove(paths: list[str], store: Path) -> IngestReport:
    """Forget the ingested documents at `paths` (a file, or every document under a folder; the file
    need not exist any more). Nothing is written unless every path names an ingested document."""
    with build_lock(store.parent):  # as ingest: a removal must not undo an ingest running beside it
        return _remove(paths, store, _by_document(store))


def _remove(paths: list[str], store: Path, stored: dict[str, list[Passage]]) -> IngestReport:
    report = IngestReport()
    for given in paths:
        target = Path(given).expanduser().resolve()
        matches = [path for path in stored if Path(path) == target or target in Path(path).parents]
        if not matches:
            raise CorpusError(f"{given}: no ingested document there (see {store})")
        for path in matches:
            if path not in report.removed:
                report.removed.append(path)
    report.passages = _write(store, {path: ps for path, ps in stored.items() if path not in report.removed})
    return report
