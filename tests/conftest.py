"""Shared fixtures: the real model and a real index, built once per test session in a temp dir."""
import shutil
from pathlib import Path

import pytest

from app.config import REPO_DIR, Settings
from app.search import Searcher

SEED = REPO_DIR.parent / "shared" / "seed" / "000_0a3db5bf44cf605c.txt"


@pytest.fixture(scope="session")
def settings(tmp_path_factory) -> Settings:
    root = tmp_path_factory.mktemp("ask-karpathy")
    return Settings(index_dir=root / "index", data_dir=root / "data")


@pytest.fixture(scope="session")
def searcher(settings) -> Searcher:
    return Searcher.load(settings)


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """A writable copy of the real corpus, for tests that break or edit it."""
    target = tmp_path / "corpus"
    shutil.copytree(REPO_DIR / "corpus", target)
    return target


@pytest.fixture(scope="session")
def seed_text() -> str:
    if not SEED.exists():
        pytest.skip(f"the seed document is not at {SEED} (../shared beside the checkout)")
    return SEED.read_text(encoding="utf-8")
