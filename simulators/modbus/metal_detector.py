"""A simulated walk-through metal detector with zones and counters.

Discrete inputs: 0 alarm (held `alarm_hold` seconds after a walk with metal), 1 fault,
2 person in the arch (held `transit_time`). Input registers: 0 passes, 1 alarms,
2 zone of the last alarm (1..zones, 0 none), 3 zone bitmap of the last alarm,
4 fault code. Holding register 0 sensitivity (1-100). Coil 0 resets the counters
(write 1, self-clearing).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Unpack

from pymodbus.constants import ExcCodes

from .server import BlockSizes, Endpoint, ModbusDeviceSimulator

__all__ = ["MetalDetectorSimulator"]


class MetalDetectorSimulator(ModbusDeviceSimulator):
    """A walk-through arch: `walk()` a person through, with or without metal."""

    kind = "metal_detector"

    def __init__(
        self,
        *,
        zones: int = 6,
        alarm_hold: float = 1.5,
        transit_time: float = 0.8,
        clock: Callable[[], float] = time.monotonic,
        **endpoint: Unpack[Endpoint],
    ) -> None:
        sizes = BlockSizes(coils=16, inputs=16, holding=2, input_regs=6)
        super().__init__(sizes=sizes, **endpoint)
        self.zones = zones
        self.alarm_hold = alarm_hold
        self.transit_time = transit_time
        self.sensitivity = 50
        self.passes = 0
        self.alarms = 0
        self.last_zone = 0
        self.fault_code = 0
        self._clock = clock
        self._alarm_until = 0.0
        self._transit_until = 0.0

    def walk(self, metal: bool = False, zone: int | None = None) -> None:
        """Walk one person through; with metal the alarm sounds in `zone` (default 3)."""
        zone = zone if zone is not None else (min(3, self.zones) if metal else 0)
        if metal and not 1 <= zone <= self.zones:
            raise ValueError(f"zone {zone} out of range 1-{self.zones}")
        now = self._clock()
        self.passes = (self.passes + 1) & 0xFFFF
        self._transit_until = now + self.transit_time
        if metal:
            self.alarms = (self.alarms + 1) & 0xFFFF
            self.last_zone = zone
            self._alarm_until = now + self.alarm_hold

    def set_device_fault(self, code: int) -> None:
        """Report an internal fault (0 clears it): coil drive, sensor, ..."""
        self.fault_code = code

    @property
    def alarm(self) -> bool:
        """Return whether the alarm output is on."""
        return self._clock() < self._alarm_until

    def reset_counters(self) -> None:
        """Zero the pass and alarm counters."""
        self.passes = self.alarms = self.last_zone = 0

    def discrete_inputs(self) -> list[bool]:
        """Return alarm, fault, person-in-arch."""
        return [self.alarm, self.fault_code != 0, self._clock() < self._transit_until]

    def input_registers(self) -> list[int]:
        """Return the counters, last zone, zone bitmap and fault code."""
        bitmap = 1 << (self.last_zone - 1) if self.last_zone else 0
        return [self.passes, self.alarms, self.last_zone, bitmap, self.fault_code]

    def holding_registers(self) -> list[int]:
        """Return the sensitivity."""
        return [self.sensitivity]

    def on_write_coils(self, address: int, values: list[bool]) -> ExcCodes | None:
        """Coil 0: reset counters."""
        if address != 0 or len(values) != 1:
            return ExcCodes.ILLEGAL_ADDRESS
        if values[0]:
            self.reset_counters()
        return None

    def on_write_registers(self, address: int, values: list[int]) -> ExcCodes | None:
        """Holding register 0: sensitivity 1-100."""
        if address != 0 or len(values) != 1:
            return ExcCodes.ILLEGAL_ADDRESS
        if not 1 <= values[0] <= 100:
            return ExcCodes.ILLEGAL_VALUE
        self.sensitivity = values[0]
        return None

    def device_state(self) -> dict[str, object]:
        """Return the detector's own state for the control surface."""
        return {
            "alarm": self.alarm,
            "passes": self.passes,
            "alarms": self.alarms,
            "last_zone": self.last_zone,
            "fault_code": self.fault_code,
            "sensitivity": self.sensitivity,
        }
