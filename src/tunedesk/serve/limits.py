"""Request limits: API keys on write and review routes, a request-size cap, and bounded concurrency with a
queue (503 past it)."""

from __future__ import annotations

import hmac
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

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
