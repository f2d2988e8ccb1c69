"""Ingest against hostile folders and documents: parallel runs, crafted Markdown, links out of the folder.

Each test is what a user would notice: a document lost, an ingest that never ends, a private file
ingested (and served) because a link in the folder pointed at it.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from app.cli import cli
from app.config import REPO_DIR
from app.corpus.ingest import ingest, load_passages

# Each run says it is ready (imported) and waits for the go file, so the three read the store at the same moment
PARALLEL = """
import sys, time
from pathlib import Path
from app.corpus.ingest import ingest
go, store, doc = map(Path, sys.argv[1:])
doc.with_suffix(".ready").touch()
while not go.exists():
    time.sleep(0.001)
print(ingest([doc], store).added)
"""


def python(code: str, *args, timeout: float) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO_DIR)}
    return subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        env=env,
        cwd=REPO_DIR,
        text=True,
        capture_output=True,
        timeout=timeout,
    )


def test_three_parallel_ingests_lose_no_document(tmp_path):
    store = tmp_path / "data" / "passages.jsonl"
    # a store that takes a moment to read, as a real one does: the old code lost a document in that moment
    big = tmp_path / "big.md"
    big.write_text("\n\n".join(f"Paragraph {i} about training neural networks slowly." for i in range(6000)))
    ingest([big], store)
    env = {**os.environ, "PYTHONPATH": str(REPO_DIR)}
    for trial in range(3):
        go = tmp_path / f"go{trial}"
        docs = []
        for i in range(3):
            docs.append(tmp_path / f"note{trial}-{i}.md")
            docs[-1].write_text(f"A note number {trial}-{i} about hiring people who love data.")
        runs = [
            subprocess.Popen(
                [sys.executable, "-c", PARALLEL, str(go), str(store), str(d)],
                env=env,
                cwd=REPO_DIR,
                text=True,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for d in docs
        ]
        deadline = time.monotonic() + 300
        while not all(d.with_suffix(".ready").exists() for d in docs) and time.monotonic() < deadline:
            time.sleep(0.01)
        go.touch()
        for run in runs:
            out, err = run.communicate(timeout=300)
            assert run.returncode == 0, err
        sources = {p.doc.source for p in load_passages(store)}
        assert {d.name for d in docs} <= sources, f"trial {trial}: lost {sorted({d.name for d in docs} - sources)}"
    assert "big.md" in {p.doc.source for p in load_passages(store)}


def test_a_megabyte_of_brackets_or_tags_ingests_in_seconds(tmp_path):
    """100 KB of `[` took 2 minutes to ingest; the 20 MB a file may be would have taken weeks."""
    docs = tmp_path / "docs"
    docs.mkdir()
    runs = ["[", "<", "![", "*a ", "[a](", "**a ", "`a "]  # brackets, tags, images, stars, links, bold, code
    for n, run in enumerate(runs):
        (docs / f"{n}.md").write_text("Some words first.\n\n" + run * (1_000_000 // len(run)) + "\n")
    store = tmp_path / "passages.jsonl"
    # a generous limit, not a timing assertion: the point is that it ends at all
    done = python(
        "import sys; from pathlib import Path; from app.corpus.ingest import ingest; "
        "print(len(ingest([Path(sys.argv[1])], Path(sys.argv[2])).added))",
        docs,
        store,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(len(runs))


def test_a_link_that_leaves_the_folder_is_refused_with_one_line(tmp_path):
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.md").write_text("My private zebra notes, never to be served.")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "post.md").write_text("Overfit a single batch first.")
    (docs / "notes.md").symlink_to(Path("..") / "outside" / "secret.md")
    env = {"ASK_KARPATHY_DATA_DIR": str(tmp_path / "data"), "ASK_KARPATHY_INDEX_DIR": str(tmp_path / "index")}
    result = CliRunner().invoke(cli, ["ingest", str(docs), "--author", "Andrej Karpathy"], env=env)
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert result.output.startswith("Error: links that leave the folder, not ingested: ")
    assert f"{docs / 'notes.md'} -> {tmp_path / 'outside' / 'secret.md'}" in result.output
    assert not (tmp_path / "data" / "passages.jsonl").exists()


def test_a_link_inside_the_folder_is_followed_and_a_pipe_is_skipped_with_a_line(tmp_path):
    docs = tmp_path / "docs"
    (docs / "drafts").mkdir(parents=True)
    (docs / "drafts" / "post.md").write_text("Overfit a single batch first.")
    (docs / "latest.md").symlink_to(Path("drafts") / "post.md")
    os.mkfifo(docs / "pipe.md")  # reading it would wait forever
    report = ingest([docs], tmp_path / "passages.jsonl")
    assert report.added == [str(docs / "drafts" / "post.md")]  # once, by its real path
    assert report.skipped == [f"{docs / 'pipe.md'}: not a regular file, skipped"]
