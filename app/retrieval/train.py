"""Fine-tune the embedder on how people ask about the 50 insights, and write the result as a small adapter.

The packaged all-mpnet-base-v2 has never seen how people ask about these ideas: "large language models as
an operating system" missed the insight titled "LLMs are a New Kind of Operating System". `ask-karpathy
train` teaches it from corpus/training/ (questions written blind to every evaluation set, and off-topic
questions it should keep away from every insight), and writes a LoRA adapter (peft, fp16, ~5.4 MB) and manifest.json to app/retrieval/adapter/. The index merges
it into the base model (app/retrieval/embedder.py) and exports that to ONNX, so nothing here runs at
question time and the app needs no torch to answer.

One loop, read top to bottom: load the data, hold out a tenth of it, train, measure, save.
"""

import hashlib
import json
import random
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from app.corpus.records import load_corpus
from app.retrieval.embedder import ADAPTER_DIR, base_name, model_path, model_sha256
from app.retrieval.search import passage_text
from app.storage import write_atomic

# Two runs that differ only in the seed differ by about as much as a change is worth (docs/training.md: 0.05
# abstention F1 on the realistic tune half); of 1337 and 1338, 1338 did better on the tune halves
SEED = 1338
EPOCHS = 2  # a third epoch moved held-out hit@1 from 0.827 to 0.820 and AUC from 0.928 to 0.936
BATCH = 32  # training questions a step; every one of the 50 insights is a candidate for each
# The insights' vectors are computed without gradients and refreshed every REFRESH steps; the questions
# carry the gradient. Embedding the 50 insight texts (up to 256 tokens each) with gradients at every step
# took 28 s a step on 2 cores; without, once every 8 steps, a step takes ~1 s. The encoder is shared,
# so the refresh carries what the questions taught it over to the insights' side.
REFRESH = 8
OFF_TOPIC_BATCH = 8  # off-topic questions a step
LEARNING_RATE = 5e-4  # LoRA trains ~3% of the weights: a larger step than full fine-tuning would take
SCALE = 20.0  # cosine -> logit: the usual temperature for in-batch softmax over normalised embeddings
HARD_MARGIN = 0.1  # the right insight must beat the most similar wrong one by this much cosine
# Off-topic questions must stay below this cosine with every insight: what teaches abstention. Below the
# base model's typical on-topic cosines (0.4-0.7), above what unrelated text gets (~0.1).
OFF_TOPIC_CEILING = 0.2
HELDOUT = 0.1  # share of the authored questions (per insight) and of the negatives kept out of training
LORA_RANK = 16
# MPNet's attention projections (q, k, v, o) and its feed-forward layers (dense); on all-MiniLM-L6-v2 (a
# BERT: query, key, value, dense) rank 16 on both kinds matched full fine-tuning (issue 21)
LORA_TARGETS = ["q", "k", "v", "o", "dense"]


def training_files(corpus_dir: Path) -> list[Path]:
    return [corpus_dir / "training" / "positives.jsonl", corpus_dir / "training" / "negatives.jsonl"]


def insight_texts(corpus_dir: Path) -> dict[int, str]:
    """What each insight is trained against: the text the index embeds for it (search.passage_text), which
    holds its curated questions and keywords too."""
    return {i.id: passage_text(i) for i in load_corpus(corpus_dir).insights}


def training_data_sha256(corpus_dir: Path) -> str:
    """Over everything training reads: the two files, and each insight's embedded text (title, text, curated
    questions, keywords). Any edit to them means the committed adapter is stale (tests/retrieval/test_train.py)."""
    digest = hashlib.sha256()
    for path in training_files(corpus_dir):
        digest.update(path.read_bytes())
    digest.update(json.dumps(sorted(insight_texts(corpus_dir).items())).encode())
    return digest.hexdigest()


def load_training(corpus_dir: Path) -> tuple[list[dict], list[str]]:
    positives_path, negatives_path = training_files(corpus_dir)
    positives = [json.loads(line) for line in positives_path.read_text().splitlines() if line.strip()]
    negatives = [json.loads(line)["q"] for line in negatives_path.read_text().splitlines() if line.strip()]
    return positives, negatives


