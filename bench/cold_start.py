"""Cold start: from process start to the first answer, for `ask-karpathy ask` and `ask-karpathy serve`.

Each run is a fresh process on an index that is already up to date (built once, untimed, in a temp
dir): wall time and peak RSS of the CLI `ask`; the same steps split up (imports, index, query embedder,
BM25, answer) as app.load.load does them; `serve` started on a free port on 127.0.0.1, polled until it
listens and asked once through /ask with gradio_client, then stopped by its PID; and what the imports
cost (python -X importtime). Goal (issue 7): a served answer within 4 s of starting the process. Served
throughput under many users is bench/load.py's.

    .venv/bin/python bench/cold_start.py
"""

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.machine import header  # noqa: E402

VENV_BIN = Path(sys.executable).parent
CLI = str(VENV_BIN / "ask-karpathy")
QUESTION = "What would Karpathy say about looking at your data?"
RUNS = 5
SERVE_TIMEOUT = 120

# The CLI's `ask` with a timestamp after each step (seconds since the epoch, compared with the parent's
# clock at spawn): where the time before the first answer goes. The steps are app.load.load's; the last
# line fails the bench if the start was not the fast one (an up-to-date index never imports torch).
STEPS = """
import sys, time; marks = [time.time()]
from app.answering.conversation import ask; from app.config import get_settings; from app.corpus.records import load_corpus
from app.retrieval.index import ensure_index; from app.retrieval.embedder import query_embedder; from app.corpus.ingest import load_passages; from app.retrieval.search import embedded
from app.retrieval.search import Searcher
marks.append(time.time())
settings = get_settings(); corpus = load_corpus(settings.corpus_dir, load_passages(settings.passages_path))
index = ensure_index(*embedded(corpus), settings.model, settings.index_dir); marks.append(time.time())
embedder = query_embedder(settings.model, settings.index_dir); marks.append(time.time())
searcher = Searcher(corpus, embedder, index, settings); marks.append(time.time())
ask(searcher, {question!r}); marks.append(time.time())
print(*marks)
assert "torch" not in sys.modules, "the start imported torch"
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(args: list[str], env: dict) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB and stdout of one child process."""
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=err, text=True)
        out = child.stdout.read()
        _, status, usage = os.wait4(child.pid, 0)  # this child's own rusage, peak RSS included
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode:
            err.seek(0)
            raise SystemExit(f"{' '.join(args[:3])} failed:\n{err.read()}")
    return wall, usage.ru_maxrss / 1024, out


def step_times(env: dict) -> list[float]:
    spawned = time.time()
    _, _, out = run([sys.executable, "-c", STEPS.format(question=QUESTION)], env)
    marks = [spawned] + [float(x) for x in out.split()]
    return list(np.diff(marks))


@contextlib.contextmanager
def server(env: dict):
    """`ask-karpathy serve` on a free port of 127.0.0.1, listening; stopped by its PID on the way out.
    Yields (port, pid)."""
    port = free_port()
    log = tempfile.TemporaryFile("w+")  # a file, not a pipe: a pipe nobody reads can fill and block the server
    process = subprocess.Popen([CLI, "serve", "--port", str(port)], env=env, stdout=log, stderr=log, text=True)
    start = time.perf_counter()
    try:
        # poll with a bare connect (cheap: the poller must not steal CPU from the starting server)
        while True:
            if process.poll() is not None:
                log.seek(0)
                raise SystemExit(f"serve exited early:\n{log.read()}")
            if time.perf_counter() - start > SERVE_TIMEOUT:
                raise SystemExit(f"serve did not listen within {SERVE_TIMEOUT} s")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield port, process.pid
    finally:
        process.terminate()  # by its PID: never by name
        process.wait(timeout=30)
        log.close()


def peak_rss_mb(pid: int) -> float:
    return int(re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())[1]) / 1024


def serve_once(env: dict) -> tuple[float, float]:
    """Seconds from spawning `serve` to its first /ask answer, and its peak RSS in MB."""
    from gradio_client import Client

    start = time.perf_counter()
    with server(env) as (port, pid):
        answer = Client(f"http://127.0.0.1:{port}/", verbose=False).predict(question=QUESTION, api_name="/ask")
        wall = time.perf_counter() - start
        answer = json.loads(answer) if isinstance(answer, str) else answer  # /ask answers the contract as JSON text
        assert answer["citations"], answer
        return wall, peak_rss_mb(pid)


def top_imports(args: list[str], env: dict, n: int = 8) -> list[tuple[str, float]]:
    """The packages whose import took longest in `python -X importtime ARGS`: cumulative seconds of each
    package's first import, wherever it happened (nested ones overlap: torch is inside transformers)."""
    child = subprocess.run([sys.executable, "-X", "importtime", *args], env=env, capture_output=True, text=True)
    costs = {}
    for line in child.stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \| ( *)([\w.]+)$", line)
        if m and "." not in m[3] and not m[3].startswith("_"):  # a package root, not a submodule
            costs[m[3]] = int(m[1]) / 1e6
    return sorted(costs.items(), key=lambda kv: -kv[1])[:n]


def stats(values: list[float]) -> str:
    return f"{np.median(values):.2f} (min {min(values):.2f}, max {max(values):.2f})"


def main():
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "ASK_KARPATHY_INDEX_DIR": f"{tmp}/index",
            "ASK_KARPATHY_DATA_DIR": f"{tmp}/data",
            "GRADIO_ANALYTICS_ENABLED": "False",
        }
        subprocess.run([CLI, "index"], env=env, check=True, capture_output=True)  # up to date before timing

        steps = [step_times(env) for _ in range(RUNS)]
        asks = [run([CLI, "ask", QUESTION], env) for _ in range(RUNS)]
        ask_peak = max(peak for _, peak, _ in asks)
        serves = [serve_once(env) for _ in range(RUNS)]
        ask_imports = top_imports(
            ["-c", "import sys; from app.cli import cli; cli(sys.argv[1:])", "ask", QUESTION], env
        )
        serve_imports = top_imports(["-c", "import app.web.app"], env)

    print(header("Cold start: process start to first answer"))
    print(
        f"Median of {RUNS} fresh processes each (min, max), seconds; the index is up to date. Question: {QUESTION!r}\n"
    )
    print("| what | seconds | peak RSS MB |")
    print("|---|---|---|")
    print(f"| `ask-karpathy ask` (CLI), whole process | {stats([w for w, _, _ in asks])} | {ask_peak:.0f} |")
    print(
        f"| `ask-karpathy serve`, spawn to first /ask answer (goal <= 4 s) | {stats([w for w, _ in serves])} | "
        f"{max(p for _, p in serves):.0f} |"
    )
    names = [
        "interpreter start",
        "app imports (pydantic, FAISS...)",
        "corpus + index loaded (no rebuild)",
        "query embedder (ONNX Runtime import + load)",
        "BM25 (bm25s import + index)",
        "first answer",
    ]
    print("\n| `ask` step by step | seconds |")
    print("|---|---|")
    for name, values in zip(names, zip(*steps)):
        print(f"| {name} | {stats(list(values))} |")
    for title, imports in (("`ask-karpathy ask`", ask_imports), ("`import app.web.app` (serve)", serve_imports)):
        print(f"\n| slowest top-level imports of {title} | seconds |")
        print("|---|---|")
        for name, seconds in imports:
            print(f"| {name} | {seconds:.2f} |")


if __name__ == "__main__":
    main()
