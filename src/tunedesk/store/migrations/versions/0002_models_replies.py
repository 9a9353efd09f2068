"""The model registry (versions and their history), served replies and the feedback on them.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "model_versions",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("base", sa.Text),
        sa.Column("method", sa.String(32)),
        sa.Column("eval_summary", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_model_versions_status", "model_versions", ["status"])
    op.create_table(
        "model_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("version", sa.String(128), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(128)),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("ix_model_events_version", "model_events", ["version"])
    op.create_table(
        "served_replies",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("ticket_id", sa.String(255), nullable=False),
        sa.Column("category", sa.String(128)),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("decision", sa.String(32), nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("confidence", sa.String(16)),
        sa.Column("confidence_score", sa.Float),
        sa.Column("model_version", sa.String(128)),
        sa.Column("rollout_bucket", sa.Integer),
        sa.Column("in_rollout", sa.Boolean, nullable=False),
        sa.Column("latency_ms", sa.Float),
        sa.Column("thread", sa.Text, nullable=False),
        sa.Column("reply", sa.Text, nullable=False),
        sa.Column("sources", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("final_text", sa.Text),
        sa.Column("reviewer", sa.String(128)),
        sa.Column("reviewed_at", sa.DateTime),
        sa.Column("rating", sa.Integer),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_served_replies_ticket", "served_replies", ["ticket_id"])
    op.create_index("ix_served_replies_status", "served_replies", ["status"])
    op.create_index("ix_served_replies_created", "served_replies", ["created_at"])
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("reply_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("text", sa.Text),
        sa.Column("actor", sa.String(128)),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_feedback_reply", "feedback", ["reply_id"])


def downgrade() -> None:
    for table in ("feedback", "served_replies", "model_events", "model_versions"):
        op.drop_table(table)
