"""/healthz (what is served, in which mode) and /metrics (Prometheus)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from tunedesk.serve.deps import ResponderDep, ServeConfigDep, ServerDep

router = APIRouter()


@router.get("/healthz")
async def healthz(responder: ResponderDep, serve: ServeConfigDep) -> dict[str, str | float | None]:
    """The served model version, the routing mode and the rollout share."""
    return {"status": "ok", "model_version": responder.model_version, "mode": serve.mode,
            "rollout_percent": serve.rollout_percent}


@router.get("/metrics")
async def metrics(server: ServerDep) -> Response:
    """Requests, decisions, latency and guardrail overhead in Prometheus' text format."""
    return Response(server.metrics.render(), media_type="text/plain; version=0.0.4")
