"""faces: gallery persons and photos

Revision ID: faces_0001
Revises:
Create Date: 2026-11-22 10:10:24.099582
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "faces_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("faces",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the gallery tables."""
    op.create_table(
        "faces_persons",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("list_name", sa.String(length=8), nullable=False),
        sa.Column("group", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notes", sa.String(length=2000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_faces_persons_list", "faces_persons", ["list_name"], unique=False)
    op.create_table(
        "faces_photos",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("platform", sa.String(length=64), nullable=False),
        sa.Column("face_id", sa.String(length=64), nullable=False),
        sa.Column("file", sa.String(length=200), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=False),
        sa.Column("quality", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["faces_persons.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_faces_photos_person_id", "faces_photos", ["person_id"], unique=False)


def downgrade() -> None:
    """Drop the gallery tables."""
    op.drop_index("ix_faces_photos_person_id", table_name="faces_photos")
    op.drop_table("faces_photos")
    op.drop_index("ix_faces_persons_list", table_name="faces_persons")
    op.drop_table("faces_persons")
