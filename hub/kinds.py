"""Device kinds: a domain (`gate`, `switch`, `locker`), its entity base and its services.

The hub's own kinds are listed here; a plugin adds one with the `register_kinds` hook and no
edit of hub/: its entities then take the kind's services (`locker.unlock` calls `unlock()` on
each targeted entity), the Devices page lists its entities with their state and
availability like any other, and `campus-hub plugins` lists the kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .alarm import ALARM_SERVICES, AlarmInput
from .camera import CAMERA_SERVICES, Camera
from .entity import Entity
from .entity_services import EntityService
from .exceptions import PluginError
from .gate import GATE_SERVICES, Gate
from .sensor import Sensor
from .speaker import SPEAKER_SERVICES, Speaker
from .switch import SWITCH_SERVICES, Switch

__all__ = ["BUILTIN_KINDS", "DeviceKind", "check_kind"]

_DOMAIN = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class DeviceKind:
    """A device kind: entities of `base` live in `domain` and answer its `services`.

    `card` names a JavaScript module (an ES module defining the custom element
    `kind-<domain>`) for a kind-specific panel card: the panel serves it as
    /panel/kinds/<domain>.js and the Devices page shows the element above its table (the
    entities still show in the table too).
    """

    domain: str
    base: type[Entity]
    services: list[EntityService] = field(default_factory=list)
    description: str = ""
    card: Path | None = None


BUILTIN_KINDS = [
    DeviceKind("gate", Gate, GATE_SERVICES, "Barriers, turnstiles, doors that open and close"),
    DeviceKind("camera", Camera, CAMERA_SERVICES, "Cameras: snapshots, live view, PTZ"),
    DeviceKind("alarm", AlarmInput, ALARM_SERVICES, "Alarm inputs: panic buttons, detectors"),
    DeviceKind("speaker", Speaker, SPEAKER_SERVICES, "Loudspeakers: remote broadcast"),
    DeviceKind("switch", Switch, SWITCH_SERVICES, "On/off outputs such as a camera's relays"),
    DeviceKind("sensor", Sensor, [], "Read-only values such as counters"),
]


def check_kind(kind: object, known: dict[str, DeviceKind]) -> DeviceKind:
    """Return a well-formed kind not yet known; raise PluginError saying what is wrong."""
    if not isinstance(kind, DeviceKind):
        raise PluginError(f"{kind!r} is not a DeviceKind")
    if not _DOMAIN.match(kind.domain):
        raise PluginError(f"kind domain {kind.domain!r} must be snake_case like 'locker'")
    if kind.domain in known:
        raise PluginError(f"kind '{kind.domain}' is already provided")
    if not (isinstance(kind.base, type) and issubclass(kind.base, Entity)):
        raise PluginError(f"kind {kind.domain}: base must subclass hub.Entity")
    if kind.base.domain != kind.domain:
        raise PluginError(f"kind {kind.domain}: its base class {kind.base.__name__} has "
                          f"domain {kind.base.domain!r}; set `domain = {kind.domain!r}`")
    for service in kind.services:
        if not callable(getattr(kind.base, service.method, None)):
            raise PluginError(f"kind {kind.domain}: service {service.name} calls "
                              f"{kind.base.__name__}.{service.method}(), which does not exist")
    if kind.card is not None and kind.card.suffix != ".js":
        raise PluginError(f"kind {kind.domain}: card must be a .js file, got {kind.card}")
    return kind
