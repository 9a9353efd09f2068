"""The workspace store: SQLite (WAL) by default, PostgreSQL by URL; schema kept current by Alembic migrations."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Engine, Table, create_engine, delete, event, func, insert, select, text, update
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import ConnectionPoolEntry

from tunedesk.errors import StoreError
from tunedesk.records import Article, Rejected, Ticket
from tunedesk.store import tables as t
from tunedesk.store.merge import merge_ticket

MIGRATIONS = Path(__file__).parent / "migrations"
HEAD = "0002"
T = TypeVar("T")


@dataclass
class UpsertCounts:
    """What an upsert did: new rows, changed rows, rows already identical."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: UpsertCounts) -> None:
        """Accumulate another batch's counts."""
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged


def resolve_url(url: str, root: Path) -> str:
    """Make a relative SQLite path relative to the workspace root."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"store.url: not a database URL: {url!r} ({exc})") from None
    if parsed.drivername.startswith("sqlite") and parsed.database and parsed.database != ":memory:":
        db_path = Path(parsed.database)
        if not db_path.is_absolute():
            return str(parsed.set(database=str(root / db_path)))
    return url


def _sqlite_pragmas(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


MIGRATION_LOCK = 7_305_553_211
"""The PostgreSQL advisory lock held while the schema is checked and migrated."""


class Store:
    """Records in and out of the database. Every write is an idempotent upsert keyed by record id."""

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            self.engine: Engine = create_engine(url)
        except (ArgumentError, ImportError) as exc:
            raise StoreError(f"store.url: cannot open {url!r}: {exc}") from None
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.migrate()

    def migrate(self) -> None:
        """Bring the schema to the newest migration (a no-op when current)."""
        from alembic import command
        from alembic.config import Config as AlembicConfig
        from alembic.runtime.migration import MigrationContext

        try:
            with self.engine.begin() as conn:
                if conn.dialect.name == "postgresql":  # two processes opening a new store at once: one migrates
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
                if MigrationContext.configure(conn).get_current_revision() == HEAD:
                    return
                cfg = AlembicConfig()
                cfg.set_main_option("script_location", str(MIGRATIONS))
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except OperationalError as exc:
            raise StoreError(f"cannot open the store at {self.url}: {exc.orig}") from None

    def close(self) -> None:
        """Release connections."""
        self.engine.dispose()

    # -- tickets and articles -------------------------------------------------------------------------------
    def upsert_tickets(self, tickets: Sequence[Ticket]) -> UpsertCounts:
        """Insert new tickets, merge re-imported ones into the stored version (`store.merge`: a payload that carries
        less never erases messages, notes, tags or participants), leave identical ones; one transaction."""
        if not tickets:
            return UpsertCounts()
        tk, ids = t.tickets, list({ticket.id for ticket in tickets})
        with self.engine.begin() as conn:
            query = select(tk.c.id, tk.c.content_hash, tk.c.data).where(tk.c.id.in_(ids))
            stored = {row[0]: (row[1], row[2]) for row in conn.execute(query)}
            return self._write_rows(conn, tk, _merged_rows(tickets, stored))

    def upsert_articles(self, articles: Sequence[Article]) -> UpsertCounts:
        """Insert or update knowledge-base articles; one transaction; every record counted."""
        rows = [
            {"id": a.id, "source": a.source, "title": a.title, "category": a.category,
             "content_hash": a.content_hash(), "data": a.model_dump_json()}
            for a in articles
        ]
        return self._upsert(t.articles, rows)

    def _upsert(self, table: Table, rows: list[dict[str, Any]]) -> UpsertCounts:
        """Write the last version of each id; count each record against the version before it.

        The same id twice in one batch (an export listing a ticket twice) counts exactly as it would across two
        batches: the later copy is `unchanged` when identical to the earlier one, `updated` when it differs.
        """
        if not rows:
            return UpsertCounts()
        with self.engine.begin() as conn:
            return self._write_rows(conn, table, rows)

    def _write_rows(self, conn: Connection, table: Table, rows: list[dict[str, Any]]) -> UpsertCounts:
        counts = UpsertCounts()
        ids = list({r["id"] for r in rows})
        query = select(table.c.id, table.c.content_hash).where(table.c.id.in_(ids))
        stored: dict[str, str] = {row[0]: row[1] for row in conn.execute(query)}
        current = dict(stored)
        final: dict[str, dict[str, Any]] = {}
        for row in rows:
            previous = current.get(row["id"])
            if previous is None:
                counts.new += 1
            elif previous == row["content_hash"]:
                counts.unchanged += 1
            else:
                counts.updated += 1
            current[row["id"]] = row["content_hash"]
            final[row["id"]] = row
        new = [r for i, r in final.items() if i not in stored]
        changed = [r for i, r in final.items() if i in stored and stored[i] != r["content_hash"]]
        if new:
            conn.execute(insert(table), new)
        for row in changed:
            conn.execute(update(table).where(table.c.id == row["id"]).values(**row))
        return counts

    def iter_tickets(self, batch: int = 2000) -> Iterator[Ticket]:
        """Every stored ticket, in id order, read in batches."""
        for data in self._iter_column(t.tickets, t.tickets.c.data, batch):
            yield Ticket.model_validate_json(data)

    def iter_tickets_hashed(self, batch: int = 2000) -> Iterator[tuple[Ticket, str]]:
        """Every stored ticket with the content hash recorded at ingest, in id order."""
        last = ""
        tk = t.tickets
        while True:
            with self.engine.connect() as conn:
                rows = conn.execute(select(tk.c.id, tk.c.content_hash, tk.c.data).where(tk.c.id > last)
                                    .order_by(tk.c.id).limit(batch)).all()
            if not rows:
                return
            for _id, content_hash, data in rows:
                yield Ticket.model_validate_json(data), content_hash
            last = rows[-1][0]

    def iter_articles(self) -> Iterator[Article]:
        """Every stored knowledge-base article, in id order."""
        for data in self._iter_column(t.articles, t.articles.c.data, 2000):
            yield Article.model_validate_json(data)

    def _iter_column(self, table: Table, column: ColumnElement[str], batch: int) -> Iterator[str]:
        last = ""
        while True:
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(table.c.id, column).where(table.c.id > last).order_by(table.c.id).limit(batch)
                ).all()
            if not rows:
                return
            for _id, data in rows:
                yield data
            last = rows[-1][0]

    def count(self, table_name: str, **where: object) -> int:
        """Row count of a table, optionally filtered by equal columns."""
        table = t.metadata.tables[table_name]
        query = select(func.count()).select_from(table)
        for col, value in where.items():
            query = query.where(table.c[col] == value)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    # -- quarantine -------------------------------------------------------------------------------------------
    def quarantine(self, stage: str, rejected: Iterable[Rejected]) -> int:
        """Keep unreadable records with their reasons; the same place in the same file is stored once."""
        rows = {
            (r.source_file, r.locator): {"stage": stage, "source_file": r.source_file, "locator": r.locator,
                                          "reason": r.reason, "field": r.field, "raw": r.raw}
            for r in rejected
        }
        if not rows:
            return 0
        q = t.quarantine
        with self.engine.begin() as conn:
            for (source_file, locator), row in rows.items():
                match = (q.c.stage == stage) & (q.c.source_file == source_file) & (q.c.locator == locator)
                if conn.execute(update(q).where(match).values(**row)).rowcount == 0:
                    conn.execute(insert(q), row)
        return len(rows)

    def quarantined(self, stage: str | None = None) -> list[Rejected]:
        """The quarantined records, optionally of one stage."""
        q = t.quarantine
        query = select(q.c.source_file, q.c.locator, q.c.reason, q.c.field, q.c.raw).order_by(q.c.id)
        if stage:
            query = query.where(q.c.stage == stage)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [Rejected(source_file=a, locator=b, reason=c, field=d, raw=e) for a, b, c, d, e in rows]

    # -- clean results ----------------------------------------------------------------------------------------
    def replace_clean_results(self, rows: Iterable[dict[str, Any]], batch: int = 2000) -> int:
        """Replace the whole clean table with a new clean run's results (written in batches)."""
        total = 0
        with self.engine.begin() as conn:
            conn.execute(delete(t.clean_tickets))
            chunk: list[dict[str, Any]] = []
            for row in rows:
                chunk.append(row)
                if len(chunk) >= batch:
                    conn.execute(insert(t.clean_tickets), chunk)
                    total += len(chunk)
                    chunk = []
            if chunk:
                conn.execute(insert(t.clean_tickets), chunk)
                total += len(chunk)
        return total

    def iter_clean(self, outcome: str | None = "kept") -> Iterator[tuple[Ticket, dict[str, Any]]]:
        """Cleaned tickets (redacted) with their outcome row; `outcome=None` for kept and dropped."""
        c = t.clean_tickets
        query = select(c.c.id, c.c.outcome, c.c.reason, c.c.detail, c.c.escalation, c.c.quality, c.c.data)
        query = query.order_by(c.c.id)
        if outcome:
            query = query.where(c.c.outcome == outcome)
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                info = {"id": row.id, "outcome": row.outcome, "reason": row.reason, "detail": row.detail,
                        "escalation": row.escalation, "quality": row.quality}
                yield Ticket.model_validate_json(row.data), info

    # -- stage runs -------------------------------------------------------------------------------------------
    def record_stage_run(self, stage: str, started: datetime, summary: dict[str, Any]) -> None:
        """Keep a stage's summary, for `tunedesk status` and audits."""
        with self.engine.begin() as conn:
            conn.execute(insert(t.stage_runs), {"stage": stage, "started_at": started,
                                                "finished_at": datetime.now(UTC), "summary": json.dumps(summary)})

    def last_stage_run(self, stage: str) -> dict[str, Any] | None:
        """The newest summary of a stage, or None."""
        s = t.stage_runs
        with self.engine.connect() as conn:
            row = conn.execute(select(s.c.summary).where(s.c.stage == stage).order_by(s.c.id.desc()).limit(1)).first()
        return json.loads(row[0]) if row else None


