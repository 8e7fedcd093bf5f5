"""Devices: the entities of one physical box share one connection, availability, supervision.

An IO module's eight inputs, a camera's relays: one `Device` holds the connection (its `run()`
loop, started when the first of its entities is set up and stopped after the last shuts
down), marks all its entities available or unavailable at once, and holds one
`device_offline` incident for the whole box (raised once when it stops answering, resolved
once when it answers again) instead of one per entity. A plugin's device subclasses `Device`,
implements `run()` (and `close()`), and calls `set_available()`; its entities call
`device.attach()` in `setup()` and `await device.detach()` in `shutdown()`.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar, TypeVar

from .entity import DeviceConfig, Entity

if TYPE_CHECKING:
    from .hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["Device"]

_E = TypeVar("_E", bound=Entity)


class Device(ABC):
    """One physical device and the entities it provides."""

    #: When True (the default) the device holds a device_offline incident while it is down.
    supervised: ClassVar[bool] = True
    #: Seconds before run() is started again after it raised (doubling up to 60 s).
    restart_delay: ClassVar[float] = 1.0

    def __init__(self, hub: Hub, config: DeviceConfig) -> None:
        self.hub = hub
        self.config = config
        self.name = config.name
        self.entities: list[Entity] = []
        #: None until the device first answers or fails; then whether it answers.
        self.available: bool | None = None
        self.reason = ""
        self._users = 0
        self._task: asyncio.Task[None] | None = None

    @property
    def source(self) -> str:
        """The incident source of the device's supervision: its first entity's id."""
        return self.entities[0].entity_id if self.entities else f"device.{self.config.slug}"

    def add(self, entity: _E) -> _E:
        """Make `entity` one of this device's entities; return it."""
        self.entities.append(entity)
        return entity

    @abstractmethod
    async def run(self) -> None:
        """Keep the connection: poll or listen until cancelled, calling set_available()."""

    async def close(self) -> None:
        """Release the connection once run() has stopped (nothing by default)."""
        return None

    def attach(self) -> None:
        """An entity is set up: start the connection with the first one."""
        self._users += 1
        if self._task is None:
            self._task = self.hub.create_task(self._keep_running(), name=f"device {self.name}")

    async def _keep_running(self) -> None:
        """Run run(); when it raises (a plugin bug, an unexpected answer) the device is shown
        unavailable with the error, logged once per outage, closed and started again."""
        delay = self.restart_delay
        logged = False
        while True:
            try:
                await self.run()
                return
            except Exception as exc:
                if not logged or self.available:  # a new outage: one log line, fast retry
                    _LOGGER.exception("%s: connection loop failed; restarting", self.name)
                    delay = self.restart_delay
                logged = True
                self.set_available(False, f"device error: {type(exc).__name__}: {exc}")
            try:
                await self.close()
            except Exception:
                _LOGGER.debug("%s: close after a failure failed", self.name, exc_info=True)
            await asyncio.sleep(delay)
            delay = min(60.0, delay * 2)

    async def detach(self) -> None:
        """An entity shuts down: stop and close the connection after the last one."""
        self._users -= 1
        if self._users <= 0 and self._task is not None:
            task, self._task = self._task, None
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await self.close()

    def set_available(self, available: bool, reason: str = "") -> None:
        """Mark every entity up or down; raise or resolve device_offline once per change."""
        changed = available != self.available
        self.available = available
        self.reason = "" if available else (reason or "no answer")
        for entity in self.entities:
            entity.set_available(available, self.reason)
        # Also on the first answer: an incident left open before a restart is resolved.
        if changed and self.supervised and self.entities:
            self.hub.incidents.track_availability(
                self.source, self.name, self.config.gate, available, self.reason)
