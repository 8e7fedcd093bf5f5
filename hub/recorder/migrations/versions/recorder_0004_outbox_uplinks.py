"""recorder: the outbox serves every uplink (kind, ordering key; destination is now uplink)

Revision ID: recorder_0004
Revises: recorder_0003
Create Date: 2026-12-05

`destination` becomes `uplink` (one name per concept, issue 11). Every existing row is an
incident message: `kind` is "incident" and its `ordering_key` the incident id. On SQLite
the table is rebuilt (batch mode); PostgreSQL alters it in place.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "recorder_0004"
down_revision: str | Sequence[str] | None = "recorder_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Rename destination to uplink; add kind and ordering_key, filled for existing rows."""
    op.drop_index("ix_outbox_destination_status_id", table_name="outbox")
    op.add_column("outbox", sa.Column("kind", sa.String(128), nullable=True))
    op.add_column("outbox", sa.Column("ordering_key", sa.String(255), nullable=True))
    op.execute("UPDATE outbox SET kind = 'incident', "
               "ordering_key = COALESCE(incident_id, idempotency_key)")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_constraint("uq_outbox_destination_key", type_="unique")
        batch.alter_column("destination", new_column_name="uplink",
                           existing_type=sa.String(128), existing_nullable=False)
        batch.alter_column("kind", existing_type=sa.String(128), nullable=False)
        batch.alter_column("ordering_key", existing_type=sa.String(255), nullable=False)
    # A second batch: SQLite's rebuild drops a constraint on a column renamed in the same one.
    with op.batch_alter_table("outbox") as batch:
        batch.create_unique_constraint("uq_outbox_uplink_key", ["uplink", "idempotency_key"])
    op.create_index("ix_outbox_uplink_status_id", "outbox", ["uplink", "status", "id"])


def downgrade() -> None:
    """Drop items about no incident's kind; put destination back."""
    op.drop_index("ix_outbox_uplink_status_id", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_constraint("uq_outbox_uplink_key", type_="unique")
        batch.alter_column("uplink", new_column_name="destination",
                           existing_type=sa.String(128), existing_nullable=False)
        batch.drop_column("ordering_key")
        batch.drop_column("kind")
    with op.batch_alter_table("outbox") as batch:
        batch.create_unique_constraint("uq_outbox_destination_key",
                                       ["destination", "idempotency_key"])
    op.create_index("ix_outbox_destination_status_id", "outbox",
                    ["destination", "status", "id"])
