"""A simulated locker bank: one lock relay, one door sensor and one item sensor per door.

Real locker controllers differ; each difference is a switch here:

``relays`` (how a door is unlocked)
    ``coils``: coil N-1 is door N's lock relay; a write of 1 pulses the lock (self-clearing).
    ``holding``: holding register 0 is a command register: writing door number N unlocks
    door N (reads back 0), as the common RS-485 lock boards behind a TCP gateway do.
    ``holding_per_door``: holding register `relay_base + N - 1` is door N's relay; it stays
    energised (reads back 1) until the client writes 0, so the client must end the pulse.
``inverted_door_sensor``
    The door contact reads 1 when the door is *closed* (a normally-closed reed switch wired
    straight to the input), instead of 1 when open.
``item_sensor``
    Infrared item detection per door at discrete inputs 16.. (1 = something inside); without
    it those inputs are not served (exception 2, illegal data address).
``relay_delay``
    A slow relay board: it energises the lock before answering the write, so the answer
    comes this many seconds late.

Discrete inputs 0..N-1 are the door contacts. A door unlocked pops open (spring latch) and
stays open until someone closes it (`close_door`). Input register 0 counts unlocks.
"""

from __future__ import annotations

import asyncio
import enum
from typing import Unpack

from pymodbus.constants import ExcCodes

from .server import BlockSizes, Endpoint, ModbusDeviceSimulator

__all__ = ["ITEM_SENSOR_ADDRESS", "LockerBankSimulator", "RelayLayout"]

#: First discrete input of the item sensors (one per door).
ITEM_SENSOR_ADDRESS = 16
_MAX_DOORS = 16


class RelayLayout(enum.StrEnum):
    """How the controller's lock relays are driven."""

    COILS = "coils"
    HOLDING = "holding"
    HOLDING_PER_DOOR = "holding_per_door"


