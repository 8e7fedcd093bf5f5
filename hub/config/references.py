"""check-config's cross-check: every entity and schedule a section names must exist.

An automation, a recognition camera, a device's incident cameras (`cameras:`) or the
off-post warning that names an entity no device creates (or a schedule that is not defined)
is an error with file:line and the names that do exist. Entity ids come from each device's
platform (`Platform.entity_ids`), automations add `automation.<id>`.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel

from ..entity import Platform
from ..fieldpath import format_path
from .located import location_of
from .models import HubConfig

__all__ = ["check_references", "created_entities"]

Loc = tuple[str | int, ...]
_SHOWN = 12  # names listed in a hint


def created_entities(config: HubConfig,
                     platforms: Mapping[str, type[Platform]]) -> set[str] | None:
    """Return the entity ids the configuration creates (`x.y_*` patterns included).

    None when a device's platform cannot tell which entities it makes.
    """
    ids: set[str] = set()
    for device in config.devices:
        platform = platforms.get(device.platform)
        made = platform.entity_ids(device) if platform else None
        if made is None:
            return None
        ids.update(made)
    automations = config.sections.get("automation")
    if automations is not None:
        ids.update(f"automation.{aid}" for aid, _cfg in automations.with_ids())
    return ids


def check_references(config: HubConfig, platforms: Mapping[str, type[Platform]]) -> list[str]:
    """Return a problem line for each reference to an entity or schedule that does not exist."""
    problems: list[str] = []
    entities = created_entities(config, platforms)
    schedules_section = config.sections.get("schedules")
    schedules = set(schedules_section.root) if schedules_section is not None else set()
    for loc, kind, name in _references(config):
        if kind == "entity" and entities is not None and not _exists(name, entities):
            hint = "entities the devices create: " + _names(name, entities)
            problems.append(_line(config, loc, f"no device creates '{name}'", hint))
        elif kind == "schedule" and name not in schedules:
            hint = "schedules defined: " + (", ".join(sorted(schedules)) or "none")
            problems.append(_line(config, loc, f"unknown schedule '{name}'", hint))
    return problems


def _exists(entity_id: str, entities: set[str]) -> bool:
    return entity_id in entities or any(
        pattern.endswith("*") and fnmatch.fnmatchcase(entity_id, pattern)
        for pattern in entities)


def _names(entity_id: str, entities: set[str]) -> str:
    domain = entity_id.partition(".")[0]
    same = sorted(e for e in entities if e.startswith(domain + "."))
    names = same or sorted(entities)
    if not names:
        return "none"
    more = f" (+{len(names) - _SHOWN} more)" if len(names) > _SHOWN else ""
    return ", ".join(names[:_SHOWN]) + more


def _line(config: HubConfig, loc: Loc, message: str, hint: str) -> str:
    where = location_of(config.raw, loc)
    place = f"{where[0]}:{where[1]}" if where else f"{config.path or '<config>'}:0"
    return f"{place}: {format_path(loc)}: {message}. Hint: {hint}"


def _references(config: HubConfig) -> Iterator[tuple[Loc, str, str]]:
    from ..automation.config import references

    for index, device in enumerate(config.devices):
        yield from _cameras(device, ("devices", index))
    automations = config.sections.get("automation")
    if automations is not None:
        for index, (_aid, cfg) in enumerate(automations.with_ids()):
            for loc, kind, name in references(cfg, ("automation", index)):
                if kind == "entity":  # the automation section checks its own schedules
                    yield loc, kind, name
    recognition = config.sections.get("recognition")
    if recognition is not None:
        for index, camera in enumerate(recognition.cameras):
            yield ("recognition", "cameras", index, "entity_id"), "entity", camera.entity_id
        if recognition.guard is not None:
            yield ("recognition", "guard", "camera"), "entity", recognition.guard.camera
            if recognition.guard.schedule:
                yield ("recognition", "guard", "schedule"), "schedule", recognition.guard.schedule


def _cameras(model: BaseModel, loc: Loc) -> Iterator[tuple[Loc, str, str]]:
    """The `cameras:` lists anywhere in a device entry (the device's, an input's)."""
    for field in type(model).model_fields:
        value: Any = getattr(model, field)
        if field == "cameras" and isinstance(value, list):
            for i, camera in enumerate(value):
                if isinstance(camera, str):
                    yield (*loc, field, i), "entity", camera
        elif isinstance(value, BaseModel):
            yield from _cameras(value, (*loc, field))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from _cameras(item, (*loc, field, i))
