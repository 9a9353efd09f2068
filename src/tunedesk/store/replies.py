"""Served replies and the feedback on them: every reply the server gives is logged here (PII masked) with its
decision and metadata; agents' approvals, edits, rejections and ratings are recorded against it."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, RowMapping, func, insert, select, update

from tunedesk.errors import TunedeskError
from tunedesk.records import Feedback, ServedReply
from tunedesk.store import tables as t
from tunedesk.store.db import Store, utcnow

REVIEW_STATUSES = ("pending", "approved", "edited", "rejected", "escalated", "sent", "logged")
FEEDBACK_KINDS = ("approve", "edit", "reject", "escalate", "thumbs_up", "thumbs_down")


class ReplyNotFound(TunedeskError):
    """No served reply has this id."""


class ReplyLog:
    """Writes and reads served replies and feedback through the store's engine."""

    def __init__(self, store: Store) -> None:
        self.engine = store.engine

    def record(self, reply: dict[str, Any]) -> None:
        """Log one served reply (thread and reply already PII-masked by the caller)."""
        row = {**reply, "reasons": json.dumps(reply.get("reasons", [])), "thread": json.dumps(reply["thread"]),
               "sources": json.dumps(reply.get("sources", []), default=str), "created_at": utcnow()}
        with self.engine.begin() as conn:
            conn.execute(insert(t.served_replies), row)

    def get(self, reply_id: str) -> ServedReply:
        """One reply by id."""
        found = self.query(where=t.served_replies.c.id == reply_id, limit=1)
        if not found:
            raise ReplyNotFound(f"no served reply with id {reply_id!r}")
        return found[0]

    def query(self, *, where: ColumnElement[bool] | None = None, status: str | None = None, limit: int | None = 100,
              newest_first: bool = True) -> list[ServedReply]:
        """Replies, filtered by a condition and/or review status."""
        r = t.served_replies
        q = select(r).order_by(r.c.created_at.desc() if newest_first else r.c.created_at, r.c.id)
        if where is not None:
            q = q.where(where)
        if status:
            q = q.where(r.c.status == status)
        if limit:
            q = q.limit(limit)
        with self.engine.connect() as conn:
            return [_reply(row) for row in conn.execute(q).mappings()]

    def count(self, **where: object) -> int:
        """How many replies (optionally with equal columns)."""
        r = t.served_replies
        q = select(func.count()).select_from(r)
        for column, value in where.items():
            q = q.where(r.c[column] == value)
        with self.engine.connect() as conn:
            return int(conn.execute(q).scalar_one())

    def review(self, reply_id: str, kind: str, *, text: str | None = None, actor: str | None = None) -> ServedReply:
        """An agent's decision on a draft: approve, edit (the text exactly as written), reject or escalate."""
        status = {"approve": "approved", "edit": "edited", "reject": "rejected", "escalate": "escalated"}[kind]
        current = self.get(reply_id)
        final = text if kind == "edit" else (current.reply if kind == "approve" else None)
        with self.engine.begin() as conn:
            conn.execute(update(t.served_replies).where(t.served_replies.c.id == reply_id)
                         .values(status=status, final_text=final, reviewer=actor, reviewed_at=utcnow()))
            self._feedback(conn, reply_id, kind, text, actor)
        return self.get(reply_id)

    def rate(self, reply_id: str, up: bool, *, actor: str | None = None, note: str | None = None) -> ServedReply:
        """Thumbs up (+1) or down (-1) on a reply."""
        self.get(reply_id)
        with self.engine.begin() as conn:
            conn.execute(update(t.served_replies).where(t.served_replies.c.id == reply_id)
                         .values(rating=1 if up else -1))
            self._feedback(conn, reply_id, "thumbs_up" if up else "thumbs_down", note, actor)
        return self.get(reply_id)

    def feedback(self, reply_id: str | None = None, since: datetime | None = None) -> list[Feedback]:
        """Feedback events, oldest first."""
        f = t.feedback
        q = select(f.c.reply_id, f.c.kind, f.c.text, f.c.actor, f.c.at).order_by(f.c.id)
        if reply_id:
            q = q.where(f.c.reply_id == reply_id)
        if since:
            q = q.where(f.c.at >= since.replace(tzinfo=None))
        with self.engine.connect() as conn:
            return [Feedback(**row) for row in conn.execute(q).mappings()]

    @staticmethod
    def _feedback(conn: Connection, reply_id: str, kind: str, text: str | None, actor: str | None) -> None:
        conn.execute(insert(t.feedback), {"reply_id": reply_id, "kind": kind, "text": text, "actor": actor,
                                          "at": utcnow()})


def _reply(row: RowMapping) -> ServedReply:
    data = dict(row)
    for key in ("reasons", "thread", "sources"):
        data[key] = json.loads(data[key] or "[]")
    return ServedReply(**data)
