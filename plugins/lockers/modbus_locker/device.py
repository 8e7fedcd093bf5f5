"""One Modbus locker controller: a poller shared by the locker entities of its doors.

Per scan one bulk read of the door contacts and, when the profile has them, one of the item
sensors. The controller, not each door, is supervised (hub.Device): when it stops answering
every door goes unavailable and one `device_offline` incident is raised, resolved when it
answers again; reconnects back off up to `reconnect_max_delay`.

A controller that answers a Modbus exception saying a read does not fit it (illegal
function, address or value) is online with a configuration error: logged once, shown on
every door as `config_error`, never a device_offline incident.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from hub import (
    Device,
    DeviceConfig,
    DeviceError,
    DeviceUnavailable,
    Entity,
    Platform,
)
from plugins.alarms.modbus_io.api import ModbusClient, ModbusError, ModbusResponseError
from plugins.alarms.modbus_io.poller import PollLoop
from plugins.lockers.locker_kind.locker import Locker

from .config import ModbusLockerConfig
from .const import DOMAIN
from .profile import LockerProfile, ProfileError

if TYPE_CHECKING:
    from hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["LockerController", "ModbusLocker"]


class LockerController(Platform, Device):
    """The `modbus_locker` platform: one device entry yields one locker entity per door."""

    platform: ClassVar[str] = DOMAIN
    config_model: ClassVar[type[DeviceConfig]] = ModbusLockerConfig

    @classmethod
    def create_entities(cls, hub: Hub, config: DeviceConfig) -> Sequence[Entity]:
        """Return the doors of one bank, sharing one poller."""
        assert isinstance(config, ModbusLockerConfig)
        return LockerController(hub, config).lockers

    @classmethod
    def entity_ids(cls, config: DeviceConfig) -> list[str]:
        """Return locker.<bank>_01 ... one per door."""
        assert isinstance(config, ModbusLockerConfig)
        return [f"locker.{config.slug}_{door:02d}" for door in range(1, config.doors + 1)]

    def __init__(self, hub: Hub, config: ModbusLockerConfig) -> None:
        Device.__init__(self, hub, config)
        self.config: ModbusLockerConfig = config
        self.lockers = [self.add(ModbusLocker(self, door)) for door in range(1, config.doors + 1)]
        self.profile: LockerProfile | None = None
        self.client: ModbusClient | None = None
        self.config_error: str | None = None
        self._loop: PollLoop | None = None

    # -- connection (the Device layer starts it with the first door, stops after the last) --

    async def run(self) -> None:
        """Load the register map, then poll until cancelled (backoff while it is silent)."""
        cfg = self.config
        while self.profile is None:
            try:
                profile = await self.hub.run_blocking(cfg.load_profile_blocking,
                                                      self.hub.config.config_dir)
                cfg.check_profile(profile)
            except ProfileError as err:  # check-config names it; keep trying if edited
                self.set_available(False, f"register map: {err}")
                await asyncio.sleep(cfg.reconnect_max_delay)
                continue
            self.profile = profile
        # A refused or reset connection fails at once; a silent one after the timeout: two
        # scans, and never less than a write of this controller may take.
        timeout = max(0.2, 2 * cfg.scan_interval, self.profile.command_timeout)
        self.client = ModbusClient(cfg.settings(timeout))
        self._loop = PollLoop(self._poll, self._on_result, cfg.scan_interval,
                              cfg.reconnect_max_delay)
        await self._loop.run()

    async def close(self) -> None:
        """Disconnect."""
        if self.client is not None:
            self.client.close()

    # -- polling ------------------------------------------------------------------------------

    async def _poll(self) -> None:
        assert self.client is not None and self.profile is not None
        doors = len(self.lockers)
        door = self.profile.door_sensor
        door_bits = await self.client.read_bits(door.table, door.address, doors)
        item_bits: list[bool] | None = None
        if self.profile.item_sensor is not None:
            item = self.profile.item_sensor
            item_bits = [bit == item.active
                         for bit in await self.client.read_bits(item.table, item.address, doors)]
        if self.available is not True:
            self.set_available(True)
        self._show_config_error(None)
        for index, locker in enumerate(self.lockers):
            locker.set_door(door_bits[index] == door.active)
            locker.set_item(None if item_bits is None else item_bits[index])

    def _on_result(self, error: ModbusError | None) -> None:
        if isinstance(error, ModbusResponseError) and error.config_error:
            if self.available is not True:
                self.set_available(True)  # it answered: online
            self._show_config_error(f"configuration error: {error}")
        elif error is not None:
            self.set_available(False, str(error))

    def _show_config_error(self, text: str | None) -> None:
        if text == self.config_error:
            return
        if text is None:
            _LOGGER.info("%s: the register map reads again", self.name)
        else:
            _LOGGER.error("%s: %s. Hint: check the profile of model %s against the "
                          "controller's register map", self.name, text,
                          self.profile.model if self.profile else "?")
        self.config_error = text
        for locker in self.lockers:
            locker.write_state()

    # -- commands -----------------------------------------------------------------------------

    async def unlock(self, door: int) -> None:
        """Pulse door `door`'s lock relay as the profile says, then read the doors at once."""
        if self.client is None or self.profile is None or not self.available:
            raise DeviceUnavailable(f"{self.name} is unavailable: {self.reason}")
        relay = self.profile.relay
        try:
            if relay.mode == "door_number":
                await self.client.write_register(relay.address, door)
            else:
                await self._write(relay.address + door - 1, relay.value)
                if relay.pulse_seconds:
                    await asyncio.sleep(relay.pulse_seconds)
                    await self._write(relay.address + door - 1, 0)
        except ModbusError as err:
            raise DeviceError(f"{self.name}: unlocking door {door} failed: {err}") from err
        if self._loop is not None:
            self._loop.wake()

    async def _write(self, address: int, value: int) -> None:
        assert self.client is not None and self.profile is not None
        if self.profile.relay.table == "coils":
            await self.client.write_coil(address, bool(value))
        else:
            await self.client.write_register(address, value)


class ModbusLocker(Locker):
    """One door of a Modbus locker bank."""

    platform: ClassVar[str] = DOMAIN
    config_model: ClassVar[type[DeviceConfig]] = ModbusLockerConfig
    #: The controller supervises itself (one device_offline incident per bank, not per door).
    supervised: ClassVar[bool] = False

    def __init__(self, device: LockerController, door: int) -> None:
        super().__init__(device.hub, device.config, door)
        self.device = device
        cfg = device.config
        self.unique_id = f"{DOMAIN}:{cfg.host or cfg.serial_port}:{cfg.port}:{cfg.device_id}:{door}"

    @property
    def extra_attributes(self) -> dict[str, Any]:
        """The locker attributes, the controller's model and any configuration error."""
        attrs = super().extra_attributes
        if self.device.profile is not None:
            attrs["model"] = self.device.profile.model
        if self.device.config_error:
            attrs["config_error"] = self.device.config_error
        return attrs

    async def setup(self) -> None:
        """Restore the assignment, start the overnight check, join the controller's poller."""
        await self.start_watch()
        self.device.attach()

    async def shutdown(self) -> None:
        """Stop timers; leave the poller."""
        await self.stop_watch()
        await self.device.detach()

    async def unlock(self) -> None:
        """Pulse this door's lock relay."""
        await self.device.unlock(self.door_number)
