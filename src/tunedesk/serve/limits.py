"""Request limits: API keys on write and review routes, a request-size cap on the bytes received, and bounded
concurrency with a queue (503 past it)."""

from __future__ import annotations

import hmac
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING

from tunedesk.serve.errors import error_response

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOOPBACK = {"127.0.0.1", "::1", "localhost", "testclient"}


class Busy(Exception):
    """Every generation slot is taken and the queue is full."""


class Limiter:
    """At most `slots` requests generate at once; at most `queue` more wait; the rest are refused at once."""

    def __init__(self, slots: int, queue: int) -> None:
        self.slots, self.queue = slots, queue
        self._semaphore = threading.Semaphore(slots)
        self._lock = threading.Lock()
        self.admitted = 0
        self.refused = 0

    def admit(self) -> None:
        """Count a request in, or raise Busy (call before any work; pair with `leave`)."""
        with self._lock:
            if self.admitted >= self.slots + self.queue:
                self.refused += 1
                raise Busy(f"{self.admitted} requests in flight or queued")
            self.admitted += 1

    def leave(self) -> None:
        """Count a request out."""
        with self._lock:
            self.admitted -= 1

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one generation slot (blocks while all are taken); used inside worker threads."""
        self._semaphore.acquire()
        try:
            yield
        finally:
            self._semaphore.release()


class ApiKeys:
    """API keys from an environment variable (comma-separated). Without keys, write routes are loopback-only."""

    def __init__(self, env_var: str) -> None:
        self.env_var = env_var
        self.keys = [k.strip() for k in os.environ.get(env_var, "").split(",") if k.strip()]

    def allowed(self, authorization: str | None, api_key_header: str | None, client_host: str | None) -> bool:
        """True when the request carries a configured key (Bearer or X-API-Key), or no keys are set and the
        client is on loopback."""
        if not self.keys:
            return (client_host or "") in LOOPBACK
        offered = api_key_header or (authorization or "").removeprefix("Bearer ").strip()
        return any(hmac.compare_digest(offered.encode(), key.encode()) for key in self.keys)


class BodyTooLarge(Exception):
    """Raised inside `receive` once a request body passes the cap; BodyLimit answers 413 for it."""


class BodyLimit:
    """ASGI middleware: a request body over `max_bytes` is answered 413, whether it declares its size
    (Content-Length) or not (chunked): the bytes are counted as they arrive and reading stops at the cap, so no
    route, hence no backend, ever sees such a body."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        body = _CountedBody(receive, send, self.max_bytes)
        with suppress(BodyTooLarge):  # the app may also catch it: either way BodyLimit answers
            await self.app(scope, body.receive, body.send)
        if body.over and not body.started:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Connection: close, because the rest of the body is never read
        response = error_response(413, "too_large", f"request body over {self.max_bytes} bytes",
                                  {"Connection": "close"})
        await response(scope, receive, send)


class _CountedBody:
    """One request's receive and send as BodyLimit passes them on: bytes counted, and once over the cap whatever
    the app answers to the cut-short body is dropped (BodyLimit answers 413 instead)."""

    def __init__(self, receive: Receive, send: Send, max_bytes: int) -> None:
        self._receive, self._send, self.max_bytes = receive, send, max_bytes
        self.received, self.over, self.started = 0, False, False

    async def receive(self) -> Message:
        """The next message; BodyTooLarge once the body passes the cap."""
        message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.max_bytes:
                self.over = True
                raise BodyTooLarge(f"request body over {self.max_bytes} bytes")
        return message

    async def send(self, message: Message) -> None:
        """Pass the app's response on, unless the body was over the cap before it started."""
        if self.over and not self.started:
            return
        self.started = self.started or message["type"] == "http.response.start"
        await self._send(message)
