"""/v1/summaries: a thread summarised for the agent who takes it over."""

from __future__ import annotations

from fastapi import APIRouter

from tunedesk.serve.deps import ServeConfigDep
from tunedesk.serve.schemas import SummaryRequest
from tunedesk.serve.summaries import summarise

router = APIRouter()


@router.post("/v1/summaries")
async def summaries(body: SummaryRequest, serve: ServeConfigDep) -> dict[str, str | int]:
    """The thread's most telling sentences, within `max_words` (default `serve.summary_words`)."""
    thread = [m for m in (x.chat() for x in body.messages) if m]
    found = summarise(thread, body.max_words or serve.summary_words)
    return {"summary": found.text, "words": found.words, "method": "extractive"}
