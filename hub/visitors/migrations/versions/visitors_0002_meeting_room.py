"""visitors: where a visitor went (the school or a meeting room)

Revision ID: visitors_0002
Revises: visitors_0001
Create Date: 2026-12-05 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'visitors_0002'
down_revision: str | Sequence[str] | None = 'visitors_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision: every earlier visit went into the school."""
    with op.batch_alter_table('visitors') as batch:
        batch.add_column(sa.Column('destination', sa.String(length=16), nullable=False,
                                   server_default='school'))
        batch.add_column(sa.Column('room', sa.String(length=64), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table('visitors') as batch:
        batch.drop_column('room')
        batch.drop_column('destination')
