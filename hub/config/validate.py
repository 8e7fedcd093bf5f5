"""Validate a loaded YAML document; collect every problem with file:line and field path."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..components import COMPONENTS, resolve
from ..entity import DeviceConfig
from ..exceptions import ConfigError
from ..fieldpath import format_path
from ..incidents import IncidentsConfig
from ..notify.base import NotifyConfig
from ..uplinks.config import UplinkConfig
from .located import YamlError, location_of
from .models import CoreConfig, HubConfig

__all__ = ["CORE_SECTIONS", "check_config", "load_config", "validate_config"]

CORE_SECTIONS = ("hub", "incidents", "devices")
_POLICE_HINT = ("write each police.webhooks/sia/mqtt entry as an uplinks: entry with "
                "type: webhook, sia or mqtt (same fields), move police.retry into each "
                "entry's retry: and police.live_view to the top-level live_view: section; "
                "see docs/police.md")


class _Problems:
    def __init__(self, raw: Any, fallback: str) -> None:
        self.raw, self.fallback, self.items = raw, fallback, []  # type: ignore[var-annotated]

    def add(self, loc: tuple[str | int, ...], message: str, hint: str = "") -> None:
        where = location_of(self.raw, loc)
        place = f"{where[0]}:{where[1]}" if where else self.fallback
        text = f"{place}: {format_path(loc) or '(top level)'}: {message}"
        self.items.append(text + (f". Hint: {hint}" if hint else ""))

    def add_validation(self, prefix: tuple[str | int, ...], exc: ValidationError,
                       context: str = "") -> None:
        for err in exc.errors():
            loc = (*prefix, *(p for p in err["loc"] if not _is_union_tag(p)))
            got = err.get("input")
            msg = err["msg"]
            if err["type"] not in ("missing", "extra_forbidden") and _short(got):
                msg += f" (got {got!r})"
            if err["type"] == "extra_forbidden":
                msg = "unknown option"
            self.add(loc, msg + (f" ({context})" if context else ""))


def _is_union_tag(part: object) -> bool:
    return isinstance(part, str) and ("[" in part or part.startswith("function-"))


def _short(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) and len(repr(value)) < 60


def validate_config(raw: Any, platforms: Mapping[str, type[DeviceConfig]],
                    path: Path | None = None, *,
                    uplinks: Mapping[str, type[UplinkConfig]] | None = None,
                    notifiers: Mapping[str, type[NotifyConfig]] | None = None) -> HubConfig:
    """Validate a document; raise ConfigError listing every problem.

    `platforms`, `uplinks` and `notifiers` map each loaded device platform, uplink type and
    notify platform to its config model (`PluginRegistry.config_models()`,
    `.uplink_models()`, `.notify_models()`).
    """
    problems = _Problems(raw, f"{path or '<config>'}:0")
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        problems.add((), "the configuration must be a mapping of sections")
        raise ConfigError(problems.items)
    config = HubConfig(path=path, raw=raw)
    components = {spec.key: spec for spec in COMPONENTS}
    for key, value in raw.items():
        if key == "hub":
            config.core = _model(problems, (key,), CoreConfig, value) or config.core
        elif key == "incidents":
            config.incidents = _model(problems, (key,), IncidentsConfig, value) or config.incidents
        elif key == "devices":
            config.devices = _devices(problems, value, platforms, config.config_dir)
        elif key == "police":
            problems.add((key,), "the police: section is now the uplinks: list (issue 11)",
                         _POLICE_HINT)
        elif key == "uplinks":
            config.sections[key] = _uplinks(problems, value, uplinks or {})
        elif key == "notify":
            config.sections[key] = _notify(problems, value, notifiers or {})
        elif key in components:
            model = resolve(components[key].model)
            config.sections[key] = _model(problems, (key,), model, value)
        else:
            known = ", ".join([*CORE_SECTIONS, *components])
            problems.add((key,), "unknown section", f"known sections: {known}")
    for spec in COMPONENTS:
        if spec.check and config.sections.get(spec.key) is not None:
            for loc, message, hint in resolve(spec.check)(config):
                problems.add(loc, message, hint)
    from ..escalation.config import check as check_escalation  # names across sections

    for loc, message, hint in check_escalation(config):
        problems.add(loc, message, hint)
    if problems.items:
        raise ConfigError(problems.items)
    return config


def _model(problems: _Problems, loc: tuple[str | int, ...], model: type[BaseModel],
           value: Any) -> Any:
    try:
        return model.model_validate(value if value is not None else {})
    except ValidationError as exc:
        problems.add_validation(loc, exc)
        return None


def _devices(problems: _Problems, value: Any,
             platforms: Mapping[str, type[DeviceConfig]],
             config_dir: Path | None = None) -> list[DeviceConfig]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.add(("devices",), "must be a list of devices")
        return []
    devices: list[DeviceConfig] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(value):
        loc: tuple[str | int, ...] = ("devices", index)
        if not isinstance(item, dict) or "platform" not in item:
            problems.add(loc, "each device needs a 'platform'")
            continue
        name = str(item["platform"])
        model = platforms.get(name)
        if model is None:
            known = ", ".join(sorted(platforms)) or "none loaded"
            problems.add((*loc, "platform"), f"unknown platform '{name}'",
                         f"platforms from the loaded plugins: {known}")
            continue
        try:
            # Files a device names (a barrier's profile) are relative to the config's folder.
            device = model.model_validate(item, context={"config_dir": config_dir})
        except ValidationError as exc:
            problems.add_validation(loc, exc, f"platform {name}")
            continue
        if device.slug in seen:
            problems.add(loc, f"object id '{device.slug}' is used by devices[{seen[device.slug]}]",
                         "give one of them an object_id")
        seen[device.slug] = index
        devices.append(device)
    return devices


def _uplinks(problems: _Problems, value: Any,
             types: Mapping[str, type[UplinkConfig]]) -> list[UplinkConfig]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.add(("uplinks",), "must be a list of uplinks", "each entry has a type and a name")
        return []
    found: list[UplinkConfig] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(value):
        loc: tuple[str | int, ...] = ("uplinks", index)
        if not isinstance(item, dict) or "type" not in item:
            problems.add(loc, "each uplink needs a 'type'")
            continue
        name = str(item["type"])
        model = types.get(name)
        if model is None:
            known = ", ".join(sorted(types)) or "none loaded"
            problems.add((*loc, "type"), f"unknown uplink type '{name}'",
                         f"uplink types from the loaded plugins: {known}")
            continue
        try:
            uplink = model.model_validate(item)
        except ValidationError as exc:
            problems.add_validation(loc, exc, f"uplink type {name}")
            continue
        if uplink.name in seen:
            problems.add((*loc, "name"), f"uplink name '{uplink.name}' is used by "
                         f"uplinks[{seen[uplink.name]}]", "give each uplink its own name")
            continue
        seen[uplink.name] = index
        found.append(uplink)
    return found


def _notify(problems: _Problems, value: Any,
            types: Mapping[str, type[NotifyConfig]]) -> list[NotifyConfig]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.add(("notify",), "must be a list of channels",
                     "each entry has a platform and a name")
        return []
    found: list[NotifyConfig] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(value):
        loc: tuple[str | int, ...] = ("notify", index)
        if not isinstance(item, dict) or "platform" not in item:
            problems.add(loc, "each notify channel needs a 'platform'")
            continue
        name = str(item["platform"])
        model = types.get(name)
        if model is None:
            known = ", ".join(sorted(types)) or "none loaded"
            problems.add((*loc, "platform"), f"unknown notify platform '{name}'",
                         f"notify platforms from the loaded plugins: {known}")
            continue
        try:
            channel = model.model_validate(item)
        except ValidationError as exc:
            problems.add_validation(loc, exc, f"notify platform {name}")
            continue
        if channel.name in seen:
            problems.add((*loc, "name"), f"channel name '{channel.name}' is used by "
                         f"notify[{seen[channel.name]}]", "give each channel its own name")
            continue
        seen[channel.name] = index
        found.append(channel)
    return found


def load_config(path: str | Path, platforms: Mapping[str, type[DeviceConfig]], *,
                uplinks: Mapping[str, type[UplinkConfig]] | None = None,
                notifiers: Mapping[str, type[NotifyConfig]] | None = None) -> HubConfig:
    """Read and validate a configuration file; raise ConfigError with every problem."""
    path = Path(path)
    try:
        from .yaml_loader import load_yaml  # PyYAML only when a file is read

        raw = load_yaml(path)
    except YamlError as exc:
        raise ConfigError([str(exc)]) from None
    return validate_config(raw, platforms, path, uplinks=uplinks, notifiers=notifiers)


def check_config(path: str | Path, platforms: Mapping[str, type[DeviceConfig]], *,
                 uplinks: Mapping[str, type[UplinkConfig]] | None = None,
                 notifiers: Mapping[str, type[NotifyConfig]] | None = None) -> list[str]:
    """Return every problem of a configuration file (empty when it is valid)."""
    try:
        load_config(path, platforms, uplinks=uplinks, notifiers=notifiers)
    except ConfigError as exc:
        return exc.problems
    return []
