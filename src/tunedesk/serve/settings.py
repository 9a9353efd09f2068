"""What one API server is built from, and the state it keeps while it runs."""

from __future__ import annotations

from dataclasses import dataclass, field

from tunedesk.answer.pipeline import Responder
from tunedesk.config.serve import ServeConfig
from tunedesk.serve.limits import ApiKeys, Limiter
from tunedesk.serve.metrics import ServerMetrics
from tunedesk.serve.ui.session import Sessions, UiAwareKeys
from tunedesk.workspace import Workspace


@dataclass(frozen=True)
class ServerSettings:
    """The `serve` section, the Responder that answers every ticket, and optionally the workspace (its store and
    registry back the agents' review app at /ui; without it there is no /ui) and the API keys (default: those
    named by `serve.api_keys_env`)."""

    serve: ServeConfig
    responder: Responder
    workspace: Workspace | None = None
    api_keys: ApiKeys | None = None


@dataclass
class ServerState:
    """One running app's state, kept on `app.state.server` and handed to the routes by `serve.deps`."""

    settings: ServerSettings
    keys: ApiKeys | UiAwareKeys
    limiter: Limiter
    metrics: ServerMetrics = field(default_factory=ServerMetrics)
    sessions: Sessions | None = None
    """The review app's agent sessions (None without a workspace)."""

    @classmethod
    def start(cls, settings: ServerSettings) -> ServerState:
        """Fresh limits, metrics and keys (and sessions when the review app is served)."""
        serve = settings.serve
        keys = settings.api_keys or ApiKeys(serve.api_keys_env)
        if settings.workspace is None:
            return cls(settings, keys, Limiter(serve.max_concurrency, serve.max_queue))
        return cls(settings, UiAwareKeys(keys), Limiter(serve.max_concurrency, serve.max_queue), sessions=Sessions())
