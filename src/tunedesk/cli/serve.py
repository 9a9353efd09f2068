"""`tunedesk serve`: the API server on the workspace's production model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tunedesk.cli.app import WorkspaceOpt, app, out, overrides_only


@app.command()
def serve(
    args: Annotated[list[str] | None, typer.Argument(help="key=value overrides, e.g. serve.mode=auto "
                                                           "serve.rollout_percent=25.")] = None,
    workspace: WorkspaceOpt = Path("."),
    host: Annotated[str | None, typer.Option("--host", help="Interface (default serve.host).")] = None,
    port: Annotated[int | None, typer.Option("--port", "-p", help="Port (default serve.port).")] = None,
) -> None:
    """Serve the production model behind the guardrails: /v1/replies, OpenAI-compatible /v1/chat/completions, ..."""
    import uvicorn

    from tunedesk.answer.setup import build_responder, served_version
    from tunedesk.errors import TunedeskError
    from tunedesk.serve.app import ServerSettings, create_app
    from tunedesk.serve.limits import LOOPBACK, ApiKeys
    from tunedesk.workspace import Workspace

    ws = Workspace.open(workspace, overrides_only(args))
    settings = ws.config.serve
    bind = host or settings.host
    keys = ApiKeys(settings.api_keys_env)
    if bind not in LOOPBACK and not keys.keys:
        raise TunedeskError(f"--host {bind}: listening beyond loopback needs API keys: set {settings.api_keys_env}="
                            "key1,key2 (write and review routes then require one)")
    version, why = served_version(ws)
    with out.status(f"loading {version} ({why}), the guardrails and the KB index ..."):
        responder = build_responder(ws, version=version)
    api = create_app(ServerSettings(settings, responder, workspace=ws, api_keys=keys))
    out.print(f"serving [bold]{responder.model_version}[/] ({why}) in mode [bold]{settings.mode}[/], rollout "
              f"{settings.rollout_percent:g} % on http://{bind}:{port or settings.port}")
    out.print(f"  POST /v1/replies · POST /v1/chat/completions (OpenAI) · GET /healthz · GET /metrics · log in "
              f"{ws.store.url}")
    out.print(f"  review app for agents: http://{bind}:{port or settings.port}/ui")
    uvicorn.run(api, host=bind, port=port or settings.port, log_level="warning")
