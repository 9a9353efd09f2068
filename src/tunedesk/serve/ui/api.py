"""The review app's JSON endpoints under /ui/api, called by its buttons: log in and out, review and rate a draft,
promote a model version through the gate or roll back. Every POST but the login needs the agent's session and its
CSRF token (401 / 403 without)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool

from tunedesk.eval.gate import promote as gate_promote
from tunedesk.serve.deps import AgentDep, ReplyLogDep, ServerDep, SessionsDep, WorkspaceDep
from tunedesk.serve.errors import ApiError
from tunedesk.serve.ui.session import COOKIE, UiAwareKeys, set_cookie
from tunedesk.store.model_registry import ModelRegistry

router = APIRouter(prefix="/ui/api")


class LoginBody(BaseModel):
    """The login form: the agent's name (shown on their reviews) and, when keys are configured, an API key."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = None
    key: str | None = None


class ReviewBody(BaseModel):
    """An agent's decision on a draft; `text` is the edited reply, kept exactly as typed."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["approve", "edit", "reject", "escalate"]
    text: str | None = None


class RateBody(BaseModel):
    """Thumbs up (true) or down (false)."""

    model_config = ConfigDict(extra="forbid")
    up: bool


class RollbackBody(BaseModel):
    """The version to bring back (default: the one production replaced last)."""

    model_config = ConfigDict(extra="forbid")
    to: str | None = None


@router.post("/login")
async def login(request: Request, body: LoginBody, server: ServerDep, sessions: SessionsDep) -> JSONResponse:
    """A session for the agent: from loopback without keys, else with a valid API key."""
    keys = server.keys.inner if isinstance(server.keys, UiAwareKeys) else server.keys
    offered = request.headers.get("x-api-key") or body.key
    host = request.client.host if request.client else None
    if not keys.allowed(None, offered, host):
        raise ApiError(401, "unauthorized", "that API key is not valid" if keys.keys else
                       "without API keys configured, only this machine (loopback) may log in")
    agent = (body.name or "").strip()[:64] or ("local" if not keys.keys else "agent")
    session, cookie = sessions.issue(agent)
    response = JSONResponse({"agent": session.agent})
    set_cookie(response, cookie, secure=request.url.scheme == "https")
    return response


@router.post("/logout")
async def logout(agent: AgentDep) -> JSONResponse:
    """End the session (the cookie is dropped)."""
    response = JSONResponse({"agent": agent, "logged_out": True})
    response.delete_cookie(COOKIE, path="/")
    return response


@router.post("/replies/{reply_id}/review")
async def review(reply_id: str, body: ReviewBody, agent: AgentDep, log: ReplyLogDep) -> dict[str, Any]:
    """Approve, edit, reject or escalate a pending draft (once)."""
    current = await run_in_threadpool(log.get, reply_id)
    if current.status != "pending":
        raise ApiError(409, "already_reviewed", f"reply {reply_id} is already {current.status}")
    if body.kind == "edit" and not (body.text or "").strip():
        raise ApiError(422, "invalid_request", "text: an edit needs the edited reply")
    # The edit is stored exactly as typed: leading and trailing whitespace are the agent's choice.
    done = await run_in_threadpool(log.review, reply_id, body.kind, text=body.text if body.kind == "edit"
                                   else None, actor=agent)
    return {"id": done.id, "status": done.status, "final_text": done.final_text, "reviewer": done.reviewer}


@router.post("/replies/{reply_id}/rate")
async def rate(reply_id: str, body: RateBody, agent: AgentDep, log: ReplyLogDep) -> dict[str, Any]:
    """Thumbs up or down on a served reply."""
    done = await run_in_threadpool(log.rate, reply_id, body.up, actor=agent)
    return {"id": done.id, "rating": done.rating, "status": done.status}


@router.post("/models/{version}/promote")
async def promote(version: str, agent: AgentDep, ws: WorkspaceDep) -> dict[str, Any]:
    """Make an evaluated version the production model, if it passes the gate."""
    result = await run_in_threadpool(gate_promote, ws, version, agent)
    return result.as_dict()


@router.post("/models/rollback")
async def rollback(body: RollbackBody, agent: AgentDep, ws: WorkspaceDep) -> dict[str, Any]:
    """Take production out and bring back the previous production version (or `to`)."""
    out, now = await run_in_threadpool(ModelRegistry(ws.store).rollback, body.to, agent)
    return {"archived": out.id, "production": now.id}
