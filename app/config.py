"""Settings: every knob in one place, read from ASK_KARPATHY_* environment variables.

Defaults work from a checkout with no configuration at all.
"""
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_DIR = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASK_KARPATHY_")

    corpus_dir: Path = REPO_DIR / "corpus"
    index_dir: Path = REPO_DIR / "index"
    # feedback log and other run-time data; outside the package so a reinstall loses nothing
    data_dir: Path = Path.home() / ".local" / "share" / "ask-karpathy"
    # a name from app.embedder.KNOWN_MODELS, or a path to a sentence-transformers model directory
    model: str = "all-MiniLM-L6-v2"
    top_k: int = 3
    # questions longer than this are refused before anything is embedded
    max_question_chars: int = 2000


def get_settings() -> Settings:
    return Settings()
