"""One Modbus IO device: a poller shared by its AlarmInput and counter Sensor entities.

One bulk read of the inputs per scan (default every 100 ms), one bulk read of the
registers every `counter_interval` and right after an input triggers (so a metal alarm
incident carries the zone). The device, not each input, is supervised: when it stops
answering every entity goes unavailable and one `device_offline` incident is raised;
it is resolved when the device answers again. Reconnects back off up to
`reconnect_max_delay`; the hub never needs a restart.

A device that answers a Modbus exception saying the request does not fit it (illegal
function, data address or value) is online: that is a configuration error, logged once with
the request and shown on the entities it concerns (state `unknown`, attribute
`config_error`), never a `device_offline` incident.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from hub import (
    AlarmConfig,
    AlarmInput,
    AlarmState,
    Device,
    DeviceConfig,
    Entity,
    Platform,
    Sensor,
    slugify,
)

from .api import ModbusClient, ModbusError, ModbusResponseError
from .config import InputConfig, ModbusIOConfig, RegisterConfig
from .const import DOMAIN
from .poller import PollLoop
from .relay import ModbusRelay

if TYPE_CHECKING:
    from hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["ModbusAlarmInput", "ModbusCounter", "ModbusIODevice"]


class _InputEntityConfig(AlarmConfig):
    """What the hub's AlarmInput base reads, built from one `inputs:` item."""

    platform: str = DOMAIN


class ModbusIODevice(Platform, Device):
    """The `modbus_io` platform: a device entry yields one entity per input and register.

    The hub's Device layer gives the inputs and counters one connection (this poller), one
    availability and one device_offline incident.
    """

    platform: ClassVar[str] = DOMAIN
    config_model: ClassVar[type[DeviceConfig]] = ModbusIOConfig

    @classmethod
    def create_entities(cls, hub: Hub, config: DeviceConfig) -> Sequence[Entity]:
        """Return the AlarmInput and Sensor entities of one device, sharing one poller."""
        assert isinstance(config, ModbusIOConfig)
        device = ModbusIODevice(hub, config)
        return [*device.inputs, *device.counters, *device.relays]

    @classmethod
    def entity_ids(cls, config: DeviceConfig) -> list[str]:
        """Return the ids create_entities makes: alarm.<input>, sensor.<device>_<register>."""
        assert isinstance(config, ModbusIOConfig)
        inputs = [f"alarm.{item.object_id or slugify(item.name)}" for item in config.inputs]
        return [*inputs, *(f"sensor.{config.slug}_{slugify(item.name)}"
                           for item in config.registers),
                *(f"switch.{item.object_id or slugify(item.name)}" for item in config.outputs)]

    def __init__(self, hub: Hub, config: ModbusIOConfig) -> None:
        Device.__init__(self, hub, config)
        self.config: ModbusIOConfig = config
        # A refused or reset connection fails at once; a silent device after `timeout`.
        # Two scan intervals (at least 0.2 s) keeps a busy hub from false offlines.
        timeout = max(0.2, 2 * config.scan_interval)
        self.client = ModbusClient(config.settings(timeout))
        self.inputs = [self.add(ModbusAlarmInput(self, item)) for item in config.inputs]
        self.counters = [self.add(ModbusCounter(self, item)) for item in config.registers]
        self.relays = [self.add(ModbusRelay(self, item)) for item in config.outputs]
        self.values: dict[int, int] = {}
        self._first = min(item.address for item in config.inputs)
        self._count = max(item.address for item in config.inputs) - self._first + 1
        self._loop = PollLoop(self._poll, self._on_result, config.scan_interval,
                              config.reconnect_max_delay, name=config.name)
        self._next_counters = 0.0
        self._read_counters_now = False
        self._config_errors: dict[str, str] = {}  # what was read -> the error, logged once

    # -- connection (the Device layer starts it with the first entity, stops after the last)

    async def run(self) -> None:
        """Poll until cancelled, with backoff while the device does not answer."""
        await self._loop.run()

    async def close(self) -> None:
        """Disconnect."""
        self.client.close()

    # -- polling ---------------------------------------------------------------------------

    async def _poll(self) -> None:
        bits = await self.client.read_bits(self.config.input_table, self._first, self._count)
        if self.available is not True:
            self.set_available(True, "")
        self._config_error("inputs", None, self.inputs)
        triggered = False
        for entity in self.inputs:
            triggered |= entity.sample(bits[entity.address - self._first])
        now = asyncio.get_running_loop().time()
        if self.counters and (triggered or now >= self._next_counters):
            self._next_counters = now + self.config.counter_interval
            await self._read_registers()
        for entity in self.inputs:
            entity.publish(self._details())

    async def _read_registers(self) -> None:
        first = min(item.address for item in self.config.registers)
        count = max(item.address for item in self.config.registers) - first + 1
        try:
            values = await self.client.read_registers(self.config.register_table, first, count)
        except ModbusResponseError as err:  # the inputs answer; only the registers are wrong
            if not err.config_error:
                for counter in self.counters:
                    counter.set_available(False, str(err))
                return
            self._config_error("registers", err, self.counters)
            return
        self._config_error("registers", None, self.counters)
        self.values = {first + offset: value for offset, value in enumerate(values)}
        for counter in self.counters:
            counter.set_available(True)
            counter.update(self.values.get(counter.address))

    def _details(self) -> dict[str, Any]:
        return {counter.key: counter.value for counter in self.counters}

    def _on_result(self, error: ModbusError | None) -> None:
        if isinstance(error, ModbusResponseError) and error.config_error:
            if self.available is not True:
                self.set_available(True, "")  # it answered: online
            self._config_error("inputs", error, self.inputs)
        elif error is not None:
            self.set_available(False, str(error))

    def _config_error(
        self, part: str, error: ModbusResponseError | None,
        entities: Sequence[ModbusAlarmInput] | Sequence[ModbusCounter],
    ) -> None:  # fmt: skip
        """Show (or clear) a configuration error on the entities of one read; log it once."""
        text = None if error is None else f"configuration error: {error}"
        if text == self._config_errors.get(part):
            return
        if text is None:
            del self._config_errors[part]
            _LOGGER.info("%s: the %s read works again", self.name, part)
        else:
            self._config_errors[part] = text
            _LOGGER.error("%s: %s. Hint: check the %s addresses and `%s_table` against the "
                          "device's register map", self.name, text, part,
                          "input" if part == "inputs" else "register")  # fmt: skip
        for entity in entities:
            entity.show_config_error(text)


