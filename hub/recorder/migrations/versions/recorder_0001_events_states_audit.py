"""recorder: events, state history, audit log

Revision ID: recorder_0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "recorder_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("recorder",)
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create events, states and audit_log."""
    op.create_table(
        "events",
        sa.Column("id", _ID, nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("time_fired", sa.Double(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=True),
        sa.Column("origin", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_events_time_fired", "events", ["time_fired"])
    op.create_index("ix_events_type_time", "events", ["event_type", "time_fired"])
    op.create_table(
        "states",
        sa.Column("id", _ID, nullable=False),
        sa.Column("entity_id", sa.String(255), nullable=False),
        sa.Column("state", sa.String(255), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("last_changed", sa.Double(), nullable=False),
        sa.Column("last_updated", sa.Double(), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_states_entity_time", "states", ["entity_id", "last_updated"])
    op.create_index("ix_states_last_updated", "states", ["last_updated"])
    op.create_table(
        "audit_log",
        sa.Column("id", _ID, nullable=False),
        sa.Column("time", sa.Double(), nullable=False),
        sa.Column("user", sa.String(255), nullable=False),
        sa.Column("action", sa.String(128), nullable=False),
        sa.Column("target", sa.String(255), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("origin", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_log_action", "audit_log", ["action"])
    op.create_index("ix_audit_log_time", "audit_log", ["time"])
    op.create_index("ix_audit_log_user", "audit_log", ["user"])


def downgrade() -> None:
    """Drop events, states and audit_log."""
    op.drop_table("audit_log")
    op.drop_table("states")
    op.drop_table("events")
