"""The server's searcher, kept in step with the files it was loaded from.

`ingest` and `ingest --remove` change the passage store while a server runs; a removed private document
was answered until a restart, with no warning. Each request looks at the corpus files and the passage
store (a few stat calls); when one changed since the load, the searcher is loaded again (the index was
rebuilt by `ingest` already, or is rebuilt now under the build lock) before the request is answered.
If that fails, every request gets the reason until the files are fixed: never an answer from the old.
"""

import threading
from pathlib import Path

from app.config import Settings
from app.corpus.records import CorpusError
from app.retrieval.embedder import ModelNotInstalled
from app.retrieval.search import Searcher
from app.storage import CannotWrite
from app.load import load


class CorpusChanged(Exception):
    """The corpus or the passage store changed on disk and could not be loaded again; the message says why."""


def fingerprint(settings: Settings) -> tuple:
    """Name, size and modification time of every file a searcher is loaded from."""
    files = [settings.passages_path, *sorted(Path(settings.corpus_dir).glob("*.toml"))]
    seen = []
    for f in files:
        try:
            stat = f.stat()
            seen.append((str(f), stat.st_size, stat.st_mtime_ns))
        except OSError:
            seen.append((str(f), None, None))
    return tuple(seen)


class Live:
    def __init__(self, searcher: Searcher):
        self.searcher, self.settings = searcher, searcher.settings
        self.seen = fingerprint(self.settings)
        self._lock = threading.Lock()

    def get(self) -> Searcher:
        """The searcher of the files as they are now."""
        if fingerprint(self.settings) == self.seen:
            return self.searcher
        with self._lock:  # one reload, however many requests notice the change at once
            now = fingerprint(self.settings)
            if now != self.seen:
                try:
                    self.searcher = load(self.settings)
                except (CorpusError, CannotWrite, ModelNotInstalled) as e:
                    raise CorpusChanged(
                        f"The corpus changed on disk and cannot be loaded again ({e}); fix it, or restart the server."
                    ) from None
                self.seen = now
        return self.searcher
