"""Incident categories and their defaults; school IT overrides them in YAML."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .model import Priority

__all__ = ["DEFAULT_CATEGORIES", "CategoryConfig", "IncidentsConfig"]


class CategoryConfig(BaseModel):
    """How one incident category is handled."""

    model_config = ConfigDict(extra="forbid")

    priority: Priority = Priority.MEDIUM
    title: str = ""
    forward: bool = False
    instructions: str = ""

    @field_validator("priority", mode="before")
    @classmethod
    def _parse_priority(cls, value: object) -> Priority:
        if isinstance(value, Priority):
            return value
        if isinstance(value, int | str):
            try:
                return Priority.parse(value)
            except (KeyError, ValueError):
                pass
        raise ValueError("expected 1-4 or one of critical, high, medium, low")


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
