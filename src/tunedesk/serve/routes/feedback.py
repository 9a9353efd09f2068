"""/v1/feedback: an agent's review (approve, edit, reject, escalate) or rating of a served reply."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from tunedesk.serve.deps import ResponderDep
from tunedesk.serve.errors import ApiError
from tunedesk.serve.schemas import FeedbackRequest

router = APIRouter()


@router.post("/v1/feedback")
async def feedback(body: FeedbackRequest, responder: ResponderDep) -> dict[str, str | int | None]:
    """Record the feedback against the logged reply; its new status and rating."""
    log = responder.log
    if log is None:
        raise ApiError(404, "not_found", "this server keeps no reply log")
    if body.kind == "edit" and not (body.text or "").strip():
        raise ApiError(422, "invalid_request", "text: an edit needs the edited reply")
    if body.kind in ("thumbs_up", "thumbs_down"):
        reply = await run_in_threadpool(log.rate, body.reply_id, body.kind == "thumbs_up", actor=body.actor,
                                        note=body.text)
    else:
        reply = await run_in_threadpool(log.review, body.reply_id, body.kind, text=body.text, actor=body.actor)
    return {"reply_id": reply.id, "status": reply.status, "rating": reply.rating}
