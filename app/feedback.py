"""Feedback: the thumbs in the web chat append to a JSONL log; `ask-karpathy feedback` reads it back as
candidate eval questions.

One line per click: what was asked, how it was read, which records the answer cited, the judgement.
The log is append-only, so a later click on the same answer changes or withdraws an earlier one when
it is read, and a line cut short by a crash costs that line, not the rest.
"""
import json
import logging
from pathlib import Path

log = logging.getLogger(__name__)


def save(path: Path, entry: dict) -> str:
    """Append one feedback line; return a short notice for the page."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")
    except OSError as e:
        # a read-only data dir costs the feedback, never the chat
        log.warning("feedback not saved to %s: %s", path, e)
        return f"Feedback could not be saved ({path} is not writable); the chat still works."
    return "Thanks: feedback saved."


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
            latest[question, entry.get("answer")] = entry
    return list(latest.values()), warnings


def eval_candidates(entries: list[dict]) -> list[dict]:
    """One unlabelled eval line per disliked question: {"q", "ids": null, "note"}."""
    seen, lines = set(), []
    for entry in entries:
        question = entry.get("read_as") or entry.get("question")
        if entry.get("liked") is False and question and question not in seen:
            seen.add(question)
            note = f"disliked; answer cited {json.dumps(entry.get('cited_ids', []))}; label me"
            lines.append({"q": question, "ids": None, "note": note})
    return lines
