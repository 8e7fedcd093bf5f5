"""Alembic environment of the platform's database (PostgreSQL through asyncpg)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import create_async_engine

from city.models import CityBase
from hub.recorder.alembic_env import run_env

run_env(CityBase.metadata, create_async_engine)
