"""What a runbook states about one workspace, read from its config, its model registry and its runs: nothing here
is assumed, every fact comes from a file or a table the workspace owns."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from tunedesk.store.model_registry import ModelRegistry, ModelVersion
from tunedesk.workspace import Workspace

SCORE_KEYS = ("n", "score_3", "score_1", "escalation_recall")


@dataclass
class StoreFacts:
    """Where the store lives and what engine it is."""

    engine: str
    url: str
    """The URL with any password hidden."""
    path: Path | None = None
    """The SQLite file (None for a server database)."""


@dataclass
class Deployment:
    """What serves now and what the registry holds."""

    served: str
    served_why: str
    production: ModelVersion | None = None
    promoted_at: datetime | None = None
    gate: list[dict[str, Any]] = field(default_factory=list)
    """The criteria the gate recorded when production was last promoted (empty when none is recorded)."""
    previous: str | None = None
    """The version `tunedesk rollback` would bring back (None: nothing to roll back to)."""
    versions: list[ModelVersion] = field(default_factory=list)
    last_event: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class Facts:
    """Everything the runbook's sections read."""

    ws: Workspace
    ws_arg: str
    """The workspace path as every printed command spells it (absolute, shell-quoted)."""
    store: StoreFacts
    deployment: Deployment
    completed_runs: list[str] = field(default_factory=list)

    def cmd(self, line: str) -> str:
        """A tunedesk command line for this workspace, `-w WS` appended."""
        return f"tunedesk {line} -w {self.ws_arg}"


def gather(ws: Workspace) -> Facts:
    """Read the config, the registry and the runs of a workspace."""
    from tunedesk.store.runs import list_runs

    runs = [r.id for r in list_runs(ws.root) if r.record.get("status") == "completed"]
    return Facts(ws=ws, ws_arg=shlex.quote(str(ws.root)), store=store_facts(ws), deployment=deployment(ws),
                 completed_runs=runs)


def store_facts(ws: Workspace) -> StoreFacts:
    """The store's engine, its URL without the password, and its file when it is SQLite."""
    url = make_url(ws.store.url)
    path = Path(url.database) if url.drivername.startswith("sqlite") and url.database not in (None, "", ":memory:") \
        else None
    return StoreFacts(engine=url.get_backend_name(), url=url.render_as_string(hide_password=True), path=path)


def deployment(ws: Workspace) -> Deployment:
    """The served version (as `tunedesk serve` would pick it), production, its gate record and the rollback
    target."""
    from tunedesk.answer.setup import served_version

    registry = ModelRegistry(ws.store)
    served, why = served_version(ws)
    events = registry.events()
    found = Deployment(served=served, served_why=why, production=registry.production(), versions=registry.versions())
    for event in events:
        found.last_event[event["version"]] = event
    if found.production is not None:
        mine = [e for e in events if e["version"] == found.production.id and e["action"] in ("promoted", "restored")]
        promoted = [e for e in mine if e["action"] == "promoted"]
        found.promoted_at = mine[-1]["at"] if mine else None
        # a version brought back by a rollback keeps the verdict of the gate that promoted it first
        found.gate = list(promoted[-1]["detail"].get("criteria") or []) if promoted else []
        found.previous = previous_production(events, found.production.id)
    return found


def previous_production(events: list[dict[str, Any]], current: str) -> str | None:
    """The version production replaced last, as `ModelRegistry.rollback` picks it without --to."""
    earlier = [e["version"] for e in events if e["action"] in ("promoted", "restored") and e["version"] != current]
    return earlier[-1] if earlier else None


def share(value: object) -> str:
    """A share as a percentage, or a dash when not measured."""
    return f"{value:.1%}" if isinstance(value, int | float) and not isinstance(value, bool) else "—"
