"""A bounded abuse run against `serve` on 127.0.0.1: what the server's memory and files are before and after.

Starts `ask-karpathy serve` on a free loopback port with a data and temp folder of its own, then sends,
one kind after another: oversized request bodies (declared, and chunked without a length), uploads,
forged votes carrying megabytes, votes on a real answer, and fresh sessions asking questions. Prints the
server's RSS and the sizes of its feedback log and temp folder before and after, one table (Markdown).
Everything goes to 127.0.0.1 only, and every loop is bounded in count.

    python bench/abuse.py [--rounds 1]
"""

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
from conftest import page_event  # noqa: E402  (the page's own events over raw HTTP, as the tests call them)

CLI = "import sys; from app.cli import main; sys.argv[0] = 'ask-karpathy'; main()"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def size_mb(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 1e6
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6 if path.exists() else 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def abuse(url: str, rounds: int, pid: int) -> tuple[dict[str, int], dict[str, float]]:
    """Each kind of abuse, bounded; returns how many requests of each kind got which status, and the
    server's RSS after each kind (MB)."""
    seen: dict[str, int] = {}
    rss: dict[str, float] = {}

    def count(kind: str, status):
        seen[f"{kind}: {status}"] = seen.get(f"{kind}: {status}", 0) + 1
        rss[kind] = rss_mb(pid)

    with httpx.Client(timeout=120) as http:
        asked = page_event(url, "submit", ["hiring", [], 3, "", "extractive"], session="real", http=http)
        real = asked["output"]["data"][1]
        for _ in range(rounds):
            for _ in range(10):  # 20 MB bodies with their length declared
                try:
                    count("20 MB body", http.post(url + "gradio_api/queue/join", content=b"x" * 20_000_000).status_code)
                except httpx.TransportError as e:  # the server may close before the client finished sending
                    count("20 MB body", type(e).__name__)
            for _ in range(5):  # 20 MB sent in chunks, no length
                chunks = (b"x" * 1_000_000 for _ in range(20))
                try:
                    count("20 MB chunked", http.post(url + "gradio_api/queue/join", content=chunks).status_code)
                except httpx.TransportError as e:
                    count("20 MB chunked", type(e).__name__)
            for n in range(200):  # uploads
                count(
                    "upload",
                    http.post(url + "gradio_api/upload", files={"files": (f"{n}.txt", b"x" * 60_000)}).status_code,
                )
            for n in range(50):  # forged votes: made-up answers with 0.5 MB of question and note
                forged = {**real[0], "id": f"forged{n:06d}", "question": "q" * 500_000, "why": "w" * 500_000}
                voted = page_event(
                    url, "vote", [[forged]], {"turn": forged["id"], "liked": False}, session=f"f{n}", http=http
                )
                count("forged vote", voted.get("msg", voted.get("status_code")))
            for n in range(100):  # votes on the real answer, with a 0.5 MB note
                swapped = [{**real[0], "why": "w" * 500_000}]
                voted = page_event(
                    url, "vote", [swapped], {"turn": real[0]["id"], "liked": n % 2 == 0}, session="real", http=http
                )
                count("vote on a real answer", voted.get("msg", voted.get("status_code")))
            for n in range(100):  # fresh sessions, each asking
                asked = page_event(
                    url, "submit", ["data engine", [], 3, "", "extractive"], session=f"s{time.time_ns()}{n}", http=http
                )
                count("fresh session question", asked.get("msg", asked.get("status_code")))
    return seen, rss


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="ask-karpathy-abuse-"))
    (root / "tmp").mkdir()
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "ASK_KARPATHY_DATA_DIR": str(root / "data"),
        "TMPDIR": str(root / "tmp"),
    }
    server = subprocess.Popen(
        [sys.executable, "-c", CLI, "serve", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 300
        while True:
            assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
            try:
                httpx.get(url + "gradio_api/info", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.5)
        log, temp = root / "data" / "feedback.jsonl", root / "tmp"
        before = (rss_mb(server.pid), size_mb(log), size_mb(temp))
        started = time.monotonic()
        seen, rss = abuse(url, args.rounds, server.pid)
        took = time.monotonic() - started
        after = (rss_mb(server.pid), size_mb(log), size_mb(temp))
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)
    left = size_mb(root / "tmp")
    shutil.rmtree(root, ignore_errors=True)
    print(f"abuse run: {args.rounds} round(s), {took:.0f} s, to {url}\n")
    print("| what | before | after |\n|---|---|---|")
    print(f"| server RSS | {before[0]:.0f} MB | {after[0]:.0f} MB |")
    print(f"| feedback.jsonl | {before[1]:.3f} MB | {after[1]:.3f} MB |")
    print(f"| Gradio temp folder | {before[2]:.3f} MB | {after[2]:.3f} MB (after stop: {left:.3f} MB) |")
    print("\n| request | answered | count | server RSS after them |\n|---|---|---|---|")
    for key, n in seen.items():
        kind, status = key.rsplit(": ", 1)
        print(f"| {kind} | {status} | {n} | {rss[kind]:.0f} MB |")


if __name__ == "__main__":
    main()
