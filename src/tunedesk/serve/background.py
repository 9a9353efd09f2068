"""An app served by uvicorn on a loopback port in a background thread: for tests, benchmarks and notebooks that
need a real HTTP server next to their own code (`tunedesk serve` runs uvicorn in the foreground instead)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.types import ASGIApp


@contextmanager
def serving(app: ASGIApp, host: str = "127.0.0.1", timeout_s: float = 10.0) -> Iterator[str]:
    """Serve `app` on a free port of `host` while the block runs; yields its base URL."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host=host, port=0, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout_s
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"uvicorn did not start on {host} within {timeout_s:g} s")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(5)
