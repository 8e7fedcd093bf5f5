"""The `recorder:` section: where the database is, how often it writes, what it keeps."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

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
