"""Incident categories and their defaults; school IT overrides them in YAML."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from .model import Priority

__all__ = ["DEFAULT_CATEGORIES", "CategoryConfig", "IncidentsConfig", "PriorityValue"]


def _coerce_priority(value: object) -> Priority:
    if isinstance(value, Priority):
        return value
    if isinstance(value, int | str):
        try:
            return Priority.parse(value)
        except (KeyError, ValueError):
            pass
    raise ValueError("expected 1-4 or one of critical, high, medium, low")


#: A priority in YAML: 1-4 or a name (critical, high, medium, low).
PriorityValue = Annotated[Priority, BeforeValidator(_coerce_priority)]


class CategoryConfig(BaseModel):
    """How one incident category is handled."""

    model_config = ConfigDict(extra="forbid")

    priority: PriorityValue = Priority.MEDIUM
    title: str = ""
    forward: bool = False
    instructions: str = ""


DEFAULT_CATEGORIES: dict[str, CategoryConfig] = {
    "panic": CategoryConfig(priority=Priority.CRITICAL, title="Panic alarm", forward=True,
                            instructions="Send officers to the gate at once."),
    "watchlist_match": CategoryConfig(priority=Priority.HIGH, title="Watch-list match",
                                      forward=True),
    "intrusion": CategoryConfig(priority=Priority.HIGH, title="Intrusion"),
    "tamper": CategoryConfig(priority=Priority.HIGH, title="Device tampered with"),
    "metal_detected": CategoryConfig(priority=Priority.HIGH, title="Metal detected"),
    "guard_off_post": CategoryConfig(priority=Priority.MEDIUM, title="Guard off post"),
    "device_offline": CategoryConfig(priority=Priority.MEDIUM, title="Device offline"),
    "visitor": CategoryConfig(priority=Priority.LOW, title="Visitor"),
}


class IncidentsConfig(BaseModel):
    """The `incidents:` section."""

    model_config = ConfigDict(extra="forbid")

    categories: dict[str, CategoryConfig] = Field(default_factory=dict)
    dedupe_open: bool = True
    snapshot_timeout: float = Field(default=3.0, gt=0, le=30)

    def category(self, name: str) -> CategoryConfig:
        """Return the settings of a category (configured, default, or generic)."""
        if name in self.categories:
            return self.categories[name]
        return DEFAULT_CATEGORIES.get(name, CategoryConfig(title=name.replace("_", " ")))

    def all_categories(self) -> dict[str, CategoryConfig]:
        """Return every known category with its settings."""
        return {**DEFAULT_CATEGORIES, **self.categories}
