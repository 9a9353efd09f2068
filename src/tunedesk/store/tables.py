"""The store's tables (SQLAlchemy Core). Schema changes go through a new Alembic migration in migrations/versions."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Float, Integer, MetaData, String, Table, Text, UniqueConstraint

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

model_versions = Table(
    "model_versions",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("status", String(16), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("base", Text),
    Column("method", String(32)),
    Column("eval_summary", Text),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

model_events = Table(
    "model_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("version", String(128), nullable=False, index=True),
    Column("action", String(32), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("actor", String(128)),
    Column("detail", Text, nullable=False),
)

served_replies = Table(
    "served_replies",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("ticket_id", String(255), nullable=False, index=True),
    Column("category", String(128)),
    Column("mode", String(16), nullable=False),
    Column("decision", String(32), nullable=False),
    Column("reasons", Text, nullable=False),
    Column("confidence", String(16)),
    Column("confidence_score", Float),
    Column("model_version", String(128)),
    Column("rollout_bucket", Integer),
    Column("in_rollout", Boolean, nullable=False),
    Column("latency_ms", Float),
    Column("thread", Text, nullable=False),
    Column("reply", Text, nullable=False),
    Column("sources", Text, nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("final_text", Text),
    Column("reviewer", String(128)),
    Column("reviewed_at", DateTime),
    Column("rating", Integer),
    Column("created_at", DateTime, nullable=False, index=True),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("reply_id", String(64), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("text", Text),
    Column("actor", String(128)),
    Column("at", DateTime, nullable=False),
)
