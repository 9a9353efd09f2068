"""The /ui pages and the JSON endpoints under /ui/api that their buttons call. Pages need an agent session
(else a redirect to /ui/login); every POST needs the session and its CSRF token (401 / 403 without)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool

from tunedesk.serve.app import ApiError
from tunedesk.serve.ui.session import COOKIE, Session, Sessions, UiAwareKeys, set_cookie, ui_agent
from tunedesk.serve.ui.stats import bar_chart, dashboard
from tunedesk.store.model_registry import Registry
from tunedesk.store.replies import ReplyLog

HERE = Path(__file__).parent
QUEUE_LIMIT = 200


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


def add_ui_routes(app: FastAPI, ws: Any) -> None:
    """Mount the review app on `app` for workspace `ws`: pages, static files and /ui/api endpoints."""
    sessions = Sessions()
    app.state.ui_sessions, app.state.keys = sessions, UiAwareKeys(app.state.keys)
    pages = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True)
    app.mount("/ui/static", StaticFiles(directory=HERE / "static"), name="ui-static")
    _vouch_middleware(app, sessions)
    _login_routes(app, sessions, pages)
    _page_routes(app, ws, sessions, pages)
    _review_routes(app, ws)
    _model_routes(app, ws)


def _vouch_middleware(app: FastAPI, sessions: Sessions) -> None:
    # Registered after the API-key middleware, so it runs first and can vouch for the browser's POSTs.
    @app.middleware("http")
    async def vouch(request: Request, call_next: Any) -> Response:
        session = sessions.from_request(request)
        if request.method == "POST" and session is not None and sessions.csrf_ok(request, session):
            token = ui_agent.set(session.agent)
            try:
                return await call_next(request)
            finally:
                ui_agent.reset(token)
        return await call_next(request)


def agent_writing(request: Request) -> str:
    """The logged-in agent of a state-changing request (401 without a session, 403 without its CSRF token)."""
    sessions: Sessions = request.app.state.ui_sessions
    session = sessions.from_request(request)
    if session is None:
        raise ApiError(401, "unauthorized", "log in at /ui/login first")
    if not sessions.csrf_ok(request, session):
        raise ApiError(403, "csrf", "missing or wrong X-CSRF-Token header: reload the page")
    return session.agent


Agent = Annotated[str, Depends(agent_writing)]


def _render(pages: Environment, name: str, session: Session | None, **values: Any) -> HTMLResponse:
    html = pages.get_template(name).render(session=session, **values)
    return HTMLResponse(html, headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY",
                                       "Content-Security-Policy": "default-src 'self'; img-src 'self' data:"})


def _login_routes(app: FastAPI, sessions: Sessions, pages: Environment) -> None:
    @app.get("/ui/login", response_class=HTMLResponse)
    async def login_page(request: Request) -> HTMLResponse:
        return _render(pages, "login.html", None, keys_needed=bool(app.state.keys.keys))

    @app.post("/ui/api/login")
    async def login(request: Request, body: LoginBody) -> JSONResponse:
        keys = app.state.keys.inner
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

    @app.post("/ui/api/logout")
    async def logout(agent: Agent) -> JSONResponse:
        response = JSONResponse({"agent": agent, "logged_out": True})
        response.delete_cookie(COOKIE, path="/")
        return response


def _page_routes(app: FastAPI, ws: Any, sessions: Sessions, pages: Environment) -> None:
    def session_or_login(request: Request) -> Session | RedirectResponse:
        session = sessions.from_request(request)
        return session if session is not None else RedirectResponse("/ui/login", status_code=303)

    @app.get("/ui", response_model=None)
    async def queue(request: Request) -> Response:
        session = session_or_login(request)
        if isinstance(session, RedirectResponse):
            return session
        drafts = await run_in_threadpool(ReplyLog(ws.store).query, status="pending", limit=QUEUE_LIMIT,
                                         newest_first=False)
        return _render(pages, "queue.html", session, drafts=drafts, page="queue")

    @app.get("/ui/dashboard", response_model=None)
    async def dashboard_page(request: Request) -> Response:
        session = session_or_login(request)
        if isinstance(session, RedirectResponse):
            return session
        board = await run_in_threadpool(_dashboard, ws)
        return _render(pages, "dashboard.html", session, board=board, charts=_charts(board), page="dashboard")

    @app.get("/ui/models", response_model=None)
    async def models_page(request: Request) -> Response:
        session = session_or_login(request)
        if isinstance(session, RedirectResponse):
            return session
        versions = await run_in_threadpool(Registry(ws.store).versions)
        return _render(pages, "models.html", session, versions=versions, page="models")


def _dashboard(ws: Any) -> Any:
    log = ReplyLog(ws.store)
    return dashboard(log.query(limit=None), log.feedback())


def _charts(board: Any) -> dict[str, Any]:
    categories = [(name, [round(100 * float(r.autonomous or 0), 1), round(100 * float(r.escalated or 0), 1)])
                  for name, r in board.by_category.items()]
    thumbs = [(day, [float(up), float(down)]) for day, up, down in board.thumbs_by_day]
    return {"categories": bar_chart(categories, ["#2e7d32", "#c62828"], "Autonomous and escalated share by "
                                    "category (%)", "%") if categories else None,
            "thumbs": bar_chart(thumbs, ["#1565c0", "#ef6c00"], "Thumbs up and down per day") if thumbs else None}


def _review_routes(app: FastAPI, ws: Any) -> None:
    @app.post("/ui/api/replies/{reply_id}/review")
    async def review(reply_id: str, body: ReviewBody, agent: Agent) -> dict[str, Any]:
        log = ReplyLog(ws.store)
        current = await run_in_threadpool(log.get, reply_id)
        if current.status != "pending":
            raise ApiError(409, "already_reviewed", f"reply {reply_id} is already {current.status}")
        if body.kind == "edit" and not (body.text or "").strip():
            raise ApiError(422, "invalid_request", "text: an edit needs the edited reply")
        # The edit is stored exactly as typed: leading and trailing whitespace are the agent's choice.
        done = await run_in_threadpool(log.review, reply_id, body.kind, text=body.text if body.kind == "edit"
                                       else None, actor=agent)
        return {"id": done.id, "status": done.status, "final_text": done.final_text, "reviewer": done.reviewer}

    @app.post("/ui/api/replies/{reply_id}/rate")
    async def rate(reply_id: str, body: RateBody, agent: Agent) -> dict[str, Any]:
        done = await run_in_threadpool(ReplyLog(ws.store).rate, reply_id, body.up, actor=agent)
        return {"id": done.id, "rating": done.rating, "status": done.status}


def _model_routes(app: FastAPI, ws: Any) -> None:
    @app.post("/ui/api/models/{version}/promote")
    async def promote(version: str, agent: Agent) -> dict[str, Any]:
        from tunedesk.eval.gate import promote as gate_promote

        result = await run_in_threadpool(gate_promote, ws, version, agent)
        return result.as_dict()

    @app.post("/ui/api/models/rollback")
    async def rollback(body: RollbackBody, agent: Agent) -> dict[str, Any]:
        out, now = await run_in_threadpool(Registry(ws.store).rollback, body.to, agent)
        return {"archived": out.id, "production": now.id}
