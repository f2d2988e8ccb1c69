"""The trained adapter: blind to the evaluation sets, not stale, and what the app and the CLI rank with."""
import json

import numpy as np
from click.testing import CliRunner

from app.cli import cli
from app.config import REPO_DIR
from app.retrieval.embedder import ADAPTED, ADAPTER_DIR, get_embedder, model_fingerprint, model_path, model_sha256
from app.retrieval.train import load_training, training_data_sha256

CORPUS = REPO_DIR / "corpus"
# Two questions this close by the base model are the same question reworded: training on one would
# flatter the score of the other
OVERLAP_COSINE = 0.95


def evaluation_questions() -> list[str]:
    """Every question whose score is reported: the realistic test half, dev_questions, heldout_questions."""
    realistic = [json.loads(line) for line in (CORPUS / "realistic_questions.jsonl").read_text().splitlines() if line]
    older = [json.loads(line)["q"] for name in ("dev_questions.jsonl", "heldout_questions.jsonl")
             for line in (CORPUS / name).read_text().splitlines() if line]
    return [q["q"] for q in realistic if q["half"] == "test"] + older


def training_questions() -> list[str]:
    positives, negatives = load_training(CORPUS)
    return [p["q"] for p in positives] + negatives


def test_training_data_is_blind_to_every_evaluation_set():
    train, evaluation = training_questions(), evaluation_questions()
    assert len(train) >= 1800 and len(evaluation) >= 500
    same = {q.strip().lower() for q in train} & {q.strip().lower() for q in evaluation}
    assert not same, f"training questions that are evaluation questions: {sorted(same)[:5]}"
    base = get_embedder("all-MiniLM-L6-v2")  # the base model: the adapter must not judge its own overlap
    cosines = base.encode(train, batch_size=64) @ base.encode(evaluation, batch_size=64).T
    close = np.argwhere(cosines >= OVERLAP_COSINE)
    assert not len(close), "training questions within cosine 0.95 of evaluation questions: " + "; ".join(
        f"{train[i]!r} ~ {evaluation[j]!r}" for i, j in close[:5])


def test_committed_adapter_was_trained_on_the_current_data_and_base_model():
    manifest = json.loads((ADAPTER_DIR / "manifest.json").read_text())
    assert manifest["training_data_sha256"] == training_data_sha256(CORPUS), (
        "corpus/training/ or the insights changed since the adapter was trained: run `make train`")
    assert manifest["base_model_sha256"] == model_sha256(model_path(manifest["base_model"])), (
        "the base model changed since the adapter was trained: run `make train`")
    weights = ADAPTER_DIR / "adapter_model.safetensors"
    assert weights.stat().st_size < 5_000_000  # a small delta, never the model's 90 MB
    # it learned something it did not see: held-out questions find their insight more often than before
    assert manifest["heldout_after"]["hit@1"] > manifest["heldout_before"]["hit@1"]


QUESTION = "large language models as an operating system"  # the base model missed insight 41 (issue 21)


def test_the_served_app_and_the_cli_rank_with_the_adapter(settings, searcher):
    from app.web.app import Api

    assert searcher.settings.model.endswith(ADAPTED)
    assert searcher.index.manifest.model_files == model_fingerprint(searcher.settings.model)
    served = json.loads(Api(searcher).search(QUESTION))
    assert served["on_topic"] and served["citations"][0]["id"] == 41
    env = {"ASK_KARPATHY_INDEX_DIR": str(settings.index_dir), "ASK_KARPATHY_DATA_DIR": str(settings.data_dir)}
    result = CliRunner().invoke(cli, ["search", QUESTION, "--json"], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["citations"][0]["id"] == 41


def test_questions_the_base_model_fumbled_lead_with_a_card_on_their_topic(searcher):
    """Issue 21's examples: a typo-laden question got "nothing on that topic", and the page's own example
    button "How should I learn deep learning?" led with "inspect your data"."""
    labelling = searcher.search("karpaty on lableing data??")
    assert labelling.on_topic and "data" in labelling.hits[0].record.title.lower()
    learning = searcher.search("How should I learn deep learning?")
    assert learning.on_topic and learning.hits[0].record.theme == "learning"
