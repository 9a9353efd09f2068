"""/v1/summaries: a thread summarised for the agent who takes it over — by the served model, every sentence checked
against the thread, or the extractive summary when a sentence is unsupported (the response says which)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from tunedesk.answer.summaries import ServedSummary, summarise_with_model
from tunedesk.serve.deps import ServerDep
from tunedesk.serve.replying import admit
from tunedesk.serve.schemas import SummaryRequest
from tunedesk.serve.settings import ServerState

router = APIRouter()


@router.post("/v1/summaries")
async def summaries(body: SummaryRequest, server: ServerDep) -> dict[str, Any]:
    """The summary (`method` model or extractive, `fallback` and the unsupported sentences when the model's was not
    served), within `max_words` (default `serve.summary_words`)."""
    serve = server.settings.serve
    thread = [m for m in (x.chat() for x in body.messages) if m]
    words = body.max_words or serve.summary_words
    if serve.summaries.mode == "extractive":  # no model, so no slot of the limiter
        return ServedSummary.extractive(thread, words).as_dict()
    try:
        served = await asyncio.wait_for(run_in_threadpool(_generate, server, thread, words),
                                        timeout=serve.backend.timeout_s)
    except TimeoutError:
        served = ServedSummary.extractive(thread, words, "model failed: timeout")
    return served.as_dict()


def _generate(server: ServerState, thread: list[dict[str, str]], words: int) -> ServedSummary:
    """The model's summary through the server's limiter (a worker thread)."""
    admit(server.limiter)
    try:
        with server.limiter.slot():
            return summarise_with_model(server.settings.responder.backend, thread, words,
                                        server.settings.serve.summaries)
    finally:
        server.limiter.leave()
