"""Load test: 50 concurrent gradio_client users against a running `ask-karpathy serve`, on loopback only.

Each user asks its own questions through the public /ask endpoint for --seconds (bounded in time and
count) and checks that every reply is the answer to its own question (the question echoed back, and the
same top insight as a direct in-process search would give): nothing lost, nothing mixed up. Replies
turned away by the bounded queue ("Queue is full") are counted as busy, not as errors.

    .venv/bin/python bench/load.py                 # starts a server on a free port, stops it after
    .venv/bin/python bench/load.py --url http://127.0.0.1:7860
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import REPO_DIR  # noqa: E402
from app.offline.evaluate import load_questions, percentile  # noqa: E402
from app.load import load  # noqa: E402

MAX_REQUESTS_PER_USER = 10_000  # a bound on count as well as time


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    exe = Path(sys.executable).with_name("ask-karpathy")
    proc = subprocess.Popen(
        [str(exe), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # users ask the dev questions over and over: the server must embed each, not answer from what it remembers
        env={**os.environ, "ASK_KARPATHY_HOST": "127.0.0.1", "ASK_KARPATHY_REMEMBERED_QUESTIONS": "0"},
    )
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("the server did not start within 120 s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running server (loopback only); default: start one")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    if args.url and not args.url.startswith(("http://127.0.0.1", "http://localhost")):
        raise SystemExit("load tests only target this machine's loopback")

    from gradio_client import Client

    questions = [q.q for q in load_questions(REPO_DIR / "corpus" / "dev_questions.jsonl")]
    searcher = load()
    expected = {r.question: r.hits[0].record.id for r in searcher.search_many(questions, k=3)}
    server = None if args.url else start_server(port := free_port())
    url = args.url or f"http://127.0.0.1:{port}"
    lock = threading.Lock()
    latencies, errors = [], []
    counts = {"busy": 0, "mixed": 0}
    start = time.perf_counter()

    def user(n: int):
        client = Client(url, verbose=False)
        for i in range(MAX_REQUESTS_PER_USER):
            if time.perf_counter() - start > args.seconds:
                return
            question = questions[(n * 7 + i) % len(questions)]
            t0 = time.perf_counter()
            try:
                reply = json.loads(client.predict(question=question, k=3, theme="", api_name="/ask"))
            except Exception as e:  # whatever a user of the API would see, classified
                with lock:
                    if "queue is full" in str(e).lower():
                        counts["busy"] += 1
                    else:
                        errors.append(str(e)[:120])
                continue
            asked = " ".join(question.split())
            ok = reply["question"] == asked and reply["citations"][0]["id"] == expected[asked]
            with lock:
                latencies.append(time.perf_counter() - t0)
                counts["mixed"] += not ok

    try:
        threads = [threading.Thread(target=user, args=(n,)) for n in range(args.users)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
    elapsed = time.perf_counter() - start
    ms = sorted(x * 1000 for x in latencies)
    print(f"{args.users} users for {elapsed:.0f} s against {url}")
    print(
        f"requests answered {len(ms)}, busy (queue full) {counts['busy']}, errors {len(errors)}, "
        f"wrong or mixed-up answers {counts['mixed']}"
    )
    if ms:
        print(
            f"latency p50 {percentile(ms, 50):.0f} ms, p95 {percentile(ms, 95):.0f} ms, p99 {percentile(ms, 99):.0f} ms, "
            f"mean {statistics.mean(ms):.0f} ms; throughput {len(ms) / elapsed:.1f} answers/s"
        )
    for e in errors[:5]:
        print("error:", e)


if __name__ == "__main__":
    main()
