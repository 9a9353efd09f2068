"""The HTTP API (FastAPI): /v1/replies, /v1/summaries, /v1/feedback, the OpenAI-compatible /v1/chat/completions and
/v1/models, /healthz and /metrics. Handlers only translate HTTP to the Responder and back; tunedesk's own errors
become JSON errors, never a bare 500."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from tunedesk.answer.pipeline import ReplyResult, Responder
from tunedesk.answer.types import TicketIn
from tunedesk.errors import TunedeskError
from tunedesk.serve.limits import ApiKeys, Busy, Limiter
from tunedesk.serve.metrics import ServerMetrics
from tunedesk.serve.schemas import FeedbackRequest, ReplyRequest, SummaryRequest, ThreadMessage
from tunedesk.serve.summaries import summarise
from tunedesk.store.replies import ReplyNotFound


class ApiError(Exception):
    """An HTTP error with a JSON body {"error": {"code", "message"}}."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


def create_app(responder: Responder, settings: Any, *, api_keys: ApiKeys | None = None, ws: Any = None) -> FastAPI:
    """The API around one Responder (its backend, guardrails and log)."""
    app = FastAPI(title="tunedesk", version="1", docs_url=None, redoc_url=None)
    app.state.responder, app.state.settings = responder, settings
    app.state.limiter = Limiter(settings.max_concurrency, settings.max_queue)
    app.state.metrics = ServerMetrics()
    app.state.keys = api_keys or ApiKeys(settings.api_keys_env)
    _errors(app)
    _middleware(app)
    _routes(app)
    from tunedesk.serve.openai_routes import add_openai_routes

    add_openai_routes(app)
    if ws is not None:  # the review web app at /ui needs the workspace's store and registry
        from tunedesk.serve.ui.routes import add_ui_routes

        add_ui_routes(app, ws)
    return app


