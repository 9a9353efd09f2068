"""The routes' shared dependencies, as `Annotated[..., Depends()]` aliases: a route names what it needs
(`responder: ResponderDep`) and a test replaces it with `app.dependency_overrides`."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from tunedesk.answer.pipeline import Responder
from tunedesk.config.serve import ServeConfig
from tunedesk.serve.errors import ApiError
from tunedesk.serve.settings import ServerState
from tunedesk.serve.ui.session import Sessions
from tunedesk.store.replies import ReplyLog
from tunedesk.workspace import Workspace


def server_state(request: Request) -> ServerState:
    """The running app's state."""
    return cast(ServerState, request.app.state.server)


ServerDep = Annotated[ServerState, Depends(server_state)]


def responder(server: ServerDep) -> Responder:
    """The Responder that answers tickets."""
    return server.settings.responder


def serve_config(server: ServerDep) -> ServeConfig:
    """The `serve` section the server runs with."""
    return server.settings.serve


def workspace(server: ServerDep) -> Workspace:
    """The served workspace (only the review app asks for it, and it is only mounted with one)."""
    if server.settings.workspace is None:
        raise ApiError(404, "not_found", "this server runs without a workspace: no review app")
    return server.settings.workspace


ResponderDep = Annotated[Responder, Depends(responder)]
ServeConfigDep = Annotated[ServeConfig, Depends(serve_config)]
WorkspaceDep = Annotated[Workspace, Depends(workspace)]


def reply_log(ws: WorkspaceDep) -> ReplyLog:
    """The workspace's log of served replies, as the review app reads and writes it."""
    return ReplyLog(ws.store)


def sessions(server: ServerDep) -> Sessions:
    """The review app's agent sessions."""
    if server.sessions is None:
        raise ApiError(404, "not_found", "this server runs without a workspace: no review app")
    return server.sessions


ReplyLogDep = Annotated[ReplyLog, Depends(reply_log)]
SessionsDep = Annotated[Sessions, Depends(sessions)]


def writing_agent(request: Request, found: SessionsDep) -> str:
    """The logged-in agent of a state-changing review-app request (401 without a session, 403 without its CSRF
    token)."""
    session = found.from_request(request)
    if session is None:
        raise ApiError(401, "unauthorized", "log in at /ui/login first")
    if not found.csrf_ok(request, session):
        raise ApiError(403, "csrf", "missing or wrong X-CSRF-Token header: reload the page")
    return session.agent


AgentDep = Annotated[str, Depends(writing_agent)]
