"""Alembic environment: async engines (aiosqlite, asyncpg), every component's tables."""

from __future__ import annotations

from hub.recorder.alembic_env import run_env
from hub.recorder.db import Base, Database
from hub.recorder.migrate import import_models

import_models()
# The hub's engine settings (SQLite: WAL, synchronous=NORMAL) make DDL commits cheap.
run_env(Base.metadata, lambda url: Database(url).engine)