def utcnow() -> datetime:
    """Now in UTC, naive (how every DateTime column of the store holds time)."""
    return datetime.now(UTC).replace(tzinfo=None)


def _ticket_row(tk: Ticket) -> dict[str, Any]:
    data = tk.model_dump_json()
    return {
        "id": tk.id, "source": tk.source, "external_id": tk.external_id, "subject": tk.subject[:10_000],
        "category": tk.category, "status": tk.status, "csat": tk.csat, "channel": tk.channel,
        "created_at": tk.created_at.replace(tzinfo=None) if tk.created_at else None,
        "content_hash": _sha1(data), "data": data,
    }


def _merged_rows(tickets: Sequence[Ticket], stored: dict[str, tuple[str, str]]) -> list[dict[str, Any]]:
    """The row of each ticket merged into the version before it (stored, or earlier in the batch)."""
    current: dict[str, Ticket] = {}
    rows = []
    for ticket in tickets:
        row = _ticket_row(ticket)
        if ticket.id not in current and ticket.id in stored:
            content_hash, data = stored[ticket.id]
            # the common re-import is identical: nothing to parse or merge
            current[ticket.id] = ticket if content_hash == row["content_hash"] else Ticket.model_validate_json(data)
        if (before := current.get(ticket.id)) is not None and before is not ticket:
            ticket = merge_ticket(before, ticket)
            row = _ticket_row(ticket)
        current[ticket.id] = ticket
        rows.append(row)
    return rows


def _sha1(text: str) -> str:
    import hashlib

    return hashlib.sha1(text.encode()).hexdigest()


def open_store(url: str, root: Path) -> Store:
    """Open (and migrate) the store of a workspace."""
    try:
        return Store(resolve_url(url, root))
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot open the store {url!r}: {exc}") from None


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of at most `size` items: the batches stages read and write the store in."""
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
