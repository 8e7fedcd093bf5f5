"""A Modbus barrier or turnstile as a Gate entity: commands and state through its profile."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, ClassVar

from hub import (
    DeviceConfig,
    DeviceError,
    DeviceUnavailable,
    Gate,
    GateState,
    Hub,
    ServiceValidationError,
    SetupRetry,
)
from plugins.alarms.modbus_io.api import ModbusClient, ModbusError, ModbusResponseError
from plugins.alarms.modbus_io.poller import PollLoop

from .api import BarrierClient, BarrierReading
from .config import ModbusBarrierConfig
from .const import DOMAIN
from .profile import PROFILES, ProfileError

_LOGGER = logging.getLogger(__name__)

__all__ = ["ModbusBarrier"]


class ModbusBarrier(Gate):
    """A barrier/turnstile controller polled every `scan_interval` (and right after commands)."""

    platform: ClassVar[str] = DOMAIN
    config_model: ClassVar[type[DeviceConfig]] = ModbusBarrierConfig
    config: ModbusBarrierConfig

    def __init__(
        self, hub: Hub, config: DeviceConfig, object_id: str | None = None, name: str | None = None
    ) -> None:
        super().__init__(hub, config, object_id, name)
        self._client: BarrierClient | None = None
        self._loop: PollLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._release: asyncio.Task[None] | None = None
        self._holding = False
        self._reading = BarrierReading("unknown")
        self._commands_sent = 0  # readings taken across a command are stale
        self._model = self.config.model or ""
        self._config_error: str | None = None

    @property
    def extra_attributes(self) -> dict[str, Any]:
        """Return the model, the hold flag and the controller's named values."""
        attrs: dict[str, Any] = {"model": self._model, "held": self._holding}
        attrs.update(self._reading.attributes)
        if self._config_error:
            attrs["config_error"] = self._config_error
        return attrs

    async def setup(self) -> None:
        """Load the profile, read the controller once, then poll in the background."""
        cfg = self.config
        try:
            profile = await self.hub.run_blocking(
                PROFILES.load_entry_blocking, self.hub.config.config_dir, cfg)
        except ProfileError as err:
            raise SetupRetry(str(err)) from err
        self._model = profile.model
        modbus = ModbusClient(cfg.settings(max(1.0, cfg.scan_interval)))
        self._client = BarrierClient(modbus, profile)
        self.unique_id = f"{DOMAIN}:{cfg.host or cfg.serial_port}:{cfg.port}:{cfg.device_id}"
        try:
            self._apply(await self._client.read())
        except ModbusResponseError as err:
            if not err.config_error:
                modbus.close()
                raise SetupRetry(str(err)) from err
            self._on_result(err)  # it answers: online, with the map's error shown
        except ModbusError as err:
            modbus.close()
            raise SetupRetry(str(err)) from err
        self.set_available(True)
        self.write_state()
        self._loop = PollLoop(self._poll, self._on_result, cfg.scan_interval,
                              cfg.reconnect_max_delay, name=self.name)
        self._task = self.hub.create_task(self._loop.run(), name=f"{DOMAIN} {self.name}")

    async def shutdown(self) -> None:
        """Stop polling and disconnect."""
        for task in (self._task, self._release):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        if self._client is not None:
            self._client.client.close()

    async def _poll(self) -> None:
        assert self._client is not None
        sent = self._commands_sent
        reading = await self._client.read()
        if sent == self._commands_sent:
            self._apply(reading)

    def _on_result(self, error: ModbusError | None) -> None:
        if isinstance(error, ModbusResponseError) and error.config_error:
            self._show_config_error(f"configuration error: {error}")
            self.set_available(True)  # the controller answers: online
        elif error is None:
            self._show_config_error(None)
            self.set_available(True)
        else:
            self.set_available(False, str(error))

    def _show_config_error(self, text: str | None) -> None:
        """A register map that does not fit the controller: state unknown, logged once."""
        if text == self._config_error:
            return
        if text is not None:
            _LOGGER.error("%s: %s. Hint: check the profile of model %s against the "
                          "controller's register map", self.name, text, self._model)  # fmt: skip
            self.state = GateState.UNKNOWN
        else:
            _LOGGER.info("%s: the register map reads again", self.name)
        self._config_error = text
        if self.available:
            self.write_state()

    def _apply(self, reading: BarrierReading) -> None:
        """Take a reading; write the state only when something changed."""
        state = reading.state
        if state == GateState.CLOSED:
            self._holding = False
        if state == GateState.OPEN and self._holding:
            state = GateState.HELD_OPEN
        changed = state != self.state or reading.attributes != self._reading.attributes
        self._reading = reading
        self.state = state
        if changed and self.available:
            self.write_state()

    async def _command(self, name: str) -> None:
        if self._client is None or not self.available:
            raise DeviceUnavailable(f"{self.entity_id} is unavailable: {self.unavailable_reason}")
        if not self._client.supports(name):
            raise ServiceValidationError(f"{self.entity_id} ({self._model}) has no {name}")
        self._commands_sent += 1
        try:
            await self._client.command(name)
        except ModbusError as err:
            raise DeviceError(f"{self.entity_id}: {name} failed: {err}") from err
        if self._loop is not None:
            self._loop.wake()

    async def open(self) -> None:
        """Open once; the controller closes by itself after its auto-close time."""
        await self._command("open")

    async def close(self) -> None:
        """Close now (ends a hold-open)."""
        self._cancel_release()
        self._holding = False
        await self._command("close")

    async def stop(self) -> None:
        """Stop where it is."""
        await self._command("stop")

    async def hold_open(self, seconds: float = 0) -> None:
        """Open and hold; after `seconds` (0: until closed) release to auto-close."""
        self._cancel_release()
        self._holding = True
        try:
            await self._command("hold_open")
        except ServiceValidationError:
            self._holding = False
            raise
        if seconds:
            self._release = self.hub.create_task(
                self._release_after(seconds), name=f"{self.entity_id} release"
            )

    async def _release_after(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        self._holding = False
        try:
            if self._client is not None and self._client.supports("release"):
                await self._command("release")
            else:
                await self._command("close")
        except ServiceValidationError as err:
            _LOGGER.warning("%s: could not end hold-open: %s", self.name, err)

    def _cancel_release(self) -> None:
        if self._release is not None and not self._release.done():
            self._release.cancel()
        self._release = None
