"""The composition root: the one place that puts the stages together into a Searcher that answers.

corpus (with ingested passages) -> index (built first when missing, stale or damaged) -> the question
embedder. A start with an up-to-date index embeds questions with ONNX Runtime and never imports torch.
The CLI, the server and the tests all start here.
"""

from app.config import Settings, get_settings
from app.corpus.ingest import load_passages
from app.corpus.records import load_corpus
from app.retrieval.embedder import query_embedder
from app.retrieval.index import ensure_index
from app.retrieval.search import Searcher, embedded


def load(settings: Settings | None = None, force: bool = False, progress: bool = False) -> Searcher:
    """The corpus, its index and the question embedder, each loaded from disk or built (`force`: rebuilt
    regardless)."""
    settings = settings or get_settings()
    corpus = load_corpus(settings.corpus_dir, load_passages(settings.passages_path))
    index = ensure_index(*embedded(corpus), settings.model, settings.index_dir, force=force, progress=progress)
    embedder = query_embedder(settings.model, settings.index_dir, force=force, remember=settings.remembered_questions)
    return Searcher(corpus, embedder, index, settings)
