"""The `escalation:` section, and check-config's cross-check of every category's escalation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from ..config.models import HubConfig

__all__ = ["EscalationConfig", "check"]

Problem = tuple[tuple[str | int, ...], str, str]


class EscalationConfig(BaseModel):
    """Hub-wide escalation settings; the steps themselves live in `incidents.categories`."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    #: channels a `notify` step without `channel:` uses (empty: every configured channel)
    notify: list[str] = []
    #: a switch is a siren at its gate when this text is in its entity id or name
    siren_match: str = "siren"


def check(config: HubConfig) -> list[Problem]:
    """Return (loc, message, hint) for notify channels and uplinks no section defines."""
    notify = config.sections.get("notify") or []
    channels = {entry.name for entry in notify}
    uplinks = {entry.name for entry in (config.sections.get("uplinks") or [])}
    problems: list[Problem] = []
    section = config.sections.get("escalation")
    if section is not None:
        for index, name in enumerate(section.notify):
            if name not in channels:
                problems.append(_unknown(("escalation", "notify", index), "notify channel",
                                         name, channels))
    for loc, kind, name in _named(config):
        known = channels if kind == "notify channel" else uplinks
        if name not in known:
            problems.append(_unknown(loc, kind, name, known))
    return problems


def _named(config: HubConfig) -> Iterator[tuple[tuple[str | int, ...], str, str]]:
    for category, settings in config.incidents.categories.items():
        for index, step in enumerate(settings.escalation or []):
            loc = ("incidents", "categories", category, "escalation", index)
            if step.notify is not None:
                for i, name in enumerate(step.notify.channel):
                    yield (*loc, "notify", "channel", i), "notify channel", name
            if step.forward is not None:
                for i, name in enumerate(step.forward.uplinks):
                    yield (*loc, "forward", "uplinks", i), "uplink", name


def _unknown(loc: tuple[str | int, ...], kind: str, name: str, known: set[str]) -> Problem:
    section = "notify:" if kind == "notify channel" else "uplinks:"
    return (loc, f"unknown {kind} '{name}'",
            f"{section} defines: {', '.join(sorted(known)) or 'none'}")
