"""A relay output (coil) of a Modbus IO module as a switch: a siren or a strobe at the gate."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from hub import DeviceConfig, DeviceUnavailable, Switch, SwitchState, slugify

from .api import ModbusError
from .config import ModbusIOConfig, OutputConfig
from .const import DOMAIN

if TYPE_CHECKING:
    from .device import ModbusIODevice

__all__ = ["ModbusRelay"]


class ModbusRelay(Switch):
    """One coil of the module; `switch.turn_on` writes 1, `turn_off` writes 0."""

    platform: ClassVar[str] = DOMAIN
    config_model: ClassVar[type[DeviceConfig]] = ModbusIOConfig

    def __init__(self, device: ModbusIODevice, item: OutputConfig) -> None:
        cfg = device.config
        super().__init__(device.hub, cfg, item.object_id or slugify(item.name), item.name)
        self.device = device
        self.address = item.address
        self.state = SwitchState.UNKNOWN
        self.unique_id = (
            f"{DOMAIN}:{cfg.host or cfg.serial_port}:{cfg.port}:{cfg.device_id}:c{item.address}"
        )

    async def setup(self) -> None:
        """Join the device's poller; availability follows the device's answers."""
        self.device.attach()

    async def shutdown(self) -> None:
        """Leave the device's poller."""
        await self.device.detach()

    async def turn_on(self) -> None:
        """Energise the relay."""
        await self._write(True)

    async def turn_off(self) -> None:
        """Release the relay."""
        await self._write(False)

    async def _write(self, value: bool) -> None:
        try:
            await self.device.client.write_coil(self.address, value)
        except ModbusError as err:
            raise DeviceUnavailable(f"{self.name}: {err}") from None
        self.state = SwitchState.ON if value else SwitchState.OFF
        self.write_state()
