"""The store: migrations, WAL, idempotent upserts, quarantine, PostgreSQL by URL."""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from tunedesk.errors import StoreError
from tunedesk.records import Message, Rejected, Role, Ticket
from tunedesk.store import Store, open_store
from tunedesk.store.db import HEAD, resolve_url


def ticket(i: int, body: str = "hello") -> Ticket:
    return Ticket(id=Ticket.make_id("zendesk", i), source="zendesk", external_id=str(i), subject=f"s{i}",
                  messages=[Message(role=Role.customer, body=body), Message(role=Role.agent, body="answer")],
                  created_at=datetime(2026, 1, 2, tzinfo=UTC), csat=5.0)


def test_sqlite_is_created_migrated_and_in_wal_mode(tmp_path: Path) -> None:
    store = open_store("sqlite:///tunedesk.db", tmp_path)
    assert (tmp_path / "tunedesk.db").exists()
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD
    open_store("sqlite:///tunedesk.db", tmp_path)  # reopening an up-to-date store is a no-op


def test_upsert_new_updated_unchanged(tmp_path: Path) -> None:
    store = open_store("sqlite:///t.db", tmp_path)
    first = store.upsert_tickets([ticket(1), ticket(2)])
    assert (first.new, first.updated, first.unchanged) == (2, 0, 0)
    again = store.upsert_tickets([ticket(1), ticket(2, body="changed")])
    assert (again.new, again.updated, again.unchanged) == (0, 1, 1)
    assert store.count("tickets") == 2
    stored = {t.id: t for t in store.iter_tickets()}
    assert stored["zendesk:2"].messages[0].body == "changed"
    assert stored["zendesk:1"] == ticket(1)


def test_same_id_twice_in_one_batch_keeps_the_later_and_counts_both(tmp_path: Path) -> None:
    store = open_store("sqlite:///t.db", tmp_path)
    counts = store.upsert_tickets([ticket(1, "old"), ticket(1, "new"), ticket(1, "new")])
    assert (counts.new, counts.updated, counts.unchanged) == (1, 1, 1)
    assert [t.messages[0].body for t in store.iter_tickets()] == ["new"]


def test_iter_tickets_pages_through_everything(tmp_path: Path) -> None:
    store = open_store("sqlite:///t.db", tmp_path)
    store.upsert_tickets([ticket(i) for i in range(25)])
    assert len(list(store.iter_tickets(batch=7))) == 25


def test_quarantine_keeps_one_row_per_place(tmp_path: Path) -> None:
    store = open_store("sqlite:///t.db", tmp_path)
    bad = Rejected(source_file="a.jsonl", locator="line 3", reason="JSONDecodeError", field=None, raw="{")
    store.quarantine("ingest", [bad, bad])
    store.quarantine("ingest", [bad.model_copy(update={"reason": "newer reason"})])
    rows = store.quarantined("ingest")
    assert len(rows) == 1 and rows[0].reason == "newer reason"


def test_relative_sqlite_url_resolves_inside_the_workspace(tmp_path: Path) -> None:
    assert resolve_url("sqlite:///x.db", tmp_path) == f"sqlite:///{tmp_path}/x.db"
    assert resolve_url("sqlite:////abs/x.db", tmp_path) == "sqlite:////abs/x.db"
    assert resolve_url("postgresql+psycopg://u@h/db", tmp_path) == "postgresql+psycopg://u@h/db"


def test_bad_url_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"store\.url"):
        open_store("not a url", tmp_path)
    with pytest.raises(StoreError):
        open_store(f"sqlite:///{tmp_path}/missing-dir/x.db", tmp_path)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """The PostgreSQL test database, held by one test at a time across xdist workers: the tests below empty or drop
    its schema (xdist_group did not keep them on one worker)."""
    url = os.environ["TUNEDESK_TEST_PG_URL"]
    lock = Path(tempfile.gettempdir()) / f"tunedesk-pg-{hashlib.sha1(url.encode()).hexdigest()[:12]}.lock"
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield url


@pytest.mark.skipif(not os.environ.get("TUNEDESK_TEST_PG_URL"), reason="set TUNEDESK_TEST_PG_URL to test PostgreSQL")
def test_postgresql_store(pg_url: str) -> None:
    store = Store(pg_url)
    with store.engine.begin() as conn:
        for table in ("clean_tickets", "quarantine", "stage_runs", "articles", "tickets"):
            conn.execute(text(f"DELETE FROM {table}"))
    assert store.upsert_tickets([ticket(1), ticket(2)]).new == 2
    assert store.upsert_tickets([ticket(1), ticket(2)]).unchanged == 2
    assert [t.id for t in store.iter_tickets()] == ["zendesk:1", "zendesk:2"]


@pytest.mark.skipif(not os.environ.get("TUNEDESK_TEST_PG_URL"), reason="set TUNEDESK_TEST_PG_URL to test PostgreSQL")
def test_postgresql_pipeline(tmp_path: Path, pg_url: str) -> None:
    """init → ingest → clean → re-ingest with the store on PostgreSQL."""
    from tunedesk.clean import stage
    from tunedesk.ingest import stage as ingest
    from tunedesk.scaffold import init_workspace
    from tunedesk.workspace import Workspace

    url = pg_url
    store = Store(url)
    with store.engine.begin() as conn:
        for table in ("clean_tickets", "quarantine", "stage_runs", "articles", "tickets"):
            conn.execute(text(f"DELETE FROM {table}"))
    init_workspace(tmp_path / "ws", example=True, example_tickets=120)
    ws = Workspace.open(tmp_path / "ws", [f"store.url={url}"])
    assert ingest.run(ws).tickets.new == 120
    summary = stage.run(ws)
    assert summary.tickets_in == 120 and summary.kept + sum(summary.dropped.values()) == 120
    assert ingest.run(Workspace.open(tmp_path / "ws", [f"store.url={url}"])).tickets.unchanged == 120


@pytest.mark.skipif(not os.environ.get("TUNEDESK_TEST_PG_URL"), reason="set TUNEDESK_TEST_PG_URL to test PostgreSQL")
def test_postgresql_stores_opened_at_once_migrate_once(pg_url: str) -> None:
    """Several processes (the server, a CLI command) opening a new PostgreSQL store at the same moment: one
    migrates under an advisory lock, the others wait and find the schema current."""
    from concurrent.futures import ThreadPoolExecutor

    url = pg_url
    with Store(url).engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    with ThreadPoolExecutor(4) as pool:
        stores = list(pool.map(lambda _: Store(url), range(4)))
    assert all(s.count("tickets") == 0 for s in stores)
