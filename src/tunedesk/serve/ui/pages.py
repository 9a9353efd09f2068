"""The review app's pages: login, the queue of drafts, the dashboard and the model versions. Every page but the
login needs an agent session (else a redirect to /ui/login)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader
from starlette.concurrency import run_in_threadpool

from tunedesk.serve.deps import ReplyLogDep, ServerDep, SessionsDep, WorkspaceDep
from tunedesk.serve.ui.session import Session
from tunedesk.serve.ui.stats import Dashboard, bar_chart, dashboard
from tunedesk.store.model_registry import ModelRegistry
from tunedesk.store.replies import ReplyLog

HERE = Path(__file__).parent
QUEUE_LIMIT = 200

router = APIRouter(prefix="/ui")


@lru_cache(maxsize=1)
def templates() -> Environment:
    """The pages' Jinja templates (autoescaped)."""
    return Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True)


def render(name: str, session: Session | None, **values: object) -> HTMLResponse:
    """A page, never cached or framed."""
    html = templates().get_template(name).render(session=session, **values)
    return HTMLResponse(html, headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY",
                                       "Content-Security-Policy": "default-src 'self'; img-src 'self' data:"})


@router.get("/login", response_class=HTMLResponse)
async def login_page(server: ServerDep) -> HTMLResponse:
    """The login form (a key field when API keys are configured)."""
    return render("login.html", None, keys_needed=bool(server.keys.keys))


@router.get("", response_model=None)
async def queue(request: Request, sessions: SessionsDep, log: ReplyLogDep) -> Response:
    """The drafts waiting for an agent, oldest first."""
    session = sessions.from_request(request)
    if session is None:
        return RedirectResponse("/ui/login", status_code=303)
    drafts = await run_in_threadpool(log.query, status="pending", limit=QUEUE_LIMIT, newest_first=False)
    return render("queue.html", session, drafts=drafts, page="queue")


@router.get("/dashboard", response_model=None)
async def dashboard_page(request: Request, sessions: SessionsDep, log: ReplyLogDep) -> Response:
    """Autonomy, escalation, review outcomes and ratings, per category and per day."""
    session = sessions.from_request(request)
    if session is None:
        return RedirectResponse("/ui/login", status_code=303)
    board = await run_in_threadpool(_dashboard, log)
    return render("dashboard.html", session, board=board, charts=_charts(board), page="dashboard")


@router.get("/models", response_model=None)
async def models_page(request: Request, sessions: SessionsDep, ws: WorkspaceDep) -> Response:
    """The model versions with their status and held-out scores, to promote or roll back."""
    session = sessions.from_request(request)
    if session is None:
        return RedirectResponse("/ui/login", status_code=303)
    versions = await run_in_threadpool(ModelRegistry(ws.store).versions)
    return render("models.html", session, versions=versions, page="models")


def _dashboard(log: ReplyLog) -> Dashboard:
    return dashboard(log.query(limit=None), log.feedback())


def _charts(board: Dashboard) -> dict[str, Any]:
    categories = [(name, [round(100 * float(r.autonomous or 0), 1), round(100 * float(r.escalated or 0), 1)])
                  for name, r in board.by_category.items()]
    thumbs = [(day, [float(up), float(down)]) for day, up, down in board.thumbs_by_day]
    return {"categories": bar_chart(categories, ["#2e7d32", "#c62828"], "Autonomous and escalated share by "
                                    "category (%)", "%") if categories else None,
            "thumbs": bar_chart(thumbs, ["#1565c0", "#ef6c00"], "Thumbs up and down per day") if thumbs else None}
