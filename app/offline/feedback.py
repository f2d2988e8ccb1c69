"""Feedback: the thumbs (and the optional "why") in the web chat go to a JSONL log; `ask-karpathy
feedback` reads it back as candidate eval questions.

One line per answer: its id, what was asked, how it was read, which records it cited, the vote (true,
false, or null once withdrawn) and why. A second click on the same answer replaces its line, so the log
holds each answer's last judgement once. The log is rewritten whole and atomically (app/storage.py), so
a crash leaves the old log or the new one; lines written before answers had ids are kept as they are.
"""
import json
import logging
import threading
from pathlib import Path

from app.storage import write_atomic

log = logging.getLogger(__name__)
# the server answers two events at once: two votes must not both rewrite the log from the same old copy
_lock = threading.Lock()
# The vote event can be called over raw HTTP with made-up answers, so the log keeps the newest this many
# judgements: a few MB at most, and every vote rewrites it in milliseconds
MAX_ANSWERS = 10_000


def save(path: Path, entry: dict) -> bool:
    """Record one judgement, replacing the line of the same answer_id if there is one. False if the log
    cannot be written: a read-only data dir costs the feedback, never the chat."""
    line, answer_id = json.dumps(entry, ensure_ascii=False), entry.get("answer_id")
    try:
        with _lock:
            path.parent.mkdir(parents=True, exist_ok=True)
            old = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
            others = [old_line for old_line in old if answer_id is None or _answer_id(old_line) != answer_id]
            kept = [*others, line][-MAX_ANSWERS:]
            write_atomic(path, ("\n".join(kept) + "\n").encode("utf-8"))
    except OSError as e:
        log.warning("feedback not saved to %s: %s", path, e)
        return False
    return True


def _answer_id(line: str):
    try:
        entry = json.loads(line)
    except json.JSONDecodeError:
        return None
    return entry.get("answer_id") if isinstance(entry, dict) else None


def read_latest(path: Path) -> tuple[list[dict], list[str]]:
    """Each answer's last judgement, in log order, and a warning per line that is not JSON.
    Raises FileNotFoundError when there is no log."""
    latest, warnings = {}, []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            entry = json.loads(line) if line.strip() else None
        except json.JSONDecodeError:
            warnings.append(f"warning: {path}:{n}: not JSON, skipped")
            continue
        if isinstance(entry, dict):
            # a follow-up is kept as it was searched ("... hiring? why?"), which is what eval will search
            question = entry.get("read_as") or entry.get("question")
            latest[entry.get("answer_id") or (question, entry.get("answer"))] = entry
    return list(latest.values()), warnings


def eval_candidates(entries: list[dict]) -> list[dict]:
    """One unlabelled eval line per disliked question: {"q", "ids": null, "note"}."""
    seen, lines = set(), []
    for entry in entries:
        question = entry.get("read_as") or entry.get("question")
        if entry.get("liked") is False and question and question not in seen:
            seen.add(question)
            note = f"disliked; answer cited {json.dumps(entry.get('cited_ids', []))}; label me"
            if entry.get("why"):
                note += f"; why: {entry['why']}"
            lines.append({"q": question, "ids": None, "note": note})
    return lines
