"""The OpenAI-compatible routes: /v1/models and /v1/chat/completions (streaming and not). Every chat goes through
the same guardrails and routing as /v1/replies; the decision travels in the extension field `tunedesk` (on the
response, or on the final chunk before `data: [DONE]`)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from tunedesk.records import ReplyResult
from tunedesk.serve.deps import ResponderDep, ServerDep
from tunedesk.serve.replying import respond, sse, stream_reply, ticket_from
from tunedesk.serve.schemas import ChatRequest

router = APIRouter()


@router.get("/v1/models")
async def models(responder: ResponderDep) -> dict[str, Any]:
    """The one model served, as OpenAI lists models."""
    version = responder.model_version or "tunedesk"
    return {"object": "list", "data": [{"id": version, "object": "model", "created": 0, "owned_by": "tunedesk"}]}


@router.post("/v1/chat/completions", response_model=None)
async def chat(body: ChatRequest, server: ServerDep) -> dict[str, Any] | StreamingResponse:
    """A chat completion (or its chunks) through the guardrails and routing; the decision in `tunedesk`."""
    meta = body.metadata or {}
    ticket = ticket_from(str(meta.get("ticket_id") or body.user or "") or None, body.messages,
                         meta.get("category"), meta)
    model = server.settings.responder.model_version or body.model or "tunedesk"
    chat_id = f"chatcmpl-{uuid.uuid4().hex}"
    if body.stream:
        return sse(server, stream_reply(server, ticket, _ChunkWriter(chat_id, model)))
    result = await run_in_threadpool(respond, server, ticket)
    return {"id": chat_id, "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": result.reply},
                         "finish_reason": "stop", "logprobs": None}],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
            "tunedesk": extension(result)}


def extension(result: ReplyResult) -> dict[str, Any]:
    """Our decision fields, as they travel on OpenAI-shaped responses."""
    data = result.as_dict()
    return {k: data[k] for k in ("id", "ticket_id", "decision", "confidence", "confidence_score", "escalate",
                                 "reasons", "category", "sources", "model_version", "latency_ms", "reply")}


class _ChunkWriter:
    """Turns stream pieces into `chat.completion.chunk` SSE lines."""

    def __init__(self, chat_id: str, model: str) -> None:
        self.chat_id, self.model, self.created = chat_id, model, int(time.time())
        self.started = False

    def __call__(self, piece: str | ReplyResult, streamed: bool) -> Iterator[str]:
        if not self.started:
            self.started = True
            yield self._chunk({"role": "assistant", "content": ""})
        if isinstance(piece, ReplyResult):
            if not streamed and piece.reply:  # nothing was generated (escalated, refused): send the reply itself
                yield self._chunk({"content": piece.reply})
            yield self._chunk({}, finish_reason="stop", extra={"tunedesk": extension(piece)})
            yield "data: [DONE]\n\n"
        else:
            yield self._chunk({"content": piece})

    def _chunk(self, delta: dict[str, Any], finish_reason: str | None = None,
               extra: dict[str, Any] | None = None) -> str:
        body = {"id": self.chat_id, "object": "chat.completion.chunk", "created": self.created, "model": self.model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}],
                **(extra or {})}
        return f"data: {json.dumps(body)}\n\n"
