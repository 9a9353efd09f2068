"""The model registry: every evaluated model version with its status (candidate / production / archived) and the
history of what happened to it (registered, promoted, refused, rolled back), kept in the workspace store."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, insert, select, update

from tunedesk.errors import TunedeskError
from tunedesk.store import tables as t
from tunedesk.store.db import Store, utcnow

STATUSES = ("candidate", "production", "archived")


class RegistryError(TunedeskError):
    """A registry operation cannot be done (unknown version, nothing to roll back to)."""


@dataclass
class ModelVersion:
    """One registered model: a run (or the untuned base) and its latest eval summary."""

    id: str
    status: str
    kind: str
    base: str | None = None
    method: str | None = None
    eval_summary: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None


class ModelRegistry:
    """Model versions and their events, read and written through the store's engine."""

    def __init__(self, store: Store) -> None:
        self.engine = store.engine

    def register(self, version_id: str, *, kind: str, base: str | None = None, method: str | None = None,
                 eval_summary: dict[str, Any] | None = None) -> ModelVersion:
        """Add a version as a candidate, or refresh its eval summary when it is known (its status is kept)."""
        now = utcnow()
        summary = json.dumps(eval_summary or {}, default=str)
        with self.engine.begin() as conn:
            known = conn.execute(select(t.model_versions.c.id).where(t.model_versions.c.id == version_id)).first()
            if known:
                conn.execute(update(t.model_versions).where(t.model_versions.c.id == version_id)
                             .values(eval_summary=summary, updated_at=now))
            else:
                conn.execute(insert(t.model_versions), {"id": version_id, "status": "candidate", "kind": kind,
                                                        "base": base, "method": method, "eval_summary": summary,
                                                        "created_at": now, "updated_at": now})
                self._event(conn, version_id, "registered", {"kind": kind})
        return self.get(version_id)

    def get(self, version_id: str) -> ModelVersion:
        """A version by id, or a RegistryError listing what is registered."""
        found = self._select(t.model_versions.c.id == version_id)
        if not found:
            known = ", ".join(v.id for v in self.versions()) or "none yet (run `tunedesk eval --model RUN`)"
            raise RegistryError(f"model version {version_id!r} is not registered; registered: {known}")
        return found[0]

    def versions(self) -> list[ModelVersion]:
        """Every version, newest first."""
        return self._select(None)

    def production(self) -> ModelVersion | None:
        """The version in production, if any."""
        found = self._select(t.model_versions.c.status == "production")
        return found[0] if found else None

    def promote(self, version_id: str, detail: dict[str, Any], actor: str | None = None) -> ModelVersion | None:
        """Make a version production; the previous production is archived (and returned)."""
        self.get(version_id)
        previous = self.production()
        with self.engine.begin() as conn:
            if previous is not None and previous.id != version_id:
                self._set_status(conn, previous.id, "archived")
                self._event(conn, previous.id, "archived", {"replaced_by": version_id}, actor)
            self._set_status(conn, version_id, "production")
            self._event(conn, version_id, "promoted", detail, actor)
        return previous if previous is not None and previous.id != version_id else None

    def refuse(self, version_id: str, detail: dict[str, Any], actor: str | None = None) -> None:
        """Record a promotion the gate refused."""
        with self.engine.begin() as conn:
            self._event(conn, version_id, "refused", detail, actor)

    def rollback(self, to: str | None = None, actor: str | None = None) -> tuple[ModelVersion, ModelVersion]:
        """Archive production and bring back `to` (default: the version production replaced last).
        Returns (the version taken out, the version now in production)."""
        current = self.production()
        if current is None:
            raise RegistryError("no version is in production, so there is nothing to roll back")
        target = self.get(to) if to else self._previous_production(current.id)
        if target.id == current.id:
            raise RegistryError(f"{target.id} is already in production")
        with self.engine.begin() as conn:
            self._set_status(conn, current.id, "archived")
            self._event(conn, current.id, "rolled_back", {"replaced_by": target.id}, actor)
            self._set_status(conn, target.id, "production")
            self._event(conn, target.id, "restored", {"replacing": current.id}, actor)
        return current, self.get(target.id)

    def events(self, version_id: str | None = None) -> list[dict[str, Any]]:
        """The history, oldest first (of one version, or of all)."""
        e = t.model_events
        query = select(e.c.version, e.c.action, e.c.at, e.c.actor, e.c.detail).order_by(e.c.id)
        if version_id:
            query = query.where(e.c.version == version_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [{"version": v, "action": a, "at": at, "actor": who, "detail": json.loads(d)}
                for v, a, at, who, d in rows]

    def _previous_production(self, current: str) -> ModelVersion:
        promoted = [e["version"] for e in self.events() if e["action"] in ("promoted", "restored")]
        earlier = [v for v in promoted if v != current]
        if not earlier:
            raise RegistryError(f"{current} is the first version ever promoted: there is no earlier production "
                                "version to roll back to (name one with --to)")
        return self.get(earlier[-1])

    def _select(self, where: ColumnElement[bool] | None) -> list[ModelVersion]:
        m = t.model_versions
        query = select(m).order_by(m.c.created_at.desc(), m.c.id.desc())
        if where is not None:
            query = query.where(where)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [ModelVersion(id=r["id"], status=r["status"], kind=r["kind"], base=r["base"], method=r["method"],
                             eval_summary=json.loads(r["eval_summary"] or "{}"), created_at=r["created_at"],
                             updated_at=r["updated_at"]) for r in rows]

    @staticmethod
    def _set_status(conn: Connection, version_id: str, status: str) -> None:
        conn.execute(update(t.model_versions).where(t.model_versions.c.id == version_id)
                     .values(status=status, updated_at=utcnow()))

    @staticmethod
    def _event(
        conn: Connection, version_id: str, action: str, detail: Mapping[str, object], actor: str | None = None
    ) -> None:
        conn.execute(insert(t.model_events), {"version": version_id, "action": action, "at": utcnow(), "actor": actor,
                                              "detail": json.dumps(detail, default=str)})
