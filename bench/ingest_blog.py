"""Ingest Karpathy's real blog posts into a temporary data directory and measure what comes back.

For each passage size it prints ingest and embedding speed, and how often the right section of the
right post is among the top passages for questions written for this check (labelled below with the
post and the heading that answers them). Then it shows the answer to "how should I start training a
new network?" with the passage's URL and heading. The posts are read from ../shared/data/karpathy_blog
and never copied into the project; without them the script says so and exits 0.

    .venv/bin/python bench/ingest_blog.py
"""

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.answering.conversation import ask  # noqa: E402
from app.config import REPO_DIR, Settings  # noqa: E402
from app.corpus.records import Passage  # noqa: E402
from app.corpus.ingest import ingest, load_passages  # noqa: E402
from app.load import load  # noqa: E402

BLOG = Path(os.environ.get("BLOG_DIR", REPO_DIR.parent / "shared" / "data" / "karpathy_blog"))
SIZES = (60, 120, 200, 300)
# question -> (post file stem, a heading on the path of the passage that answers it)
QUESTIONS = {
    "how should I start training a new network?": ("2019-04-25-recipe", "Become one with the data"),
    "what baselines should I set up before training a big model?": ("2019-04-25-recipe", "Set up the end-to-end"),
    "how do I pick an architecture when starting out?": ("2019-04-25-recipe", "Overfit"),
    "what are good ways to regularize a network?": ("2019-04-25-recipe", "Regularize"),
    "random search or grid search for hyperparameters?": ("2019-04-25-recipe", "Tune"),
    "why does neural net training fail without any errors?": ("2019-04-25-recipe", "fails silently"),
    "how do I choose a PhD adviser?": ("2016-09-07-phd", "Adviser"),
    "how should I structure a research paper?": ("2016-09-07-phd", "Writing papers"),
    "how do I give a good conference talk?": ("2016-09-07-phd", "Giving talks"),
    "what should I do at a conference?": ("2016-09-07-phd", "Attending conferences"),
    "what's a character-level language model?": ("2015-05-21-rnn-effectiveness", "Character-Level Language Models"),
    "can an RNN generate Shakespeare?": ("2015-05-21-rnn-effectiveness", "Shakespeare"),
    "how does a tiny GPT tokenize text?": ("2026-02-12-microgpt", "Tokenizer"),
    "what does the training loop of a minimal GPT look like?": ("2026-02-12-microgpt", "Training loop"),
}


def section_hit(passages, stem: str, heading: str) -> bool:
    return any(p.doc.key == stem and any(heading.lower() in h.lower() for h in p.headings) for p in passages)


def main():
    if not BLOG.exists():
        print(f"blog posts not found at {BLOG}: skipped (set BLOG_DIR to point at them)")
        return
    posts = sorted(p for p in BLOG.iterdir() if p.suffix in (".markdown", ".md") and p.name != "README.md")
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{len(posts)} posts from {BLOG}\n")
        print("| words/passage | passages | ingest s | embed passages/s | section hit@1 | hit@3 | hit@5 |")
        print("|---|---|---|---|---|---|---|")
        for size in SIZES:
            settings = Settings(data_dir=Path(tmp) / f"data-{size}", index_dir=Path(tmp) / "index")
            start = time.perf_counter()
            ingest(
                posts,
                settings.passages_path,
                author="Andrej Karpathy",
                site_url="https://karpathy.github.io",
                words=size,
            )
            ingest_s = time.perf_counter() - start
            n = len(load_passages(settings.passages_path))
            start = time.perf_counter()
            searcher = load(settings)
            embed_s = time.perf_counter() - start
            hits = {k: 0 for k in (1, 3, 5)}
            for question, (stem, heading) in QUESTIONS.items():
                found = [h.record for h in searcher.search(question, k=20).hits if isinstance(h.record, Passage)]
                for k in hits:
                    hits[k] += section_hit(found[:k], stem, heading)
            q = len(QUESTIONS)
            print(
                f"| {size} | {n} | {ingest_s:.2f} | {n / embed_s:.0f} | {hits[1] / q:.2f} | {hits[3] / q:.2f} | "
                f"{hits[5] / q:.2f} |"
            )
        settings = Settings(data_dir=Path(tmp) / "data-120", index_dir=Path(tmp) / "index")
        answer = ask(load(settings), "how should I start training a new network?", k=5)
        print("\n" + answer.text)


if __name__ == "__main__":
    main()
