"""Every error the API answers has one JSON shape, {"error": {"code", "message"}}: the API's own refusals, invalid
requests (with their `problems`), bodies that are not UTF-8 JSON, unknown paths and methods, and tunedesk's own
exceptions (never a bare 500 for a user mistake)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from tunedesk.errors import TunedeskError
from tunedesk.store.replies import ReplyNotFound


class ApiError(Exception):
    """An HTTP error with a JSON body {"error": {"code", "message"}}."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The one error shape."""
    return JSONResponse({"error": {"code": code, "message": message}}, status, headers=headers)


def add_error_handlers(app: FastAPI) -> None:
    """Turn ApiError, invalid requests and tunedesk's own exceptions into JSON errors."""

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [f"{'.'.join(str(p) for p in e['loc'] if p != 'body')}: {e['msg']}" for e in exc.errors()]
        return JSONResponse({"error": {"code": "invalid_request", "message": "; ".join(problems),
                                       "problems": problems}}, 422)

    @app.exception_handler(HTTPException)
    async def starlette_error(_: Request, exc: HTTPException) -> JSONResponse:
        return http_error(exc)

    @app.exception_handler(TunedeskError)
    async def ours(_: Request, exc: TunedeskError) -> JSONResponse:
        return error_response(404 if isinstance(exc, ReplyNotFound) else 400, type(exc).__name__, str(exc))


HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type"}


def http_error(exc: HTTPException) -> JSONResponse:
    """Starlette's and FastAPI's own errors in the one shape; a body that cannot be decoded says so."""
    if isinstance(exc.__cause__, UnicodeDecodeError):
        return error_response(400, "invalid_request", f"body: not UTF-8 ({exc.__cause__.reason} at byte "
                              f"{exc.__cause__.start}); send JSON encoded as UTF-8")
    return error_response(exc.status_code, HTTP_CODES.get(exc.status_code, "http_error"), str(exc.detail),
                          dict(exc.headers) if exc.headers else None)
