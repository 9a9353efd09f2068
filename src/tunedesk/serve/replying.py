"""One ticket through the server, shared by /v1/replies and /v1/chat/completions: the request's thread as a
ticket, the limiter around the Responder, and streamed replies as server-sent events."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from fastapi.responses import StreamingResponse

from tunedesk.records import ReplyResult, TicketIn
from tunedesk.serve.errors import ApiError
from tunedesk.serve.limits import Busy, Limiter
from tunedesk.serve.schemas import ThreadMessage
from tunedesk.serve.settings import ServerState

INVISIBLE = str.maketrans("", "", "\u200b\u200c\u200d\u2060\ufeff\u00ad")
EventWriter = Callable[[str | ReplyResult, bool], Iterator[str]]
"""Turns a stream piece (a text delta, or the final ReplyResult) into SSE lines; the flag says whether text was
streamed before."""


def ticket_from(ticket_id: str | None, messages: list[ThreadMessage], category: str | None = None,
                metadata: dict[str, Any] | None = None) -> TicketIn:
    """A TicketIn from a request thread; it must end with a customer message that says something (422 if not).
    Blank turns before it are left out of the ticket."""
    thread = [m for m in (x.chat() for x in messages) if m]
    if not thread or thread[-1]["role"] != "user":
        raise ApiError(422, "invalid_request", "messages: the thread must end with a customer (user) message")
    if is_blank(thread[-1]["content"]):
        said = any(m["role"] == "user" and not is_blank(m["content"]) for m in thread)
        raise ApiError(422, "invalid_request", "messages: the last customer message is blank" + (
            "" if said else ", as is every customer message") + ": there is nothing to answer")
    return TicketIn(id=ticket_id or f"anon-{uuid.uuid4().hex}", messages=[m for m in thread if not is_blank(
        m["content"])], category=category, metadata=metadata or {})


def is_blank(text: str) -> bool:
    """True for empty text, or text of only whitespace and invisible characters (zero-width spaces, BOM)."""
    return not text.translate(INVISIBLE).strip()


def respond(server: ServerState, ticket: TicketIn) -> ReplyResult:
    """One ticket through the limiter and the Responder (runs in a worker thread)."""
    admit(server.limiter)
    try:
        with server.limiter.slot():
            result = server.settings.responder.respond(ticket)
    finally:
        server.limiter.leave()
    server.metrics.observe_reply(result.decision, result.latency_ms, result.overhead_ms)
    return result


def admit(limiter: Limiter) -> None:
    """Count the request in or answer 503."""
    try:
        limiter.admit()
    except Busy as exc:
        raise ApiError(503, "overloaded", f"the server is at capacity ({exc}); retry shortly",
                       {"Retry-After": "1"}) from None


def stream_reply(server: ServerState, ticket: TicketIn, events: EventWriter) -> Iterator[str]:
    """SSE lines for a streamed reply (a sync generator: Starlette runs it in a worker thread)."""
    try:
        with server.limiter.slot():
            streamed = False
            for piece in server.settings.responder.stream(ticket):
                if isinstance(piece, ReplyResult):
                    server.metrics.observe_reply(piece.decision, piece.latency_ms, piece.overhead_ms)
                else:
                    streamed = True
                yield from events(piece, streamed)
    finally:
        server.limiter.leave()


def reply_events(piece: str | ReplyResult, streamed: bool) -> Iterator[str]:
    """/v1/replies' stream: `data: {"delta": ...}` lines, then `event: decision` with the ReplyResult and [DONE]."""
    if isinstance(piece, ReplyResult):
        yield f"event: decision\ndata: {json.dumps(piece.as_dict())}\n\n"
        yield "data: [DONE]\n\n"
    else:
        yield f"data: {json.dumps({'delta': piece})}\n\n"


def sse(server: ServerState, lines: Iterator[str]) -> StreamingResponse:
    """A text/event-stream response; the limiter counts the request in before the stream starts."""
    admit(server.limiter)
    return StreamingResponse(lines, media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
