"""The `ask-karpathy` command line: index, search, ask, and the commands built on them.

Heavy imports (torch, FAISS, Gradio) happen inside the commands that need them, so `--help` is instant.
Errors a user can fix are printed as one line on stderr with exit code 1 (2 for bad usage).
"""
import json
import sys

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
    """Build (or rebuild) the search index from the corpus."""
    from app.corpus import CorpusError, load_corpus
    from app.embedder import ModelNotInstalled, get_embedder
    from app.index import ensure_index

    settings = get_settings()
    try:
        corpus = load_corpus(settings.corpus_dir)
        built = ensure_index(corpus, get_embedder(settings.model), settings.index_dir, force=force, progress=True)
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
            click.echo(f"{hit.rank}. #{hit.insight.id} [{hit.score:.3f}] {hit.insight.title} "
                       f"({hit.insight.theme_name}, {hit.insight.kind})")


@cli.command()
@click.argument("question")
@click.option("-k", "k", type=click.IntRange(1, 10), default=None, help="How many quotes (default 3).")
@click.option("--theme", type=THEME_CHOICE, help="Only insights of this theme.")
@click.option("--json", "as_json", is_flag=True, help="The answer with structured citations, as JSON.")
def ask(question, k, theme, as_json):
    """Answer QUESTION with Karpathy's own words, cited (extractive: no language model)."""
    from app.answer import compose

    searcher = _load_searcher()
    answer = compose(_search_or_fail(searcher, [question], k, theme)[0], searcher)
    click.echo(answer.model_dump_json(indent=2) if as_json else answer.text)


@cli.command("eval")
@click.option("--questions", "path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="A JSONL question set (default: corpus/dev_questions.jsonl).")
@click.option("--worst", type=click.IntRange(0, 1000), default=10, help="How many worst questions to list.")
@click.option("--json", "as_json", is_flag=True, help="The full report, every question included, as JSON.")
def evaluate(path, worst, as_json):
    """Score retrieval on a labelled question set: hit@k, MRR, nDCG, abstention, latency."""
    from pathlib import Path

    from app.evaluate import evaluate as run, format_report, load_questions, report_json

    settings = get_settings()
    try:
        questions = load_questions(Path(path) if path else settings.corpus_dir / "dev_questions.jsonl")
    except ValueError as e:
        raise UserError(str(e)) from None
    report = run(_load_searcher(), questions)
    click.echo(report_json(report) if as_json else format_report(report, worst))


def main():
    cli()
