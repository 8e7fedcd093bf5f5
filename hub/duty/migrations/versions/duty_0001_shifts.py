"""duty: the guards' shifts and handovers

Revision ID: duty_0001
Revises:
Create Date: 2026-12-05 19:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'duty_0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('duty',)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table('duty_shifts',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('guard', sa.String(length=64), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notes', sa.String(length=2000), nullable=False),
    sa.Column('handover', sa.Text(), nullable=False),
    sa.Column('signed_off_by', sa.String(length=64), nullable=True),
    sa.Column('signed_off_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_duty_shifts_guard', 'duty_shifts', ['guard'], unique=False)
    op.create_index('ix_duty_shifts_started_at', 'duty_shifts', ['started_at'], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index('ix_duty_shifts_started_at', table_name='duty_shifts')
    op.drop_index('ix_duty_shifts_guard', table_name='duty_shifts')
    op.drop_table('duty_shifts')
