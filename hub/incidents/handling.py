"""Graded handling of a category (分类处置): its escalation script and its procedure.

An escalation is a list of steps in the shape of a Home Assistant script: `delay` waits
(counted from the moment the incident was raised), every other step is one action:
`siren`, `broadcast`, `priority`, `notify`, `forward`. The hub runs them while nobody has
acknowledged the incident (hub/escalation/). A procedure is the checklist the guard ticks
in the panel.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .model import Priority

__all__ = [
    "ACTIONS",
    "BroadcastAction",
    "EscalationStep",
    "ForwardAction",
    "NotifyAction",
    "ProcedureItem",
    "SirenAction",
    "parse_duration",
]

ACTIONS = ("siren", "broadcast", "priority", "notify", "forward")
_HMS = re.compile(r"^(\d+):([0-5]?\d)(?::([0-5]?\d))?$")


def parse_duration(value: object) -> float:
    """Seconds from 90, "90", "00:01:30" (HH:MM:SS), "01:30" (HH:MM) or {minutes: 1, ...}."""
    if isinstance(value, bool):
        raise ValueError("expected seconds, HH:MM:SS or {hours, minutes, seconds}")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (match := _HMS.match(value.strip())):
        hours, minutes, secs = match.groups()
        if secs is None:  # HH:MM, as Home Assistant reads it
            seconds = int(hours) * 3600 + int(minutes) * 60
        else:
            seconds = int(hours) * 3600 + int(minutes) * 60 + int(secs)
    elif isinstance(value, str) and value.strip().replace(".", "", 1).isdigit():
        seconds = float(value)
    elif isinstance(value, dict) and value and set(value) <= {"hours", "minutes", "seconds"}:
        parts = {k: float(v) for k, v in value.items()}
        seconds = (parts.get("hours", 0) * 3600 + parts.get("minutes", 0) * 60
                   + parts.get("seconds", 0))
    else:
        raise ValueError("expected seconds, HH:MM:SS or {hours, minutes, seconds}")
    if not 0 <= seconds <= 7 * 86400:
        raise ValueError("a delay is 0 s to 7 days")
    return seconds


class _Action(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SirenAction(_Action):
    """Switch sirens on: the listed switches, or the siren relays at the incident's gate."""

    entity_id: list[str] = []
    #: switched off again after this long (0: left on until a guard switches it off)
    seconds: float = Field(default=30, ge=0, le=3600)

    @field_validator("entity_id", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class BroadcastAction(_Action):
    """Speak at the gate: the listed speakers, or every speaker at the incident's gate."""

    entity_id: list[str] = []
    #: default: "Alarm at the gate ..." in the hub's language
    message: str | None = Field(default=None, min_length=1, max_length=500)
    language: Literal["en", "zh"] | None = None
    repeat: int = Field(default=2, ge=1, le=10)
    volume: int = Field(default=100, ge=0, le=100)

    @field_validator("entity_id", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class NotifyAction(_Action):
    """Tell the duty list through notify channels (all configured ones when none named)."""

    channel: list[str] = []
    title: str | None = Field(default=None, max_length=200)
    message: str | None = Field(default=None, max_length=2000)
    mention_all: bool = False

    @field_validator("channel", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class ForwardAction(_Action):
    """Send the incident to uplinks (the police) its filters would skip (all when none named)."""

    uplinks: list[str] = []
    note: str = Field(default="not acknowledged at the gate", max_length=500)

    @field_validator("uplinks", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


def _shorthand(key: str, value: Any) -> Any:
    """`siren: switch.x`, `notify: duty_phones`, `forward: true` / `forward: police_hq`."""
    if key in ("siren", "broadcast") and (isinstance(value, str | list) or value is None):
        return {"entity_id": value or []}
    if key == "notify" and (isinstance(value, str | list) or value is None):
        return {"channel": value or []}
    if key == "forward" and (value is True or value is None):
        return {}
    if key == "forward" and isinstance(value, str | list):
        return {"uplinks": value}
    return value


class EscalationStep(BaseModel):
    """One step of an escalation: exactly one of delay or an action."""

    model_config = ConfigDict(extra="forbid")

    delay: float | None = None
    siren: SirenAction | None = None
    broadcast: BroadcastAction | None = None
    priority: Priority | None = None
    notify: NotifyAction | None = None
    forward: ForwardAction | None = None

    @model_validator(mode="before")
    @classmethod
    def _expand(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            raise ValueError("each step is a mapping with one of delay, " + ", ".join(ACTIONS))
        out = {k: _shorthand(k, v) for k, v in value.items()}
        if "delay" in out:
            out["delay"] = parse_duration(out["delay"])
        if "priority" in out and not isinstance(out["priority"], Priority):
            try:
                out["priority"] = Priority.parse(out["priority"])
            except (KeyError, ValueError, TypeError):
                raise ValueError("priority: expected 1-4 or one of critical, high, medium, "
                                 "low") from None
        return out

    @model_validator(mode="after")
    def _exactly_one(self) -> EscalationStep:
        given = [name for name in ("delay", *ACTIONS) if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("each step has exactly one of delay, " + ", ".join(ACTIONS)
                             + (f" (got {', '.join(given)})" if given else ""))
        return self

    @property
    def kind(self) -> str:
        """Return 'delay' or the action's name."""
        return next(name for name in ("delay", *ACTIONS) if getattr(self, name) is not None)


class ProcedureItem(BaseModel):
    """One line of a category's checklist, in English and (optionally) Chinese."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(default="", pattern=r"^[a-z0-9_]*$", max_length=64)
    text: str = Field(min_length=1, max_length=300)
    zh: str | None = Field(default=None, min_length=1, max_length=300)

    @model_validator(mode="before")
    @classmethod
    def _plain(cls, value: Any) -> Any:
        return {"text": value} if isinstance(value, str) else value


def number_items(items: list[ProcedureItem]) -> list[ProcedureItem]:
    """Give items without an id the id step_<n>; refuse ids used twice."""
    seen: set[str] = set()
    out: list[ProcedureItem] = []
    for index, item in enumerate(items, 1):
        ident = item.id or f"step_{index}"
        if ident in seen:
            raise ValueError(f"procedure item id '{ident}' is used twice")
        seen.add(ident)
        out.append(item.model_copy(update={"id": ident}))
    return out
