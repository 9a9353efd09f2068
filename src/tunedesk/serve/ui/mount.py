"""The agents' review app at /ui, mounted on the API: its pages and JSON endpoints, its static files, and the
middleware that vouches for a logged-in browser's POSTs (so an agent's browser never holds the API key)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.base import RequestResponseEndpoint

from tunedesk.serve.settings import ServerState
from tunedesk.serve.ui import api, pages
from tunedesk.serve.ui.session import ui_agent

STATIC = Path(__file__).parent / "static"


def mount_review_app(app: FastAPI) -> None:
    """Add /ui (pages), /ui/api (JSON) and /ui/static to the app, and the session middleware."""
    app.mount("/ui/static", StaticFiles(directory=STATIC), name="ui-static")
    app.include_router(pages.router)
    app.include_router(api.router)

    # Added after the API-key middleware, so it runs first and can vouch for the browser's POSTs.
    @app.middleware("http")
    async def vouch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        server: ServerState = request.app.state.server
        session = server.sessions.from_request(request) if server.sessions is not None else None
        if request.method == "POST" and session is not None and server.sessions is not None and \
                server.sessions.csrf_ok(request, session):
            token = ui_agent.set(session.agent)
            try:
                return await call_next(request)
            finally:
                ui_agent.reset(token)
        return await call_next(request)
