"""Agent sessions for /ui: an HMAC-signed, HttpOnly, SameSite=Strict cookie naming the agent and carrying the
session's CSRF token, which every state-changing fetch must echo in the X-CSRF-Token header."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from contextvars import ContextVar
from dataclasses import dataclass

from fastapi import Request, Response

from tunedesk.serve.limits import ApiKeys

COOKIE = "tunedesk_session"
CSRF_HEADER = "x-csrf-token"
SESSION_SECONDS = 12 * 3600

# Set for one request by the UI middleware once its session and CSRF token are checked: the API-key middleware
# then lets the browser's POSTs through (an agent's browser never holds the API key after logging in).
ui_agent: ContextVar[str | None] = ContextVar("ui_agent", default=None)


@dataclass(frozen=True)
class Session:
    """A logged-in agent and the CSRF token of their session."""

    agent: str
    csrf: str
    expires: int


class Sessions:
    """Issues and verifies session cookies with a secret held only by this server process."""

    def __init__(self, secret: bytes | None = None) -> None:
        self.secret = secret or secrets.token_bytes(32)

    def issue(self, agent: str) -> tuple[Session, str]:
        """A new session for `agent` and its cookie value."""
        session = Session(agent=agent, csrf=secrets.token_urlsafe(24), expires=int(time.time()) + SESSION_SECONDS)
        payload = base64.urlsafe_b64encode(json.dumps(session.__dict__).encode()).decode()
        return session, f"{payload}.{self._sign(payload)}"

    def read(self, cookie: str | None) -> Session | None:
        """The session a cookie carries, or None when it is missing, forged or expired."""
        if not cookie or "." not in cookie:
            return None
        payload, signature = cookie.rsplit(".", 1)
        if not hmac.compare_digest(signature, self._sign(payload)):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(payload.encode()))
            session = Session(agent=str(data["agent"]), csrf=str(data["csrf"]), expires=int(data["expires"]))
        except (ValueError, KeyError, TypeError):
            return None
        return session if session.expires > time.time() else None

    def from_request(self, request: Request) -> Session | None:
        """The session of a request's cookie."""
        return self.read(request.cookies.get(COOKIE))

    def csrf_ok(self, request: Request, session: Session) -> bool:
        """True when the request echoes the session's CSRF token."""
        offered = request.headers.get(CSRF_HEADER, "")
        return bool(offered) and hmac.compare_digest(offered.encode(), session.csrf.encode())

    def _sign(self, payload: str) -> str:
        return hmac.new(self.secret, payload.encode(), hashlib.sha256).hexdigest()


class UiAwareKeys:
    """The server's ApiKeys, plus: a request already vouched for by a UI session and its CSRF token is allowed."""

    def __init__(self, keys: ApiKeys) -> None:
        self.inner = keys
        self.keys = keys.keys
        self.env_var = keys.env_var

    def allowed(self, authorization: str | None, api_key_header: str | None, client_host: str | None) -> bool:
        """As ApiKeys.allowed, or True inside a checked UI request."""
        return ui_agent.get() is not None or self.inner.allowed(authorization, api_key_header, client_host)


def set_cookie(response: Response, value: str, secure: bool) -> None:
    """Attach the session cookie (HttpOnly, SameSite=Strict, scoped to the whole server for /v1 fetches)."""
    response.set_cookie(COOKIE, value, max_age=SESSION_SECONDS, httponly=True, samesite="strict", secure=secure,
                        path="/")
