"""Feedback: the thumbs (and the optional "why") in the web chat go to a JSONL log; `ask-karpathy
feedback` reads it back as candidate eval questions.

One line per judgement: the answer's id, what was asked, how it was read, which records it cited, the
vote (true, false, or null once withdrawn) and why. A vote is appended, never a rewrite of the whole log
(12 forged votes once made a 240 MB log that every vote rewrote, 9 s each); a second click on the same
answer adds a line, and readers keep each answer's last one. The log stays under a size of its own
(Settings.max_feedback_bytes): past it, it is compacted once, atomically (app/storage.py), to each
answer's last judgement, newest first, within half that size.
"""

import fcntl
import json
import logging
import threading
from pathlib import Path

from app.storage import write_atomic

log = logging.getLogger(__name__)
# the server answers two events at once, and `feedback` or a second server may read it meanwhile
_lock = threading.Lock()


def save(path: Path, entry: dict, max_bytes: int = 5_000_000) -> bool:
    """Append one judgement. False if the log cannot be written: a read-only data dir costs the
    feedback, never the chat."""
    line = (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8")
    try:
        with _lock:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "ab") as f:
                fcntl.flock(f, fcntl.LOCK_EX)  # another process appending or compacting waits
                f.write(line)
                f.flush()
                if f.tell() > max_bytes:
                    _compact(path, max_bytes // 2)
    except OSError as e:
        log.warning("feedback not saved to %s: %s", path, e)
        return False
    return True


def _compact(path: Path, budget: int) -> None:
    """Rewrite the log as each answer's last judgement, the newest that fit in `budget` bytes."""
    latest: dict = {}
    for n, line in enumerate(path.read_bytes().splitlines()):
        key = _answer_id(line) or n  # lines written before answers had ids are kept as they are
        latest.pop(key, None)
        latest[key] = line
    kept, size = [], 0
    for line in reversed(latest.values()):
        size += len(line) + 1
        if size > budget:
            break
        kept.append(line)
    write_atomic(path, b"".join(line + b"\n" for line in reversed(kept)))


def _answer_id(line: bytes):
    try:
        entry = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return entry.get("answer_id") if isinstance(entry, dict) else None


def read_latest(path: Path) -> tuple[list[dict], list[str]]:
    """Each answer's last judgement, in log order, and a warning per line that is not JSON.
    Raises FileNotFoundError when there is no log."""
    latest, warnings = {}, []
    for n, line in enumerate(path.read_bytes().splitlines(), 1):
        try:
            entry = json.loads(line) if line.strip() else None
        except (json.JSONDecodeError, UnicodeDecodeError):
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