class ModbusAlarmInput(AlarmInput):
    """One contact of a Modbus IO device, with contact type, debounce and latch."""

    platform: ClassVar[str] = DOMAIN
    config_model: ClassVar[type[DeviceConfig]] = ModbusIOConfig
    #: The device supervises itself (one device_offline incident per device, not per input).
    supervised: ClassVar[bool] = False

    def __init__(self, device: ModbusIODevice, item: InputConfig) -> None:
        cfg = device.config
        entity_config = _InputEntityConfig(
            name=item.name,
            object_id=item.object_id,
            gate=cfg.gate,
            cameras=item.cameras if item.cameras is not None else list(cfg.cameras),
            category=item.category,
            latch=item.latch,
            raise_incident=item.raise_incident,
        )
        super().__init__(device.hub, entity_config)
        self.device = device
        self.item = item
        self.address = item.address
        self.unique_id = (
            f"{DOMAIN}:{cfg.host or cfg.serial_port}:{cfg.port}:{cfg.device_id}:{item.address}"
        )
        self.config_error: str | None = None
        self._active = False  # debounced level
        self._candidate = False
        self._candidate_since = 0.0

    @property
    def extra_attributes(self) -> dict[str, Any]:
        """Return the alarm attributes plus address and contact type."""
        attrs = {
            **super().extra_attributes,
            "address": self.address,
            "contact": self.item.contact,
            "device": self.device.name,
        }
        if self.config_error:
            attrs["config_error"] = self.config_error
        return attrs

    def show_config_error(self, text: str | None) -> None:
        """Show a configuration error (state unknown, a latched alarm stays) or clear it."""
        self.config_error = text
        if text is not None and self.state != AlarmState.TRIGGERED:
            self.state = AlarmState.UNKNOWN
        elif text is None and self.state == AlarmState.UNKNOWN:
            self.state = AlarmState.IDLE
        self.write_state()

    async def setup(self) -> None:
        """Join the device's poller; availability follows the device's answers."""
        self.device.attach()

    async def shutdown(self) -> None:
        """Leave the device's poller."""
        await self.device.detach()

    def sample(self, terminal: bool) -> bool:
        """Take one scan's terminal level; return True on a debounced rising edge."""
        operated = terminal if self.item.contact == "normally_open" else not terminal
        now = asyncio.get_running_loop().time()
        if operated != self._candidate:
            self._candidate, self._candidate_since = operated, now
        if self._candidate != self._active and now - self._candidate_since >= self.item.debounce:
            self._active = self._candidate
            return self._active
        return False

    def publish(self, details: dict[str, Any]) -> None:
        """Report the debounced level to the AlarmInput base (each press is recorded)."""
        # Compare with the reported level, not the state: a latched input stays `triggered`
        # after release, and its next press must still reach the base (issue 10).
        if self._active != self.level:
            self.set_triggered(self._active, details if self._active else None)


class ModbusCounter(Sensor):
    """A register of the device as a sensor (passes, alarms, zone, fault code)."""

    platform: ClassVar[str] = DOMAIN
    config_model: ClassVar[type[DeviceConfig]] = ModbusIOConfig

    def __init__(self, device: ModbusIODevice, item: RegisterConfig) -> None:
        object_id = f"{device.config.slug}_{slugify(item.name)}"
        super().__init__(device.hub, device.config, object_id, f"{device.name} {item.name}")
        self.device = device
        self.address = item.address
        self.key = slugify(item.name)
        self.unit = item.unit
        self.value: int | None = None
        self.config_error: str | None = None
        cfg = device.config
        self.unique_id = (
            f"{DOMAIN}:{cfg.host or cfg.serial_port}:{cfg.port}:{cfg.device_id}:r{item.address}"
        )

    async def setup(self) -> None:
        """Join the device's poller."""
        self.device.attach()

    async def shutdown(self) -> None:
        """Leave the device's poller."""
        await self.device.detach()

    @property
    def extra_attributes(self) -> dict[str, Any]:
        """The sensor attributes and the configuration error, when the register cannot be read."""
        attrs = super().extra_attributes
        if self.config_error:
            attrs["config_error"] = self.config_error
        return attrs

    def show_config_error(self, text: str | None) -> None:
        """Show a configuration error (value unknown; the device is online) or clear it."""
        self.config_error = text
        if text is not None:
            self.value, self.state = None, "unknown"
            self.set_available(True)
        self.write_state()

    def update(self, value: int | None) -> None:
        """Write the new value when it changed."""
        if value != self.value or self.state == "unknown":
            self.value = value
            self.state = "unknown" if value is None else str(value)
            self.write_state()