class LockerBankSimulator(ModbusDeviceSimulator):
    """A bank of `doors` lockers behind one Modbus controller."""

    kind = "locker_bank"

    def __init__(
        self,
        doors: int = 12,
        *,
        relays: RelayLayout | str = RelayLayout.COILS,
        inverted_door_sensor: bool = False,
        item_sensor: bool = True,
        relay_delay: float = 0.0,
        relay_base: int = 100,
        **endpoint: Unpack[Endpoint],
    ) -> None:
        if not 1 <= doors <= _MAX_DOORS:
            raise ValueError(f"doors must be 1-{_MAX_DOORS}, got {doors}")
        self.relays = RelayLayout(relays)
        self.relay_base = relay_base
        holding = relay_base + doors if self.relays is RelayLayout.HOLDING_PER_DOOR else 1
        sizes = BlockSizes(coils=doors, inputs=ITEM_SENSOR_ADDRESS + _MAX_DOORS, holding=holding,
                           input_regs=1)
        super().__init__(sizes=sizes, **endpoint)
        self.doors = doors
        if self.relays is not RelayLayout.COILS:
            self.unsupported_functions = {1, 5, 15}  # no coils on this board
        self.inverted_door_sensor = inverted_door_sensor
        self.item_sensor = item_sensor
        self.relay_delay = relay_delay
        self.door_open = [False] * doors
        self.items = [False] * doors
        self.unlocks: list[int] = []
        #: Relays held energised (holding_per_door), and every relay register write.
        self.energised = [False] * doors
        self.relay_writes: list[tuple[int, int]] = []

    # -- the people at the lockers ----------------------------------------------------------

    def _check(self, door: int) -> int:
        if not 1 <= door <= self.doors:
            raise IndexError(f"door {door} out of range 1-{self.doors}")
        return door - 1

    def unlock(self, door: int) -> None:
        """The lock releases: the door springs open."""
        self.door_open[self._check(door)] = True
        self.unlocks.append(door)

    def close_door(self, door: int) -> None:
        """Someone pushes the door shut (it latches)."""
        self.door_open[self._check(door)] = False

    def open_door(self, door: int) -> None:
        """Someone pulls an unlocked door open again (or forces it)."""
        self.door_open[self._check(door)] = True

    def put_item(self, door: int, present: bool = True) -> None:
        """Put something in (or take everything out of) a locker."""
        self.items[self._check(door)] = present

    # -- Modbus rendering -------------------------------------------------------------------

    def coils(self) -> list[bool]:
        """Return the lock relays (always released: the pulse self-clears)."""
        return [False] * self.doors

    def discrete_inputs(self) -> list[bool]:
        """Return door contacts (0..) and item sensors (16..)."""
        doors = [not v if self.inverted_door_sensor else v for v in self.door_open]
        padding = [False] * (ITEM_SENSOR_ADDRESS - self.doors)
        return doors + padding + (list(self.items) if self.item_sensor else [])

    def holding_registers(self) -> list[int]:
        """Return the command register (reads back 0) or the per-door relay registers."""
        if self.relays is RelayLayout.HOLDING_PER_DOOR:
            return [0] * self.relay_base + [int(v) for v in self.energised]
        return [0]

    def input_registers(self) -> list[int]:
        """Return the unlock counter."""
        return [len(self.unlocks) & 0xFFFF]

    async def _action(self, function_code: int, _start: int, address: int, count: int,
                      registers: list[int],
                      set_values: list[int] | list[bool] | None) -> ExcCodes | None:
        """Refuse reads past the served inputs; delay writes on a slow relay board."""
        # For bit requests pymodbus passes the count of 16-bit registers the bits span.
        if (function_code == 2 and not self.item_sensor
                and (address // 16 + count) * 16 > ITEM_SENSOR_ADDRESS):
            return ExcCodes.ILLEGAL_ADDRESS
        if set_values is not None and self.relay_delay:
            await asyncio.sleep(self.relay_delay)
        return await super()._action(function_code, _start, address, count, registers,
                                     set_values)

    def on_write_coils(self, address: int, values: list[bool]) -> ExcCodes | None:
        """Coil relays: a 1 at coil N-1 unlocks door N."""
        if self.relays is not RelayLayout.COILS or address + len(values) > self.doors:
            return ExcCodes.ILLEGAL_ADDRESS
        for offset, value in enumerate(values):
            if value:
                self.unlock(address + offset + 1)
        return None

    def on_write_registers(self, address: int, values: list[int]) -> ExcCodes | None:
        """Command register: writing N to register 0 unlocks door N; or a relay per door."""
        if self.relays is RelayLayout.HOLDING_PER_DOOR:
            return self._write_relays(address, values)
        if self.relays is not RelayLayout.HOLDING or address != 0 or len(values) != 1:
            return ExcCodes.ILLEGAL_ADDRESS
        if values[0] == 0:
            return None
        if not 1 <= values[0] <= self.doors:
            return ExcCodes.ILLEGAL_VALUE
        self.unlock(values[0])
        return None

    def _write_relays(self, address: int, values: list[int]) -> ExcCodes | None:
        first = address - self.relay_base
        if first < 0 or first + len(values) > self.doors:
            return ExcCodes.ILLEGAL_ADDRESS
        for offset, value in enumerate(values):
            door = first + offset + 1
            self.relay_writes.append((door, value))
            if value and not self.energised[door - 1]:
                self.unlock(door)
            self.energised[door - 1] = bool(value)
        return None

    def device_state(self) -> dict[str, object]:
        """Return the bank's own state for the control surface."""
        return {
            "relays": str(self.relays),
            "inverted_door_sensor": self.inverted_door_sensor,
            "item_sensor": self.item_sensor,
            "relay_delay": self.relay_delay,
            "doors": {str(n + 1): {"open": self.door_open[n], "item": self.items[n]}
                      for n in range(self.doors)},
            "unlocks": len(self.unlocks),
        }
