"""The HTTP API (FastAPI): /v1/replies, /v1/summaries, /v1/feedback, the OpenAI-compatible /v1/chat/completions and
/v1/models, /healthz and /metrics, and the agents' review app at /ui when a workspace is served. Routes only
translate HTTP to the Responder and back (`serve.routes`); errors all have one JSON shape (`serve.errors`)."""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from starlette.middleware.base import RequestResponseEndpoint

from tunedesk.serve.errors import add_error_handlers, error_response
from tunedesk.serve.limits import BodyLimit
from tunedesk.serve.routes import feedback, health, openai, replies, summaries
from tunedesk.serve.settings import ServerSettings, ServerState

__all__ = ["ServerSettings", "create_app"]


def create_app(settings: ServerSettings) -> FastAPI:
    """The API around one Responder (its backend, guardrails and log), with the review app when a workspace is
    given."""
    app = FastAPI(title="tunedesk", version="1", docs_url=None, redoc_url=None)
    app.state.server = ServerState.start(settings)
    add_error_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=settings.serve.max_request_bytes)  # inside _limits: metrics count 413s
    _limits(app)
    for module in (health, replies, summaries, feedback, openai):
        app.include_router(module.router)
    if settings.workspace is not None:
        from tunedesk.serve.ui.mount import mount_review_app

        mount_review_app(app)
    return app


def _limits(app: FastAPI) -> None:
    @app.middleware("http")
    async def limits(request: Request, call_next: RequestResponseEndpoint) -> Response:
        server: ServerState = request.app.state.server
        response: Response
        if request.method == "POST" and not server.keys.allowed(
                request.headers.get("authorization"), request.headers.get("x-api-key"),
                request.client.host if request.client else None):
            response = error_response(401, "unauthorized", "a valid API key is required (Authorization: Bearer KEY "
                                      "or X-API-Key)")
        else:
            response = await call_next(request)
        route = request.scope.get("route")
        server.metrics.requests.labels(getattr(route, "path", "unmatched"), str(response.status_code)).inc()
        return response
