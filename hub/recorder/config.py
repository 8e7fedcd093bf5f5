"""The `recorder:` section: where the database is, how often it writes, what it keeps."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["DEFAULT_COMMIT_INTERVAL", "RecorderConfig"]

DEFAULT_COMMIT_INTERVAL = 1.0
_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")


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
        # Plain string checks: validating a config must not import SQLAlchemy.
        if value is None:
            return None
        scheme, sep, rest = value.partition("://")
        if not sep or not scheme:
            raise ValueError(
                "not a database URL; expected e.g. "
                "sqlite+aiosqlite:///var/campus-hub.db or "
                "postgresql+asyncpg://user:password@host/db"
            )
        if scheme not in _DRIVERS:
            raise ValueError(
                f"unsupported driver {scheme}; use sqlite+aiosqlite or postgresql+asyncpg"
            )
        path = rest[1:] if rest.startswith("/") else rest
        if scheme.startswith("sqlite") and path.split("?")[0] in ("", ":memory:"):
            raise ValueError("an in-memory SQLite database is not durable; give a file path")
        return value
