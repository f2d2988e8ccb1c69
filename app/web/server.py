"""Running the web chat as a server: check the address, say what it exposes, launch, clean up.

The app itself (app/web/app.py) is the same wherever it listens; what changes with the address is who can
reach it. On loopback that is this machine only. Anywhere else the chat, its API and the MCP tool are
open to the network, so `serve` says so on stderr and takes a password (--auth) for them.
"""

import errno
import os
import shutil
import signal
import socket
import sys
import tempfile

from app.config import get_settings
from app.load import load

LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class CannotListen(OSError):
    """The chosen host and port cannot be bound; the message says what to do instead."""


def exposure_warning(host: str, port: int, auth: tuple[str, str] | None) -> str | None:
    """What a listener on a non-loopback address opens to the network, in one line (None on loopback)."""
    if host in LOOPBACK or host.startswith("127."):
        return None
    guard = "behind the --auth password" if auth else "with no password (add --auth USER:PASSWORD)"
    return (
        f"serve: warning: listening on {host}:{port}: anyone who can reach it can use the chat page, the API "
        f"(/ask, /search, /what_would_karpathy_say) and the MCP tool (/gradio_api/mcp/), {guard}"
    )


def check_port(host: str, port: int) -> None:
    """Fail at once, before the model loads, if the server could not listen on host:port."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        # what the server itself sets, so a port left in TIME_WAIT by a stopped server counts as free
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as e:
            hint = (
                f"is another server running? Try another port, e.g. --port {port + 1}"
                if e.errno == errno.EADDRINUSE
                else "check --host"
            )
            raise CannotListen(f"cannot listen on {host}:{port} ({e.strerror}); {hint}") from None


def serve(host: str | None = None, port: int | None = None, auth: tuple[str, str] | None = None) -> None:
    """Load the index and serve the chat until interrupted (host and port default to the settings).
    Gradio's temp files (uploads, its cache) go to a folder of this run's own, removed when it stops."""
    settings = get_settings()
    host, port = host or settings.host, port or settings.port
    check_port(host, port)
    warning = exposure_warning(host, port, auth)
    if warning:
        print(warning, file=sys.stderr)
    temp_dir = tempfile.mkdtemp(prefix="ask-karpathy-gradio-")
    os.environ["GRADIO_TEMP_DIR"] = temp_dir  # read when the app is built and launched, not at import
    # SIGTERM (a service manager's stop, `kill`) ends Python without running `finally`: the temp folder
    # was left behind. Made an ordinary exit, it is removed as on Ctrl-C.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    try:
        from app.web.app import build_app, launch  # Gradio: imported only to serve

        launch(build_app(load(settings)), host, port, auth=auth)
    finally:
        shutil.rmtree(temp_dir, ignore_errors=True)
