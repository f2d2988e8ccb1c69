"""How fast the web chat feels in a real browser: page load, a shared /?q= link, and a typed question.

Serves the app in-process on a free loopback port (the index in ./index, built if missing) and drives
Debian's chromium with Playwright, at a laptop's size. Prints median and range per row.

    .venv/bin/python bench/web_page.py [--runs 7]
"""

import argparse
import socket
import statistics
import time
from urllib.parse import quote

from playwright.sync_api import sync_playwright

import app.web.app as web
from app.config import get_settings
from app.load import load

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
QUESTIONS = [
    "how should I start training a neural network?",
    "what would Karpathy say about hiring?",
    "is AGI coming soon?",
    "how do I learn deep learning?",
    "what is the data engine?",
    "why look at your data first?",
    "what is Software 2.0?",
]
LEAD = "#conversation .turn:last-of-type .lead"


def row(name: str, seconds: list[float]) -> None:
    ms = sorted(s * 1000 for s in seconds)
    print(f"| {name} | {statistics.median(ms):.0f} ms | {ms[0]:.0f}–{ms[-1]:.0f} ms ({len(ms)} runs) |")


def main(runs: int) -> None:
    app = web.build_app(load(get_settings()))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    web.launch(app, "127.0.0.1", port, prevent_thread_lock=True, quiet=True)
    url = f"http://127.0.0.1:{port}/"
    opened, shared, typed = [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for i in range(runs):
            question = QUESTIONS[i % len(QUESTIONS)]
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            start = time.perf_counter()
            page.goto(url)
            page.wait_for_selector("#conversation .empty")
            opened.append(time.perf_counter() - start)
            page.fill("#question textarea", question)
            start = time.perf_counter()
            page.press("#question textarea", "Enter")
            page.wait_for_selector(LEAD)
            typed.append(time.perf_counter() - start)
            page.close()
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            start = time.perf_counter()
            page.goto(f"{url}?q={quote(question)}")
            page.wait_for_selector(LEAD)
            shared.append(time.perf_counter() - start)
            page.close()
        browser.close()
    app.close()
    print("| what (chromium, 1280x900) | median | range |\n|---|---|---|")
    row("open the page → ready to type", opened)
    row("Enter → the answer's first words (lead and cards arrive together)", typed)
    row("open a shared /?q= link → its answer shown", shared)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    main(parser.parse_args().runs)