def _errors(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse({"error": {"code": exc.code, "message": exc.message}}, exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [f"{'.'.join(str(p) for p in e['loc'] if p != 'body')}: {e['msg']}" for e in exc.errors()]
        return JSONResponse({"error": {"code": "invalid_request", "message": "; ".join(problems),
                                       "problems": problems}}, 422)

    @app.exception_handler(TunedeskError)
    async def ours(_: Request, exc: TunedeskError) -> JSONResponse:
        status = 404 if isinstance(exc, ReplyNotFound) else 400
        return JSONResponse({"error": {"code": type(exc).__name__, "message": str(exc)}}, status)


def _middleware(app: FastAPI) -> None:
    @app.middleware("http")
    async def limits(request: Request, call_next: Any) -> Response:
        size = request.headers.get("content-length")
        if size and size.isdigit() and int(size) > app.state.settings.max_request_bytes:
            response: Response = JSONResponse({"error": {"code": "too_large", "message": f"request body over "
                                               f"{app.state.settings.max_request_bytes} bytes"}}, 413)
        elif request.method == "POST" and not app.state.keys.allowed(
                request.headers.get("authorization"), request.headers.get("x-api-key"),
                request.client.host if request.client else None):
            response = JSONResponse({"error": {"code": "unauthorized", "message": "a valid API key is required "
                                               "(Authorization: Bearer KEY or X-API-Key)"}}, 401)
        else:
            response = await call_next(request)
        route = request.scope.get("route")
        app.state.metrics.requests.labels(getattr(route, "path", "unmatched"), str(response.status_code)).inc()
        return response


def _routes(app: FastAPI) -> None:
    @app.get("/healthz")
    async def healthz() -> dict[str, Any]:
        r: Responder = app.state.responder
        return {"status": "ok", "model_version": r.model_version, "mode": app.state.settings.mode,
                "rollout_percent": app.state.settings.rollout_percent}

    @app.get("/metrics")
    async def metrics() -> Response:
        return Response(app.state.metrics.render(), media_type="text/plain; version=0.0.4")

    @app.post("/v1/replies", response_model=None)
    async def replies(body: ReplyRequest) -> Any:
        ticket = ticket_from(body.ticket_id, body.messages, body.category, body.metadata)
        if body.stream:
            return sse(app, stream_reply(app, ticket, _reply_events))
        result = await run_in_threadpool(respond, app, ticket)
        return result.as_dict()

    @app.post("/v1/summaries")
    async def summaries(body: SummaryRequest) -> dict[str, Any]:
        thread = [m for m in (x.chat() for x in body.messages) if m]
        found = summarise(thread, body.max_words or app.state.settings.summary_words)
        return {"summary": found.text, "words": found.words, "method": "extractive"}

    @app.post("/v1/feedback")
    async def feedback(body: FeedbackRequest) -> dict[str, Any]:
        log = app.state.responder.log
        if body.kind == "edit" and not (body.text or "").strip():
            raise ApiError(422, "invalid_request", "text: an edit needs the edited reply")
        if body.kind in ("thumbs_up", "thumbs_down"):
            reply = await run_in_threadpool(log.rate, body.reply_id, body.kind == "thumbs_up", actor=body.actor,
                                            note=body.text)
        else:
            reply = await run_in_threadpool(log.review, body.reply_id, body.kind, text=body.text, actor=body.actor)
        return {"reply_id": reply.id, "status": reply.status, "rating": reply.rating}


def ticket_from(ticket_id: str | None, messages: list[ThreadMessage], category: str | None = None,
                metadata: dict[str, Any] | None = None) -> TicketIn:
    """A TicketIn from a request thread; it must end with the customer."""
    thread = [m for m in (x.chat() for x in messages) if m]
    if not thread or thread[-1]["role"] != "user":
        raise ApiError(422, "invalid_request", "messages: the thread must end with a customer (user) message")
    return TicketIn(id=ticket_id or f"anon-{uuid.uuid4().hex}", messages=thread, category=category,
                    metadata=metadata or {})


def respond(app: FastAPI, ticket: TicketIn) -> ReplyResult:
    """One ticket through the limiter and the Responder (runs in a worker thread)."""
    limiter: Limiter = app.state.limiter
    admit(limiter)
    try:
        with limiter.slot():
            result = app.state.responder.respond(ticket)
    finally:
        limiter.leave()
    app.state.metrics.observe_reply(result.decision, result.latency_ms, result.overhead_ms)
    return result


def admit(limiter: Limiter) -> None:
    """Count the request in or answer 503."""
    try:
        limiter.admit()
    except Busy as exc:
        raise ApiError(503, "overloaded", f"the server is at capacity ({exc}); retry shortly",
                       {"Retry-After": "1"}) from None


def stream_reply(app: FastAPI, ticket: TicketIn, events: Any) -> Iterator[str]:
    """SSE lines for a streamed reply (a sync generator: Starlette runs it in a worker thread)."""
    limiter: Limiter = app.state.limiter
    try:
        with limiter.slot():
            streamed = False
            for piece in app.state.responder.stream(ticket):
                if isinstance(piece, ReplyResult):
                    app.state.metrics.observe_reply(piece.decision, piece.latency_ms, piece.overhead_ms)
                    yield from events(piece, streamed)
                else:
                    streamed = True
                    yield from events(piece, streamed)
    finally:
        limiter.leave()


def _reply_events(piece: str | ReplyResult, streamed: bool) -> Iterator[str]:
    if isinstance(piece, ReplyResult):
        yield f"event: decision\ndata: {json.dumps(piece.as_dict())}\n\n"
        yield "data: [DONE]\n\n"
    else:
        yield f"data: {json.dumps({'delta': piece})}\n\n"


def sse(app: FastAPI, lines: Iterator[str]) -> StreamingResponse:
    """A text/event-stream response; the limiter counts the request in before the stream starts."""
    admit(app.state.limiter)
    return StreamingResponse(lines, media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
