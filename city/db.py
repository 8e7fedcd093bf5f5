"""The platform's PostgreSQL: engine, session factory, and `upgrade` (Alembic, branch city).

    python -m city.db upgrade --url postgresql+asyncpg://...
    python -m city.db revision -m "what" --autogenerate --url postgresql+asyncpg://...
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from hub.jsonutil import dumps

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["CityDatabase", "alembic_config", "asyncpg_dsn", "upgrade_blocking"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def asyncpg_url(url: str) -> str:
    """Return the SQLAlchemy URL with the asyncpg driver."""
    if url.startswith("postgresql://"):
        return "postgresql+asyncpg://" + url.removeprefix("postgresql://")
    return url


def asyncpg_dsn(url: str) -> str:
    """Return the plain libpq-style DSN asyncpg.connect takes (LISTEN connections)."""
    dsn = "postgresql://" + asyncpg_url(url).removeprefix("postgresql+asyncpg://")
    # SQLAlchemy's asyncpg dialect takes `ssl=`; libpq-style DSNs spell it `sslmode=`.
    return dsn.replace("?ssl=", "?sslmode=").replace("&ssl=", "&sslmode=")


class CityDatabase:
    """An async engine and session factory on the platform's PostgreSQL."""

    def __init__(self, url: str, pool_size: int = 5) -> None:
        self.url = asyncpg_url(url)
        kwargs: dict[str, Any] = {"json_serializer": dumps, "pool_size": pool_size,
                                  "max_overflow": pool_size, "pool_pre_ping": True}
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        self.session: async_sessionmaker[AsyncSession] = async_sessionmaker(
            self.engine, expire_on_commit=False)

    async def close(self) -> None:
        """Dispose of the engine's connections."""
        await self.engine.dispose()


def alembic_config(url: str) -> Config:
    """Return the Alembic configuration of the platform's migrations for `url`."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("version_locations", str(MIGRATIONS / "versions"))
    cfg.set_main_option("path_separator", "space")
    cfg.set_main_option("sqlalchemy.url", asyncpg_url(url).replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    return cfg


def upgrade_blocking(url: str) -> None:
    """Migrate the platform's database to the head revision (blocking)."""
    from alembic import command

    command.upgrade(alembic_config(url), "heads")


def main(argv: list[str] | None = None) -> int:
    """Command line: upgrade a database, or create a revision."""
    parser = argparse.ArgumentParser(prog="python -m city.db")
    sub = parser.add_subparsers(dest="cmd", required=True)
    up = sub.add_parser("upgrade")
    up.add_argument("--url", required=True)
    rev = sub.add_parser("revision")
    rev.add_argument("--url", required=True)
    rev.add_argument("-m", "--message", required=True)
    rev.add_argument("--rev-id")
    rev.add_argument("--autogenerate", action="store_true")
    args = parser.parse_args(argv)
    if args.cmd == "upgrade":
        upgrade_blocking(args.url)
        return 0
    from alembic import command

    cfg = alembic_config(args.url)
    command.upgrade(cfg, "heads")
    command.revision(cfg, message=args.message, autogenerate=args.autogenerate,
                     rev_id=args.rev_id)
    return 0


if __name__ == "__main__":
    sys.exit(main())
