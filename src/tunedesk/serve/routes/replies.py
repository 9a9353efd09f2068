"""/v1/replies: one ticket's thread in, the checked reply and its routing decision out (or streamed as SSE)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from tunedesk.serve.deps import ServerDep
from tunedesk.serve.replying import reply_events, respond, sse, stream_reply, ticket_from
from tunedesk.serve.schemas import ReplyRequest

router = APIRouter()


@router.post("/v1/replies", response_model=None)
async def replies(body: ReplyRequest, server: ServerDep) -> dict[str, Any] | StreamingResponse:
    """The reply, its decision (auto_send, draft, escalate, refuse), confidence and reasons."""
    ticket = ticket_from(body.ticket_id, body.messages, body.category, body.metadata)
    if body.stream:
        return sse(server, stream_reply(server, ticket, reply_events))
    result = await run_in_threadpool(respond, server, ticket)
    return result.as_dict()
