"""Validate a loaded YAML document; collect every problem with file:line and field path."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

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

_NamedT = TypeVar("_NamedT", UplinkConfig, NotifyConfig)

#: Field names holding credentials (secret, password, token, api_key, ...).
_SECRET_WORDS = ("secret", "password", "passwd", "token", "key")
CORE_SECTIONS = ("hub", "incidents", "devices")
_POLICE_HINT = ("write each police.webhooks/sia/mqtt entry as an uplinks: entry with "
                "type: webhook, sia or mqtt (same fields), move police.retry into each "
                "entry's retry: and police.live_view to the top-level live_view: section; "
                "see docs/police.md")


class _Problems:
    def __init__(self, raw: Any, fallback: str) -> None:
        self.raw, self.fallback = raw, fallback
        self.items: list[str] = []

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
            if (err["type"] not in ("missing", "extra_forbidden") and _short(got)
                    and not _secret_field(loc)):
                msg += f" (got {got!r})"
            if err["type"] == "extra_forbidden":
                msg = "unknown option"
            self.add(loc, msg + (f" ({context})" if context else ""))


def _is_union_tag(part: object) -> bool:
    return isinstance(part, str) and ("[" in part or part.startswith("function-"))


def _secret_field(loc: tuple[str | int, ...]) -> bool:
    """Whether a field holds a secret: its value is never echoed, even when refused."""
    name = next((p for p in reversed(loc) if isinstance(p, str)), "").lower()
    return any(word in name for word in _SECRET_WORDS)


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
            config.sections[key] = _named_entries(problems, value, _UPLINKS, uplinks or {})
        elif key == "notify":
            config.sections[key] = _named_entries(problems, value, _NOTIFY, notifiers or {})
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


@dataclass(frozen=True, slots=True)
class _NamedSection:
    """The words of one list section whose entries have a plugin-given type and a name."""

    section: str  # "uplinks"
    key: str  # the field that picks the plugin: "type"
    entry: str  # "uplink", in "each uplink needs a 'type'"
    noun: str  # "uplink", in "uplink name 'x' is used by ..."
    plural: str  # "uplinks", in "must be a list of uplinks"
    kind: str  # "uplink type", in "unknown uplink type 'x'"


_UPLINKS = _NamedSection("uplinks", "type", "uplink", "uplink", "uplinks", "uplink type")
_NOTIFY = _NamedSection("notify", "platform", "notify channel", "channel", "channels",
                        "notify platform")


def _named_entries(problems: _Problems, value: Any, words: _NamedSection,
                   types: Mapping[str, type[_NamedT]]) -> list[_NamedT]:
    """Validate each entry by its plugin's model; names are unique within the section."""
    if value is None:
        return []
    if not isinstance(value, list):
        problems.add((words.section,), f"must be a list of {words.plural}",
                     f"each entry has a {words.key} and a name")
        return []
    found: list[_NamedT] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(value):
        loc: tuple[str | int, ...] = (words.section, index)
        if not isinstance(item, dict) or words.key not in item:
            problems.add(loc, f"each {words.entry} needs a '{words.key}'")
            continue
        name = str(item[words.key])
        model = types.get(name)
        if model is None:
            known = ", ".join(sorted(types)) or "none loaded"
            problems.add((*loc, words.key), f"unknown {words.kind} '{name}'",
                         f"{words.kind}s from the loaded plugins: {known}")
            continue
        try:
            entry = model.model_validate(item)
        except ValidationError as exc:
            problems.add_validation(loc, exc, f"{words.kind} {name}")
            continue
        if entry.name in seen:
            problems.add((*loc, "name"), f"{words.noun} name '{entry.name}' is used by "
                         f"{words.section}[{seen[entry.name]}]",
                         f"give each {words.noun} its own name")
            continue
        seen[entry.name] = index
        found.append(entry)
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
