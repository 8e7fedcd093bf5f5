"""The `recorder:` section: where the database is, how often it writes, what it keeps."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

__all__ = ["DEFAULT_COMMIT_INTERVAL", "RecorderConfig"]

DEFAULT_COMMIT_INTERVAL = 1.0


class RecorderConfig(BaseModel):
    """The `recorder:` section.

    History rows are written in batches every `commit_interval` seconds (or sooner when
    `max_batch` rows wait); a `kill -9` loses at most that window of history. Incidents,
    their timeline steps and the outbox are never batched: each is committed before the
    call that made it returns.
    """

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(
        default=True,
        description="false keeps incidents in memory only (benchmarks, throwaway hubs)",
    )
    db_url: str | None = Field(
        default=None,
        description="SQLAlchemy async URL; default sqlite+aiosqlite:///<data_dir>/campus-hub.db",
    )
    commit_interval: float = Field(default=DEFAULT_COMMIT_INTERVAL, ge=0.01, le=60)
    max_batch: int = Field(default=5000, ge=1, le=1_000_000)
    max_queue: int = Field(default=500_000, ge=1000)
    exclude_event_types: list[str] = Field(default_factory=list)
    purge_keep_days: int | None = Field(
        default=30,
        ge=1,
        le=36500,
        description="events and state history older than this are purged daily; "
        "null keeps them forever. Incidents and the audit log are never purged.",
    )
    purge_interval: float = Field(default=86400.0, ge=60)

    @field_validator("db_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(
                "not a database URL; expected e.g. "
                "sqlite+aiosqlite:///var/campus-hub.db or "
                "postgresql+asyncpg://user:password@host/db"
            ) from None
        backend, driver = url.get_backend_name(), url.get_driver_name()
        if (backend, driver) not in (("sqlite", "aiosqlite"), ("postgresql", "asyncpg")):
            raise ValueError(
                f"unsupported driver {url.drivername}; use sqlite+aiosqlite or postgresql+asyncpg"
            )
        if backend == "sqlite" and url.database in (None, "", ":memory:"):
            raise ValueError("an in-memory SQLite database is not durable; give a file path")
        return value
