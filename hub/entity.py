"""The entity base: one thing the hub shows and drives (a gate, a camera, an alarm input)."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from .states import STATE_UNAVAILABLE

if TYPE_CHECKING:
    from .hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["DeviceConfig", "Entity", "EntityServiceData", "Platform", "slugify"]

_SLUG = re.compile(r"[^a-z0-9_]+")


def slugify(text: str) -> str:
    """Turn a user's name for a thing into an object id: 'Main Gate 1' -> 'main_gate_1'."""
    return _SLUG.sub("_", text.strip().lower()).strip("_") or "unnamed"


class DeviceConfig(BaseModel):
    """Fields every device entry has; plugins subclass it with their own fields."""

    model_config = ConfigDict(extra="forbid")

    platform: str
    name: str
    object_id: str | None = None
    gate: str | None = None
    cameras: list[str] = []

    @property
    def slug(self) -> str:
        """Return the object id: given, or made from the name."""
        return self.object_id or slugify(self.name)


class EntityServiceData(BaseModel):
    """Data of a service aimed at entities: `entity_id` is one id or a list."""

    model_config = ConfigDict(extra="forbid")

    entity_id: str | list[str]

    def targets(self) -> list[str]:
        """Return the targeted entity ids as a list."""
        return [self.entity_id] if isinstance(self.entity_id, str) else list(self.entity_id)


class Platform:
    """A device kind a plugin provides: a name, a config model, and how to make entities.

    Entity classes are platforms of one entity each; a device that yields several entities
    (an IO module with eight inputs) overrides `create_entities`.
    """

    platform: ClassVar[str] = ""
    config_model: ClassVar[type[DeviceConfig]] = DeviceConfig

    @classmethod
    def create_entities(cls, hub: Hub, config: DeviceConfig) -> Sequence[Entity]:
        """Return the entities for one device entry of the configuration."""
        if not issubclass(cls, Entity):
            raise TypeError(f"{cls.__name__} must override create_entities")
        return [cls(hub, config)]

    @classmethod
    def entity_ids(cls, config: DeviceConfig) -> list[str] | None:
        """Return the ids of the entities one device entry creates, or None when unknown.

        `campus-hub check-config` checks references against them. An id ending in `*` stands
        for every id with that prefix: entities a device reports once it answers (an ONVIF
        camera's relays). A platform that overrides `create_entities` overrides this too.
        """
        if issubclass(cls, Entity) and cls.domain and "create_entities" not in cls.__dict__:
            return [f"{cls.domain}.{config.slug}"]
        return None


class Entity(Platform):
    """Base of every entity: id, state, attributes, availability, setup and shutdown."""

    domain: ClassVar[str] = ""
    #: When True the hub raises a device_offline incident while the entity is unavailable.
    supervised: ClassVar[bool] = False

    def __init__(self, hub: Hub, config: DeviceConfig, object_id: str | None = None,
                 name: str | None = None) -> None:
        self.hub = hub
        self.config = config
        self.object_id = object_id or config.slug
        self.entity_id = f"{self.domain}.{self.object_id}"
        self.name = name or config.name
        self.unique_id: str | None = None
        self.state: str = "unknown"
        self._available = False
        self._was_available = False
        self._unavailable_reason = "not set up yet"

    @property
    def available(self) -> bool:
        """Return whether the device answers."""
        return self._available

    @property
    def unavailable_reason(self) -> str:
        """Return why the device is unavailable ("" while it is available)."""
        return "" if self._available else self._unavailable_reason

    @property
    def extra_attributes(self) -> dict[str, Any]:
        """Return the kind's own attributes; subclasses extend it."""
        return {}

    @property
    def attributes(self) -> dict[str, Any]:
        """Return all attributes written with the state."""
        attrs: dict[str, Any] = {
            "friendly_name": self.name,
            "platform": self.platform,
        }
        if self.config.gate:
            attrs["gate"] = self.config.gate
        if self.config.cameras:
            attrs["cameras"] = list(self.config.cameras)
        if not self._available:
            attrs["unavailable_reason"] = self._unavailable_reason
        attrs.update(self.extra_attributes)
        return attrs

    def write_state(self) -> None:
        """Publish the current state and attributes to the state machine."""
        state = self.state if self._available else STATE_UNAVAILABLE
        self.hub.states.set(self.entity_id, state, self.attributes)

    def set_available(self, available: bool, reason: str = "") -> None:
        """Mark the device up or down; logs once per change and writes the state."""
        if available == self._available:
            if not available and reason and reason != self._unavailable_reason:
                self._unavailable_reason = reason
                self.write_state()
            return
        self._available = available
        if available:
            _LOGGER.info("%s is available%s", self.name, " again" if self._was_available else "")
            self._was_available = True
        else:
            self._unavailable_reason = reason or "no answer"
            _LOGGER.info("%s is unavailable: %s", self.name, self._unavailable_reason)
        self.write_state()
        if self.supervised:
            self.hub.incidents.track_availability(self.entity_id, self.name, self.config.gate,
                                                  available, self._unavailable_reason)

    async def setup(self) -> None:
        """Connect to the device; raise SetupRetry for transient failures."""
        self.set_available(True)

    async def shutdown(self) -> None:
        """Release the device's connections."""
