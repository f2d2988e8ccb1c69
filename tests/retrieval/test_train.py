"""The trained adapter: blind to the evaluation sets, not stale, and what the app and the CLI rank with."""

import json

import numpy as np
from click.testing import CliRunner

from app.cli import cli
from app.config import REPO_DIR
from app.corpus.records import load_corpus
from app.retrieval.embedder import ADAPTED, ADAPTER_DIR, get_embedder, model_fingerprint, model_path, model_sha256
from app.retrieval.index import embed_with_cache
from app.retrieval.train import load_training, training_data_sha256

CORPUS = REPO_DIR / "corpus"
# Two questions this close by the base model are the same question reworded: training on one would
# flatter the score of the other
OVERLAP_COSINE = 0.95


def _jsonl(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def evaluation_questions() -> list[str]:
    """Every question whose score is reported: the realistic test half, every turn of the conversations'
    test half, dev_questions, heldout_questions."""
    realistic = [q["q"] for q in _jsonl(CORPUS / "realistic_questions.jsonl") if q["half"] == "test"]
    conversations = _jsonl(CORPUS / "realistic" / "conversations.jsonl")
    turns = [t["q"] for c in conversations if c.get("half") == "test" for t in c["turns"]]
    older = [q["q"] for name in ("dev_questions.jsonl", "heldout_questions.jsonl") for q in _jsonl(CORPUS / name)]
    return realistic + turns + older


def training_questions() -> list[str]:
    positives, negatives = load_training(CORPUS)
    return [p["q"] for p in positives] + negatives


def situations() -> list[str]:
    """The everyday situations each insight is searched by (corpus/insights.toml): written blind like the
    training data, and as able to flatter a score: a situation that is an evaluation question finds it."""
    return [s for insight in load_corpus(CORPUS).insights for s in insight.situations]


def test_training_data_and_situations_are_blind_to_every_evaluation_set(request, tmp_path):
    train, evaluation = training_questions() + situations(), evaluation_questions()
    assert len(train) >= 2300 and len(evaluation) >= 500
    same = {q.strip().lower() for q in train} & {q.strip().lower() for q in evaluation}
    assert not same, f"training questions or situations that are evaluation questions: {sorted(same)[:5]}"
    base = get_embedder("all-mpnet-base-v2")  # the base model: the adapter must not judge its own overlap
    # its vectors are kept in pytest's cache, as the index is (tests/conftest.py): a question added or
    # changed since the last run is embedded, the other 2,800 are not (10 s on 2 cores)
    cache = request.config.cache.mkdir("ask-karpathy-blind") if getattr(request.config, "cache", None) else tmp_path
    vectors = embed_with_cache(train + evaluation, base, cache / "vectors.npz", False, lambda line: None)
    cosines = vectors[: len(train)] @ vectors[len(train) :].T
    close = np.argwhere(cosines >= OVERLAP_COSINE)
    assert not len(close), "training questions or situations within cosine 0.95 of evaluation questions: " + "; ".join(
        f"{train[i]!r} ~ {evaluation[j]!r}" for i, j in close[:5]
    )


def test_committed_adapter_was_trained_on_the_current_data_and_base_model():
    manifest = json.loads((ADAPTER_DIR / "manifest.json").read_text())
    assert manifest["training_data_sha256"] == training_data_sha256(CORPUS), (
        "corpus/training/ or the insights changed since the adapter was trained: run `make train`"
    )
    assert manifest["base_model_sha256"] == model_sha256(model_path(manifest["base_model"])), (
        "the base model changed since the adapter was trained: run `make train`"
    )
    weights = ADAPTER_DIR / "adapter_model.safetensors"
    assert weights.stat().st_size < 8_000_000  # a small delta (5.4 MB in fp16), never the model's 420 MB
    # it learned something it did not see: held-out questions find their insight more often than before
    assert manifest["heldout_after"]["hit@1"] > manifest["heldout_before"]["hit@1"]


# Two of the questions `train` held out of training (never trained on) that the base model answers with
# the wrong card and the adapted one with the right one, through the whole app: #45 "On the Inevitability
# of AI" and #32 "Learning should feel like sweating" came first without the adapter. (The issue's own
# example, "large language models as an operating system", still leads with #8 "Introducing Software 3.0"
# and #41 second: docs/training.md.)
LEARNED = {"what kind of ai ecosystem does Karpathy want?": 40, "my work feels pointless what do": 50}


def test_the_served_app_and_the_cli_rank_with_the_adapter(settings, searcher):
    from app.web.app import Api

    assert searcher.settings.model.endswith(ADAPTED)
    assert searcher.index.manifest.model_files == model_fingerprint(searcher.settings.model)
    env = {"ASK_KARPATHY_INDEX_DIR": str(settings.index_dir), "ASK_KARPATHY_DATA_DIR": str(settings.data_dir)}
    for question, insight in LEARNED.items():
        served = json.loads(Api(searcher).search(question))
        assert served["on_topic"] and served["citations"][0]["id"] == insight, question
        result = CliRunner().invoke(cli, ["search", question, "--json"], env=env)
        assert result.exit_code == 0, result.output
        assert json.loads(result.output) == served  # the CLI and the served app: the same cards, the same scores


def test_search_ranked_gives_every_candidate_without_the_cut(settings, searcher):
    env = {"ASK_KARPATHY_INDEX_DIR": str(settings.index_dir), "ASK_KARPATHY_DATA_DIR": str(settings.data_dir)}
    question = "large language models as an operating system"
    shown = json.loads(CliRunner().invoke(cli, ["search", question, "--json", "-k", "5"], env=env).output)
    ranked = json.loads(CliRunner().invoke(cli, ["search", question, "--json", "-k", "5", "--ranked"], env=env).output)
    assert len(ranked["citations"]) == 5 and len(shown["citations"]) < 5  # the cut keeps only cards near the best
    assert [c["id"] for c in ranked["citations"]][:2] == [8, 41]  # 41 is there, second: docs/training.md
    assert [c["n"] for c in ranked["citations"]] == [1, 2, 3, 4, 5]
    scores = [c["score"] for c in ranked["citations"]]
    assert scores == sorted(scores, reverse=True)
    assert (
        ranked["citations"][: len(shown["citations"])] == shown["citations"]
    )  # the same contract, the same cards first
