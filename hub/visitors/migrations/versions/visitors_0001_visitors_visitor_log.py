"""visitors: visitor log

Revision ID: visitors_0001
Revises:
Create Date: 2026-11-22 10:14:30.838611
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'visitors_0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('visitors',)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table('visitors',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('id_number', sa.String(length=64), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('host', sa.String(length=128), nullable=False),
    sa.Column('gate', sa.String(length=64), nullable=False),
    sa.Column('metal_result', sa.String(length=16), nullable=False),
    sa.Column('metal_source', sa.String(length=128), nullable=True),
    sa.Column('metal_at', sa.Double(), nullable=True),
    sa.Column('locker', sa.String(length=16), nullable=True),
    sa.Column('items', sa.String(length=500), nullable=False),
    sa.Column('photo', sa.String(length=32), nullable=True),
    sa.Column('gate_opened', sa.String(length=128), nullable=True),
    sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checked_in_by', sa.String(length=64), nullable=False),
    sa.Column('checked_out_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('checked_out_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_visitors_checked_in_at', 'visitors', ['checked_in_at'], unique=False)
    op.create_index('ix_visitors_host', 'visitors', ['host'], unique=False)
    op.create_index('ix_visitors_name', 'visitors', ['name'], unique=False)



def downgrade() -> None:
    """Revert this revision."""
    op.drop_index('ix_visitors_name', table_name='visitors')
    op.drop_index('ix_visitors_host', table_name='visitors')
    op.drop_index('ix_visitors_checked_in_at', table_name='visitors')

    op.drop_table('visitors')
