"""The store's tables (SQLAlchemy Core). Schema changes go through a new Alembic migration in migrations/versions."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Float, Integer, MetaData, String, Table, Text, UniqueConstraint

metadata = MetaData()

tickets = Table(
    "tickets",
    metadata,
    Column("id", String(255), primary_key=True),
    Column("source", String(64), nullable=False, index=True),
    Column("external_id", String(255), nullable=False),
    Column("subject", Text, nullable=False, default=""),
    Column("category", String(128), index=True),
    Column("status", String(64)),
    Column("csat", Float),
    Column("channel", String(64)),
    Column("created_at", DateTime),
    Column("content_hash", String(40), nullable=False),
    Column("data", Text, nullable=False),
)

articles = Table(
    "articles",
    metadata,
    Column("id", String(255), primary_key=True),
    Column("source", String(64), nullable=False),
    Column("title", Text, nullable=False),
    Column("category", String(128)),
    Column("content_hash", String(40), nullable=False),
    Column("data", Text, nullable=False),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("stage", String(32), nullable=False),
    Column("source_file", Text, nullable=False),
    Column("locator", String(255), nullable=False),
    Column("reason", Text, nullable=False),
    Column("field", String(255)),
    Column("raw", Text, nullable=False, default=""),
    UniqueConstraint("stage", "source_file", "locator", name="uq_quarantine_place"),
)

clean_tickets = Table(
    "clean_tickets",
    metadata,
    Column("id", String(255), primary_key=True),
    Column("category", String(128), index=True),
    Column("outcome", String(16), nullable=False, index=True),
    Column("reason", String(64)),
    Column("detail", Text),
    Column("escalation", String(64)),
    Column("quality", Float),
    Column("source_hash", String(40), nullable=False),
    Column("data", Text, nullable=False),
)

stage_runs = Table(
    "stage_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("stage", String(32), nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime, nullable=False),
    Column("summary", Text, nullable=False),
)
