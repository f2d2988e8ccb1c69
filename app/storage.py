"""Crash-safe files for what is built from the corpus: atomic writes, one build at a time, load-or-build.

Everything in index/ (the FAISS index, the question encoder) and DATA_DIR (ingested passages) is written
through write_atomic, so a reader sees the old file or the new one, never half of one. Builds hold a
file lock, so two processes starting at once build once, not twice over each other.
"""

import atexit
import contextlib
import errno
import fcntl
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
TEMP_SUFFIX = ".tmp"
LOCK_FILE = ".build.lock"
# errors that mean "this directory cannot be written": a user can fix them, so they are one line, not a trace
# (EFBIG: a file-size limit, `ulimit -f`)
UNWRITABLE = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


class CannotWrite(OSError):
    """Something must be (re)built where it cannot be written; the message says what and why."""


def notify_stderr(message: str) -> None:
    """How a build says what it does and why: one line on stderr, never mixed into an answer."""
    print(message, file=sys.stderr)


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temp file beside `path`, fsync, rename: readers see the old file or the new one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _remove_leftovers(directory: Path) -> None:
    for leftover in directory.glob(f".*{TEMP_SUFFIX}"):
        leftover.unlink(missing_ok=True)


@contextlib.contextmanager
def build_lock(directory: Path):
    """Held while building anything in `directory`. A process killed mid-write leaves its temp file
    behind; whoever holds the lock next removes it, since no other build can be writing one."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / LOCK_FILE, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _remove_leftovers(directory)
        yield


def tidy(directory: Path) -> None:
    """Remove temp files left by a killed build, if no build is running now. An up-to-date start never
    builds, so without this a file left by a kill mid-export (436 MB) would stay until the next build."""
    if not any(directory.glob(f".*{TEMP_SUFFIX}")):
        return
    try:
        with open(directory / LOCK_FILE, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # never wait: a running build owns its files
            _remove_leftovers(directory)
    except OSError:  # a build holds the lock, or the directory is read-only: nothing to do now
        pass


def load_or_build(
    directory: Path, load: Callable[[], tuple[T | None, str]], build: Callable[[str], T], force: bool = False
) -> T:
    """What `load` finds if it is whole and up to date, else what `build` makes, given the reason.

    `load` returns (artifact, "up to date") or (None, why not). The first look is lock-free, so an
    up-to-date start never waits; a build looks again under the lock, because another process may have
    built it while this one waited."""
    load = _no_folders(load)
    if not force:
        found, reason = load()
        if found is not None:
            tidy(directory)
            return found
    try:
        with build_lock(directory):
            found, reason = load()
            if found is not None and not force:
                return found
            return build("forced" if force else reason)
    except OSError as e:
        if e.errno not in UNWRITABLE:
            raise
        why = "a rebuild was asked for" if force else reason
        raise CannotWrite(
            f"{directory} must be rebuilt ({why}) but cannot be written ({e.strerror}): make it "
            "writable, or point ASK_KARPATHY_INDEX_DIR at a writable directory"
        ) from None


def _no_folders(load: Callable[[], tuple[T | None, str]]) -> Callable[[], tuple[T | None, str]]:
    """`load`, with a folder where one of its files should be as one line (it was a traceback): neither
    loaded nor built over, since removing someone's folder is not a build's call."""

    def checked():
        try:
            return load()
        except IsADirectoryError as e:
            raise CannotWrite(f"{e.filename} is a folder where a file of the index should be; move it away") from None

    return checked


def torch_scratch() -> None:
    """Give torch's compiler cache a temp folder of this process's own, removed when it exits: otherwise
    every build left $TMPDIR/torchinductor_USER behind. Called before torch is first used."""
    if "TORCHINDUCTOR_CACHE_DIR" not in os.environ:
        scratch = tempfile.mkdtemp(prefix="ask-karpathy-torch-")
        os.environ["TORCHINDUCTOR_CACHE_DIR"] = scratch
        atexit.register(shutil.rmtree, scratch, True)