def split(positives: list[dict], negatives: list[str], rng: random.Random):
    """A fixed tenth held out: the same share of every insight's questions, and of the negatives."""
    by_insight: dict[int, list[dict]] = {}
    for p in positives:
        by_insight.setdefault(p["id"], []).append(p)
    train, held = [], []
    for group in by_insight.values():
        group = group[:]
        rng.shuffle(group)
        cut = max(1, round(HELDOUT * len(group)))
        held += group[:cut]
        train += group[cut:]
    negatives = negatives[:]
    rng.shuffle(negatives)
    cut = round(HELDOUT * len(negatives))
    return train, held, negatives[cut:], negatives[:cut]


def heldout_metrics(embed, held: list[dict], held_negatives: list[str], ids: list[int], docs: list[str]) -> dict:
    """Dense-only, against the 50 insight texts: how often the right insight is first (hit@1), and how well
    the best cosine separates on-topic from off-topic questions (AUC: 1.0 = some floor splits them perfectly)."""
    import torch

    with torch.no_grad():
        doc_vectors = embed(docs)
        on = embed([p["q"] for p in held]) @ doc_vectors.T
        off = embed(held_negatives) @ doc_vectors.T
    first = [ids[row] for row in on.argmax(1).tolist()]
    hit1 = np.mean([f == p["id"] or f in p.get("also", []) for f, p in zip(first, held)])
    best_on, best_off = on.max(1).values.numpy(), off.max(1).values.numpy()
    auc = float(np.mean(best_on[:, None] > best_off[None, :]))
    return {
        "hit@1": round(float(hit1), 4),
        "auc": round(auc, 4),
        "on_topic_best_cos": round(float(np.median(best_on)), 4),
        "off_topic_best_cos": round(float(np.median(best_off)), 4),
    }


