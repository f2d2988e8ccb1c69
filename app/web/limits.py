"""What a client may send, checked before Gradio reads a byte of it: one ASGI middleware in front of
every route.

Gradio parses a request's whole body before its own checks: 22 bodies of 100 MB took the server from
357 MB to 3.76 GB, never given back. Here a body larger than the limit is refused with 413 from its
Content-Length, or as soon as it grows past the limit when it has none. Uploads are off (nothing on the
page or in the API takes a file; 3,582 were accepted in 15 s, from another origin's page too). On
loopback, a request must name a loopback host: a page on the web whose name resolves to 127.0.0.1 (DNS
rebinding) would otherwise reach the chat from the user's own browser. Failed logins are slowed down
per client, then refused for a while, so a password cannot be guessed at hundreds a second. Behind
--auth, the login page carries no API description (Gradio embedded all of it for anyone).
"""

import asyncio
import json
import re
import time

UPLOAD_PATHS = ("/gradio_api/upload", "/upload")
LOGIN_API_INFO = re.compile(rb"gradio_api_info = [^\n]*;")  # one line: the JSON is written without newlines
LOOPBACK_NAMES = {"127.0.0.1", "localhost", "[::1]", "::1"}
LOGIN_DELAY = 1.0  # seconds added to every failed login
LOGIN_FAILURES = 5  # failed logins from one client before it is locked out
LOGIN_LOCKOUT = 60.0  # seconds
MAX_CLIENTS = 10_000  # addresses whose failed logins are remembered at once


class RequestLimits:
    def __init__(self, app, max_body: int, loopback: bool, auth: bool = False):
        self.app, self.max_body, self.loopback, self.auth = app, max_body, loopback, auth
        self.failures: dict[str, list[float]] = {}  # client address -> times of its recent failed logins

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        path = scope["path"]
        if self.loopback and _host_name(headers.get("host", "")) not in LOOPBACK_NAMES:
            return await _refuse(send, 421, "This server answers only requests addressed to 127.0.0.1 or localhost.")
        if scope["method"] == "POST" and path.rstrip("/").endswith(UPLOAD_PATHS):
            return await _refuse(send, 403, "Uploads are off: nothing on this server takes a file.")
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body:
            return await _refuse(send, 413, self.too_big())
        if "content-length" not in headers and scope["method"] in ("POST", "PUT", "PATCH"):
            receive = await self.read_whole(receive)
            if receive is None:
                return await _refuse(send, 413, self.too_big())
        if path.rstrip("/") == "/login" and scope["method"] == "POST":
            return await self.login(scope, receive, send)
        if self.auth and scope["method"] == "GET":
            return await self.app(scope, receive, without_api_description(send))
        await self.app(scope, receive, send)

    def too_big(self) -> str:
        return (
            f"The request is over {self.max_body / 1e6:g} MB, the limit for one request "
            "(ASK_KARPATHY_MAX_REQUEST_BYTES)."
        )

    async def read_whole(self, receive):
        """A body sent without its length, read here first up to the limit: a `receive` that hands it on
        whole, or None if it went past the limit."""
        messages, seen = [], 0
        while True:
            message = await receive()
            messages.append(message)
            seen += len(message.get("body", b""))
            if seen > self.max_body:
                return None
            if message["type"] != "http.request" or not message.get("more_body"):
                break

        async def replay():
            return messages.pop(0) if messages else await receive()

        return replay

    async def login(self, scope, receive, send):
        client = (scope.get("client") or ("?", 0))[0]
        now = time.monotonic()
        recent = [t for t in self.failures.get(client, []) if now - t < LOGIN_LOCKOUT]
        if len(recent) >= LOGIN_FAILURES:
            wait = LOGIN_LOCKOUT - (now - recent[0])
            return await _refuse(send, 429, f"Too many failed logins: try again in {wait:.0f} s.")
        status = {}

        async def watched(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                if message["status"] >= 400:  # a wrong password: answered only after a delay
                    await asyncio.sleep(LOGIN_DELAY)
            await send(message)

        await self.app(scope, receive, watched)
        if status.get("code", 500) >= 400:
            self.failures[client] = recent + [now]
            if len(self.failures) > MAX_CLIENTS:  # many addresses guessing: forget those no longer locked out
                self.failures = {c: t for c, t in self.failures.items() if now - t[-1] < LOGIN_LOCKOUT}
        else:
            self.failures.pop(client, None)


def without_api_description(send):
    """`send` for a page that, behind --auth, may be the login page: Gradio embeds the whole API
    description (every endpoint, its parameters and docstrings) in it even for a visitor who is not logged
    in. On a page whose config says a login is required, that description is emptied."""
    start, chunks = None, []

    async def filtered(message):
        nonlocal start
        if message["type"] == "http.response.start":
            headers = dict(message.get("headers", []))
            if not headers.get(b"content-type", b"").startswith(b"text/html"):
                return await send(message)  # not a page: passed on as it comes
            start = message
            return
        if start is None:
            return await send(message)
        chunks.append(message.get("body", b""))
        if message.get("more_body"):
            return
        body = b"".join(chunks)
        if b'"auth_required":true' in body:
            body = LOGIN_API_INFO.sub(b'gradio_api_info = {"named_endpoints": {}, "unnamed_endpoints": {}};', body)
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        await send({**start, "headers": headers + [(b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    return filtered


def is_loopback(host: str) -> bool:
    """Whether a listening address reaches this machine only."""
    return host in ("::1", "localhost") or host.startswith("127.")


def _host_name(host: str) -> str:
    """The name in a Host header, without its port ("[::1]:7860" -> "[::1]")."""
    if host.startswith("["):
        return host[: host.find("]") + 1]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


async def _refuse(send, status: int, message: str) -> None:
    body = json.dumps({"error": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
