"""recorder: entity ids once in states_meta; states keyed by an integer, one index

Revision ID: recorder_0003
Revises: recorder_0002
Create Date: 2026-11-22

Every distinct `states.entity_id` gets a `states_meta` row; each state row keeps its id,
values and times and points at its entity through `metadata_id`. The time-only index goes
(retention deletes in id order). On SQLite the table is rebuilt (batch mode), which for a
large history takes a while once; PostgreSQL alters it in place.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "recorder_0003"
down_revision: str | Sequence[str] | None = "recorder_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FK = "fk_states_metadata_id_states_meta"


def upgrade() -> None:
    """Create states_meta, fill it from states, and key states by metadata_id."""
    op.create_table(
        "states_meta",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("entity_id"),
    )
    op.execute(
        "INSERT INTO states_meta (entity_id) "
        "SELECT DISTINCT entity_id FROM states ORDER BY entity_id"
    )
    op.drop_index("ix_states_entity_time", table_name="states")
    op.drop_index("ix_states_last_updated", table_name="states")
    op.add_column("states", sa.Column("metadata_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE states SET metadata_id = "
        "(SELECT states_meta.id FROM states_meta WHERE states_meta.entity_id = states.entity_id)"
    )
    with op.batch_alter_table("states") as batch:
        batch.alter_column("metadata_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("entity_id")
        batch.create_foreign_key(_FK, "states_meta", ["metadata_id"], ["id"])
    op.create_index("ix_states_metadata_time", "states", ["metadata_id", "last_updated"])


def downgrade() -> None:
    """Put the entity id back into every state row and drop states_meta."""
    op.drop_index("ix_states_metadata_time", table_name="states")
    op.add_column("states", sa.Column("entity_id", sa.String(255), nullable=True))
    op.execute(
        "UPDATE states SET entity_id = "
        "(SELECT states_meta.entity_id FROM states_meta WHERE states_meta.id = states.metadata_id)"
    )
    with op.batch_alter_table("states") as batch:
        batch.drop_constraint(_FK, type_="foreignkey")
        batch.drop_column("metadata_id")
        batch.alter_column("entity_id", existing_type=sa.String(255), nullable=False)
    op.create_index("ix_states_entity_time", "states", ["entity_id", "last_updated"])
    op.create_index("ix_states_last_updated", "states", ["last_updated"])
    op.drop_table("states_meta")