def train(model: str, corpus_dir: Path, out_dir: Path = ADAPTER_DIR, epochs: int = EPOCHS, log=print) -> dict:
    """Fine-tune `model`'s base with a LoRA adapter and write it and its manifest to out_dir."""
    import torch
    from peft import LoraConfig, get_peft_model
    from sentence_transformers import SentenceTransformer
    from tqdm import tqdm

    start = time.perf_counter()
    rng = random.Random(SEED)
    torch.manual_seed(SEED)
    # One thread: each layer waits for all of torch's threads, and on 2 cores shared with other work every
    # wait costs a time slice (the reason app/retrieval/embedder.py encodes one question on one thread)
    torch.set_num_threads(1)
    base = model_path(model)
    st = SentenceTransformer(str(base), device="cpu", local_files_only=True)

    texts = insight_texts(corpus_dir)
    ids, docs = list(texts), list(texts.values())
    row_of = {insight: row for row, insight in enumerate(ids)}
    positives, negatives = load_training(corpus_dir)
    train_positives, held, train_negatives, held_negatives = split(positives, negatives, rng)
    # Not the insights' curated questions and keywords: each insight's text already holds them, and 18
    # of them are within cosine 0.95 of an evaluation question (tests/retrieval/test_train.py)
    pairs = train_positives

    def embed(batch: list[str]) -> "torch.Tensor":
        features = st.preprocess(batch)
        return torch.nn.functional.normalize(st(features)["sentence_embedding"], dim=-1)

    st.eval()
    before = heldout_metrics(embed, held, held_negatives, ids, docs)
    log(
        f"train: {len(pairs)} questions, {len(train_negatives)} off-topic; "
        f"held out {len(held)} and {len(held_negatives)}"
    )
    log(f"train: base model, held out: {before}")

    config = LoraConfig(r=LORA_RANK, lora_alpha=2 * LORA_RANK, lora_dropout=0.1, target_modules=LORA_TARGETS)
    # peft adds the LoRA layers inside the model in place; the PeftModel it returns is what saves the adapter
    adapted = get_peft_model(st[0].auto_model, config)
    st[0].auto_model = adapted
    trainable = sum(p.numel() for p in st.parameters() if p.requires_grad)
    optimizer = torch.optim.AdamW([p for p in st.parameters() if p.requires_grad], lr=LEARNING_RATE)
    steps = epochs * ((len(pairs) + BATCH - 1) // BATCH)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1 - step / steps)  # linear decay

    curve = []
    bar = tqdm(total=steps, desc="train", unit="step")
    for epoch in range(1, epochs + 1):
        st.train()
        rng.shuffle(pairs)
        losses = []
        for step, at in enumerate(range(0, len(pairs), BATCH)):
            batch = pairs[at : at + BATCH]
            if step % REFRESH == 0:
                with torch.no_grad():
                    doc_vectors = embed(docs)  # all 50: every wrong insight is a negative at every step
            sims = embed([p["q"] for p in batch]) @ doc_vectors.T
            target = torch.tensor([row_of[p["id"]] for p in batch])
            # an insight the question fits equally well ("also") is neither right nor wrong: left out
            ignore = torch.zeros_like(sims, dtype=torch.bool)
            for n, p in enumerate(batch):
                ignore[n, [row_of[i] for i in p.get("also", [])]] = True
            sims = sims.masked_fill(ignore, -1.0)
            # softmax over every insight, plus a margin over the hardest wrong insight (mined from the
            # refreshed vectors: the most similar wrong one under the current weights)
            contrastive = torch.nn.functional.cross_entropy(SCALE * sims, target)
            right = sims.gather(1, target[:, None]).squeeze(1)
            hardest = sims.scatter(1, target[:, None], -1.0).max(1).values
            hard = torch.relu(hardest - right + HARD_MARGIN).mean()
            # off-topic questions pushed below the ceiling with every insight: abstention is learned too
            off = embed(rng.sample(train_negatives, OFF_TOPIC_BATCH)) @ doc_vectors.T
            off_topic = torch.relu(off.max(1).values - OFF_TOPIC_CEILING).mean()
            loss = contrastive + hard + off_topic
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            losses.append(loss.item())
            bar.update(1)
            bar.set_postfix(loss=f"{np.mean(losses[-10:]):.3f}")
        st.eval()
        metrics = heldout_metrics(embed, held, held_negatives, ids, docs)
        curve.append({"epoch": epoch, "loss": round(float(np.mean(losses)), 4), **metrics})
        bar.write(f"train: epoch {epoch}: loss {np.mean(losses):.3f}, held out: {metrics}", file=sys.stderr)
    bar.close()

    manifest = {
        "base_model": base_name(model),
        "base_model_sha256": model_sha256(base),
        "training_data_sha256": training_data_sha256(corpus_dir),
        "seed": SEED,
        "epochs": epochs,
        "lora_rank": LORA_RANK,
        "lora_targets": LORA_TARGETS,
        "trainable_parameters": trainable,
        "training_pairs": len(pairs),
        "off_topic_questions": len(train_negatives),
        "heldout_before": before,
        "heldout_after": curve[-1] if curve else before,
        "curve": curve,
        "train_seconds": round(time.perf_counter() - start, 1),
        "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    save(adapted, manifest, out_dir)
    log(f"train: wrote {out_dir} in {manifest['train_seconds']} s ({trainable:,} trainable parameters)")
    return manifest


def save(peft_model, manifest: dict, out_dir: Path) -> None:
    """The adapter's weights in fp16 (half the bytes; `eval` and the tests measure the app with these
    fp16 weights merged, the held-out figures in the manifest are from the fp32 ones before the cast),
    its config, and the manifest last: the commit point a reader trusts."""
    import torch

    for p in peft_model.parameters():
        if p.requires_grad:
            p.data = p.data.to(torch.float16)
    peft_model.peft_config["default"].base_model_name_or_path = manifest["base_model"]  # not this machine's path
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        peft_model.save_pretrained(tmp)
        for name in ("adapter_model.safetensors", "adapter_config.json"):
            write_atomic(out_dir / name, (Path(tmp) / name).read_bytes())
    write_atomic(out_dir / "manifest.json", (json.dumps(manifest, indent=2) + "\n").encode())
