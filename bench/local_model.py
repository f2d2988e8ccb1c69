"""Local-model answers over the dev set: latency, speed, and how much of the model's text survives checking.

For each backend (the in-process GGUF model, and the same model behind a real `llama_cpp.server` on
127.0.0.1 that this script starts and stops) it answers the held-out half of the dev set (even lines of
corpus/dev_questions.jsonl, on-topic only; bench/calibrate_support.py uses the odd lines) through the
app's own path (search, then app.local.answer.stream_answer) after one warm-up question, and prints:
time to first token (from the question, search included), tokens/s (streamed pieces per second after
the first), total answer time, share of model sentences kept, share of answers that fell back.

    .venv/bin/python bench/local_model.py [--questions 20] [--backend llama-cpp|http] [--base-url URL]
"""

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import REPO_DIR, Settings  # noqa: E402
from app.offline.evaluate import load_questions  # noqa: E402
from app.local.backends import get_backend, packaged_gguf  # noqa: E402
from app.answering.conversation import current_turn  # noqa: E402
from app.local.answer import stream_answer  # noqa: E402
from app.load import load  # noqa: E402


def run(searcher, backend, questions, max_tokens) -> dict:
    first, speed, total, kept, checked, fell_back = [], [], [], 0, 0, 0
    for q in questions:
        start = time.perf_counter()
        stamps = []
        for event in stream_answer(current_turn(searcher, q), searcher, backend, max_tokens):
            if event.kind == "token":
                stamps.append(time.perf_counter() - start)
            elif event.kind == "answer":
                answer = event.answer
        total.append(time.perf_counter() - start)
        if stamps:
            first.append(stamps[0])
            if len(stamps) > 1 and stamps[-1] > stamps[0]:
                speed.append((len(stamps) - 1) / (stamps[-1] - stamps[0]))
        kept += sum(c.kept for c in answer.local.checks)
        checked += len(answer.local.checks)
        fell_back += answer.mode != "local"
    return {
        "first": first,
        "speed": speed,
        "total": total,
        "kept": kept / max(checked, 1),
        "sentences": checked,
        "fell_back": fell_back / len(questions),
    }


def p90(values):
    return sorted(values)[max(0, round(0.9 * len(values)) - 1)]


def start_server(threads: int) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(packaged_gguf()),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_threads",
            str(threads),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(f"{url}/models", timeout=2).close()
            return process, url
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise SystemExit("llama_cpp.server did not start") from None
            time.sleep(0.5)


def print_row(name: str, r: dict) -> None:
    print(
        f"| {name} | {statistics.median(r['first']):.2f} / {p90(r['first']):.2f} "
        f"| {statistics.median(r['speed']):.0f} "
        f"| {statistics.median(r['total']):.2f} / {p90(r['total']):.2f} "
        f"| {r['kept']:.0%} of {r['sentences']} | {r['fell_back']:.0%} |",
        flush=True,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument(
        "--backend",
        choices=["llama-cpp", "http"],
        action="append",
        help="only this backend (repeatable; default: both)",
    )
    parser.add_argument("--base-url", help="an OpenAI-compatible server already running (default: start one)")
    args = parser.parse_args()
    backends = args.backend or ["llama-cpp", "http"]
    # a SIGTERM (e.g. from `timeout`) must still stop the server this script starts: exit through finally
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))

    settings = Settings()
    searcher = load(settings)
    dev = load_questions(REPO_DIR / "corpus" / "dev_questions.jsonl")
    questions = [dq.q for dq in dev[0::2] if dq.ids][: args.questions]
    warm_up = "what would Karpathy say about looking at your data?"
    threads = settings.llm_threads or os.cpu_count()

    print(
        f"{len(questions)} on-topic dev questions (held-out half), {threads} threads, max_tokens "
        f"{settings.llm_max_tokens}, load average at start {os.getloadavg()[0]:.1f}; warm runs\n"
    )
    print(
        "| backend | first token median / p90 (s) | tokens/s median | total median / p90 (s) "
        "| sentences kept | answers fell back |"
    )
    print("| --- | --- | --- | --- | --- | --- |", flush=True)
    if "llama-cpp" in backends:
        start = time.perf_counter()
        in_process = get_backend(settings)
        load_seconds = time.perf_counter() - start
        run(searcher, in_process, [warm_up], settings.llm_max_tokens)
        print_row(
            f"in-process ({in_process.label}, loaded in {load_seconds:.2f} s)",
            run(searcher, in_process, questions, settings.llm_max_tokens),
        )
    if "http" in backends:
        server, url = (None, args.base_url) if args.base_url else start_server(threads)
        try:
            http = get_backend(settings.model_copy(update={"local_backend": "http", "llm_base_url": url}))
            run(searcher, http, [warm_up], settings.llm_max_tokens)
            print_row(f"HTTP ({http.label}, llama_cpp.server)", run(searcher, http, questions, settings.llm_max_tokens))
        finally:
            if server:
                server.terminate()
                server.wait(timeout=30)
    print(f"\nload average at end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
