"""Discovered devices, matching them to plugin declarations, and the YAML to paste."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

import yaml

from ..declarations import DiscoveryMatcher
from ..entity import slugify
from .mdns import ZeroconfService
from .wsdiscovery import ProbeMatch

__all__ = [
    "DiscoveredDevice", "from_probe_match", "from_zeroconf", "known_secrets_blocking", "match",
    "secret_names", "secrets_snippet", "unique_names", "yaml_snippet",
]  # fmt: skip
SECRET_PLACEHOLDER = "CHANGE-ME"

_SCOPE = "onvif://www.onvif.org/"


@dataclass(frozen=True, slots=True)
class DiscoveredDevice:
    """A device found on the network and the platforms that can drive it."""

    key: str
    via: Literal["ws-discovery", "zeroconf"]
    name: str
    host: str
    port: int | None
    manufacturer: str | None = None
    model: str | None = None
    scopes: tuple[str, ...] = ()
    xaddrs: tuple[str, ...] = ()
    service_type: str | None = None
    properties: tuple[tuple[str, str], ...] = ()
    path: str = ""
    platforms: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (event payloads, the API)."""
        return {
            "key": self.key, "via": self.via, "name": self.name, "host": self.host,
            "port": self.port, "manufacturer": self.manufacturer, "model": self.model,
            "scopes": list(self.scopes), "xaddrs": list(self.xaddrs),
            "service_type": self.service_type, "properties": dict(self.properties),
            "platforms": list(self.platforms),
        }  # fmt: skip


def _scope_value(scopes: Iterable[str], kind: str) -> str | None:
    prefix = f"{_SCOPE}{kind}/"
    for scope in scopes:
        if scope.startswith(prefix):
            return unquote(scope[len(prefix) :]).replace("_", " ")
    return None


def from_probe_match(match: ProbeMatch) -> DiscoveredDevice:
    """A device from a ProbeMatch: address from the first XAddr, identity from the scopes."""
    url = urlsplit(match.xaddrs[0]) if match.xaddrs else None
    host = (url.hostname if url else None) or match.sender[0]
    port = (url.port or (443 if url.scheme == "https" else 80)) if url else None
    return DiscoveredDevice(
        key=f"onvif:{match.endpoint or host}", via="ws-discovery",
        name=_scope_value(match.scopes, "name") or host, host=host, port=port,
        manufacturer=_scope_value(match.scopes, "manufacturer"),
        model=_scope_value(match.scopes, "hardware"), scopes=match.scopes, xaddrs=match.xaddrs,
        path=url.path if url else "",
    )  # fmt: skip


def from_zeroconf(service: ZeroconfService) -> DiscoveredDevice:
    """A device from a resolved mDNS service; vendor/model from common TXT keys."""
    props = dict(service.properties)
    return DiscoveredDevice(
        key=f"zeroconf:{service.name}", via="zeroconf", name=service.label,
        host=service.host, port=service.port,
        manufacturer=props.get("vendor") or props.get("manufacturer"),
        model=props.get("model"), service_type=service.type, properties=service.properties,
        path=props.get("path") or props.get("onvif") or "",
    )  # fmt: skip


def _matches(device: DiscoveredDevice, matcher: DiscoveryMatcher) -> bool:
    if not (matcher.onvif_scopes or matcher.manufacturer or matcher.zeroconf_types):
        return False
    if matcher.onvif_scopes and not all(
        any(wanted in scope for scope in device.scopes) for wanted in matcher.onvif_scopes
    ):
        return False
    if matcher.manufacturer and not (device.manufacturer or "").lower().startswith(
        matcher.manufacturer.lower()
    ):
        return False
    return not matcher.zeroconf_types or device.service_type in matcher.zeroconf_types


def match(device: DiscoveredDevice, matchers: Sequence[DiscoveryMatcher]) -> list[DiscoveryMatcher]:
    """Matchers whose every given field matches the device, most specific first."""
    found = [m for m in matchers if _matches(device, m)]
    return sorted(found, key=lambda m: -(bool(m.manufacturer) + len(m.onvif_scopes)))


def _fill(value: Any, fields: dict[str, Any]) -> Any:
    if not isinstance(value, str):
        return value
    text = value.format_map(fields)
    return int(text) if text.isdigit() and value.startswith("{") else text


def device_entry(device: DiscoveredDevice, matcher: DiscoveryMatcher) -> dict[str, Any]:
    """One `devices:` entry from a matcher's template and the device's fields."""
    fields = {"host": device.host, "port": device.port or "", "path": device.path,
              "name": device.name, "object_id": slugify(device.name),
              "manufacturer": device.manufacturer or "", "model": device.model or ""}  # fmt: skip
    entry: dict[str, Any] = {"platform": matcher.platform, "name": device.name}
    for key, value in (matcher.yaml_template or {}).items():
        entry[key] = _fill(value, fields)
    entry["platform"] = matcher.platform
    return entry


def _render_value(value: Any) -> str:
    if isinstance(value, str) and value.startswith("!secret "):
        return value  # a tag, not a string: school IT adds the secret to secrets.yaml
    return yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()


def yaml_snippet(entries: Sequence[dict[str, Any]]) -> str:
    """A `devices:` block to paste into the configuration."""
    lines = ["devices:"]
    for entry in entries:
        for index, (key, value) in enumerate(entry.items()):
            lead = "  - " if index == 0 else "    "
            lines.append(f"{lead}{key}: {_render_value(value)}")
    return "\n".join(lines) + "\n"


def unique_names(devices: Sequence[DiscoveredDevice]) -> list[DiscoveredDevice]:
    """The devices, renamed 'Name 2', 'Name 3'... where two would get the same object id."""
    used: set[str] = set()
    result = []
    for device in devices:
        name, number = device.name, 1
        while slugify(name) in used:
            number += 1
            name = f"{device.name} {number}"
        used.add(slugify(name))
        result.append(device if name == device.name else dataclasses.replace(device, name=name))
    return result


def secret_names(entries: Sequence[dict[str, Any]]) -> list[str]:
    """Names of the `!secret NAME` values of the entries, in order, once each."""
    names = (
        value.removeprefix("!secret ").strip()
        for entry in entries for value in entry.values()
        if isinstance(value, str) and value.startswith("!secret ")
    )  # fmt: skip
    return list(dict.fromkeys(names))


def known_secrets_blocking(path: Path) -> set[str]:
    """The names a secrets.yaml holds; empty when it is missing or unreadable (file I/O)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return set()
    return {str(key) for key in data} if isinstance(data, dict) else set()


def secrets_snippet(names: Sequence[str]) -> str:
    """secrets.yaml lines for these names, each with a placeholder to replace."""
    return "".join(f"{name}: {SECRET_PLACEHOLDER}\n" for name in names)
