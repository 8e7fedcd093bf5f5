"""The ACME barrier: an in-memory device that moves like a real one."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, ClassVar

from hub import DeviceConfig, Gate, GateState

from .config import AcmeGateConfig


class AcmeGate(Gate):
    """A barrier that takes `travel_seconds` to move and closes after `auto_close_seconds`."""

    platform: ClassVar[str] = "acme_gate"
    config_model: ClassVar[type[DeviceConfig]] = AcmeGateConfig
    config: AcmeGateConfig
    _motion: asyncio.Task[None] | None = None  # the movement under way, if any

    async def setup(self) -> None:
        """The ACME barrier has nothing to connect to; it starts closed."""
        self.unique_id = f"acme-{self.object_id}"
        self.state = GateState.CLOSED
        self.set_available(True)
        self.write_state()

    async def open(self) -> None:
        """Open, stay open, then close by itself."""
        self._start(self._cycle())

    async def close(self) -> None:
        """Close now."""
        self._start(self._move(GateState.CLOSING, GateState.CLOSED))

    def _start(self, coro: Coroutine[Any, Any, None]) -> None:
        if self._motion is not None:
            self._motion.cancel()
        self._motion = self.hub.create_task(coro, name=f"{self.entity_id} motion")

    async def _move(self, moving: GateState, done: GateState) -> None:
        self.state = moving
        self.write_state()
        await asyncio.sleep(self.config.travel_seconds)
        self.state = done
        self.write_state()

    async def _cycle(self) -> None:
        await self._move(GateState.OPENING, GateState.OPEN)
        if self.config.auto_close_seconds:
            await asyncio.sleep(self.config.auto_close_seconds)
            await self._move(GateState.CLOSING, GateState.CLOSED)
