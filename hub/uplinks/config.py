"""Config models every uplink shares: name, incident filter, retry and backlog settings.

An uplink type subclasses `UplinkConfig` with its own fields and `type: Literal["name"]`;
the `uplinks:` section is a list validated entry by entry through the type's model.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ..incidents import Priority
from ..incidents.config import PriorityValue

__all__ = ["BacklogConfig", "RetryConfig", "UplinkConfig"]

NAME_PATTERN = r"^[a-z0-9_]+$"


class RetryConfig(BaseModel):
    """How deliveries are retried: exponential backoff with jitter, then a dead letter."""

    model_config = ConfigDict(extra="forbid")

    max_attempts: int = Field(default=12, ge=1, le=1000)
    initial_delay: float = Field(default=1.0, gt=0, le=600)
    max_delay: float = Field(default=300.0, gt=0, le=86400)
    concurrency: int = Field(default=4, ge=1, le=64)


class BacklogConfig(BaseModel):
    """How much an uplink may owe before the outbox drops items.

    When an uplink has more than `max_items` undelivered items, or items older than
    `max_age` seconds, the oldest items that are not about an incident are dropped first;
    an incident item is never dropped. Every drop is counted and shown.
    """

    model_config = ConfigDict(extra="forbid")

    max_items: int = Field(default=100_000, ge=1, le=100_000_000)
    max_age: float = Field(default=7 * 86400.0, gt=0, le=365 * 86400.0)


class UplinkConfig(BaseModel):
    """Fields every uplink has; subclass it with `type: Literal[...]` and the type's fields."""

    model_config = ConfigDict(extra="forbid")

    type: str
    name: str = Field(min_length=1, max_length=64, pattern=NAME_PATTERN)
    #: incident filter: these categories only (None: those whose category says `forward`)
    categories: list[str] | None = None
    #: incident filter: these categories as well (e.g. what a receiver's reports count)
    also_categories: list[str] = Field(default_factory=list)
    #: incident filter: this priority or more urgent (1 is the most urgent)
    min_priority: PriorityValue = Priority.LOW
    include_tests: bool = True
    retry: RetryConfig | None = None
    backlog: BacklogConfig = Field(default_factory=BacklogConfig)
