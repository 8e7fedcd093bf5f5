"""auth: users, api tokens, sessions

Revision ID: auth_0001
Revises:
Create Date: 2026-11-22 10:10:49.009673
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'auth_0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('auth',)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table('auth_users',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=128), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('auth_sessions',
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('user_name', sa.String(length=64), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_name'], ['auth_users.name'], ),
    sa.PrimaryKeyConstraint('id_hash')
    )
    op.create_index('ix_auth_sessions_user_name', 'auth_sessions', ['user_name'], unique=False)

    op.create_table('auth_tokens',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('user_name', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_name'], ['auth_users.name'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_index('ix_auth_tokens_user_name', 'auth_tokens', ['user_name'], unique=False)



def downgrade() -> None:
    """Revert this revision."""
    op.drop_index('ix_auth_tokens_user_name', table_name='auth_tokens')

    op.drop_table('auth_tokens')
    op.drop_index('ix_auth_sessions_user_name', table_name='auth_sessions')

    op.drop_table('auth_sessions')
    op.drop_table('auth_users')
