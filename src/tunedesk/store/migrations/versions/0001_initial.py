"""Initial schema: tickets, articles, quarantine, clean results, stage runs.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", sa.String(255), primary_key=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("category", sa.String(128)),
        sa.Column("status", sa.String(64)),
        sa.Column("csat", sa.Float),
        sa.Column("channel", sa.String(64)),
        sa.Column("created_at", sa.DateTime),
        sa.Column("content_hash", sa.String(40), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_index("ix_tickets_source", "tickets", ["source"])
    op.create_index("ix_tickets_category", "tickets", ["category"])
    op.create_table(
        "articles",
        sa.Column("id", sa.String(255), primary_key=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("category", sa.String(128)),
        sa.Column("content_hash", sa.String(40), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_table(
        "quarantine",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("source_file", sa.Text, nullable=False),
        sa.Column("locator", sa.String(255), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("field", sa.String(255)),
        sa.Column("raw", sa.Text, nullable=False),
        sa.UniqueConstraint("stage", "source_file", "locator", name="uq_quarantine_place"),
    )
    op.create_table(
        "clean_tickets",
        sa.Column("id", sa.String(255), primary_key=True),
        sa.Column("category", sa.String(128)),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(64)),
        sa.Column("detail", sa.Text),
        sa.Column("escalation", sa.String(64)),
        sa.Column("quality", sa.Float),
        sa.Column("source_hash", sa.String(40), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_index("ix_clean_tickets_category", "clean_tickets", ["category"])
    op.create_index("ix_clean_tickets_outcome", "clean_tickets", ["outcome"])
    op.create_table(
        "stage_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for name in ("stage_runs", "clean_tickets", "quarantine", "articles", "tickets"):
        op.drop_table(name)
