"""A simulated barrier / turnstile controller: timed motion, auto-close, hold-open, faults.

Two register layouts, as real controllers differ:

``coils`` (model SG-B100, a barrier)
    coils 0 open, 1 close, 2 stop (write 1, self-clearing), 3 hold open (latched);
    discrete inputs 0 closed limit, 1 open limit, 2 opening, 3 closing, 4 fault,
    5 photocell blocked; input registers 0 fault code, 1 position %, 2 cycle counter.
``register`` (model SG-T200, a turnstile)
    holding register 0 command (1 open, 2 close, 3 stop, 4 hold open, 5 release; reads
    back 0), holding register 1 auto-close time in 0.1 s; input registers 0 status
    (0 closed, 1 opening, 2 open, 3 closing, 4 fault, 5 stopped), 1 fault code,
    2 position %, 3 passage counter.
``holding`` (a third-party controller, the worked example of docs/plugins/modbus.md)
    everything in holding registers, as many vendors map it: register 10 command (1 open,
    2 close, 4 stop; reads back 0); register 20 status (1 closed, 2 open, 3 opening,
    4 closing, 0 stopped, 8 fault), 21 fault code, 22 position %. Coils and discrete inputs
    are not served (exception 1, illegal function).
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from typing import Unpack

from pymodbus.constants import ExcCodes

from .server import BlockSizes, Endpoint, ModbusDeviceSimulator

__all__ = ["BarrierLayout", "BarrierSimulator", "Motion"]


class Motion(enum.StrEnum):
    """The barrier's mechanical state."""

    CLOSED = "closed"
    OPENING = "opening"
    OPEN = "open"
    CLOSING = "closing"
    STOPPED = "stopped"
    FAULT = "fault"


class BarrierLayout(enum.StrEnum):
    """Which register map the controller speaks."""

    COILS = "coils"
    REGISTER = "register"
    HOLDING = "holding"


_STATUS_CODE = {
    Motion.CLOSED: 0,
    Motion.OPENING: 1,
    Motion.OPEN: 2,
    Motion.CLOSING: 3,
    Motion.FAULT: 4,
    Motion.STOPPED: 5,
}
_REGISTER_COMMANDS = {1: "open", 2: "close", 3: "stop", 4: "hold_open", 5: "release"}
_HOLDING_STATUS = {
    Motion.CLOSED: 1, Motion.OPEN: 2, Motion.OPENING: 3, Motion.CLOSING: 4,
    Motion.STOPPED: 0, Motion.FAULT: 8,
}  # fmt: skip
_HOLDING_COMMANDS = {1: "open", 2: "close", 4: "stop"}
HOLDING_COMMAND_REGISTER = 10
HOLDING_STATUS_REGISTER = 20
_COIL_COMMANDS = {0: "open", 1: "close", 2: "stop"}
FAULT_JAM = 3


class BarrierSimulator(ModbusDeviceSimulator):
    """A barrier arm or turnstile that moves in real time; state is computed lazily."""

    kind = "barrier"

    def __init__(
        self,
        *,
        layout: BarrierLayout | str = BarrierLayout.COILS,
        travel_time: float = 2.0,
        auto_close: float | None = 5.0,
        clock: Callable[[], float] = time.monotonic,
        **endpoint: Unpack[Endpoint],
    ) -> None:
        holding = 24 if BarrierLayout(layout) is BarrierLayout.HOLDING else 4
        sizes = BlockSizes(coils=16, inputs=16, holding=holding, input_regs=4)
        super().__init__(sizes=sizes, **endpoint)
        self.layout = BarrierLayout(layout)
        if self.layout is BarrierLayout.HOLDING:
            self.unsupported_functions = {1, 2, 5, 15}
        self.travel_time = travel_time
        self.auto_close = auto_close
        self.hold_open = False
        self.photocell_blocked = False
        self.fault_code = 0
        self.cycles = 0
        self.commands: list[str] = []
        self._clock = clock
        self._motion = Motion.CLOSED
        self._position = 0.0  # 0 closed .. 1 open
        self._since = clock()

    # -- the mechanics --------------------------------------------------------------------

    @property
    def motion(self) -> Motion:
        """Return the mechanical state now."""
        self._advance()
        return self._motion

    @property
    def position(self) -> float:
        """Return the arm position now, 0.0 closed to 1.0 open."""
        self._advance()
        return self._position

    def _advance(self) -> None:
        """Run the motion forward to now, through as many transitions as elapsed."""
        now = self._clock()
        while True:
            elapsed = now - self._since
            if self._motion is Motion.OPENING:
                remaining = (1.0 - self._position) * self.travel_time
                if elapsed < remaining:
                    self._position += elapsed / self.travel_time
                    self._since = now
                    return
                self._set(Motion.OPEN, 1.0, self._since + remaining)
            elif self._motion is Motion.CLOSING:
                if self.photocell_blocked:
                    self._set(Motion.OPENING, self._position, now)
                    continue
                remaining = self._position * self.travel_time
                if elapsed < remaining:
                    self._position -= elapsed / self.travel_time
                    self._since = now
                    return
                self._set(Motion.CLOSED, 0.0, self._since + remaining)
                self.cycles += 1
            elif (
                self._motion is Motion.OPEN
                and self.auto_close is not None
                and not self.hold_open
                and not self.photocell_blocked
                and elapsed >= self.auto_close
            ):
                self._set(Motion.CLOSING, 1.0, self._since + self.auto_close)
            else:
                return

    def _set(self, motion: Motion, position: float, since: float) -> None:
        self._motion = motion
        self._position = position
        self._since = since

    def command(self, name: str) -> None:
        """Apply a command: open, close, stop, hold_open, release, reset."""
        self._advance()
        self.commands.append(name)
        now = self._clock()
        if name == "reset":
            self.fault_code = 0
            if self._motion is Motion.FAULT:
                self._set(Motion.STOPPED, self._position, now)
            return
        if self._motion is Motion.FAULT:
            return  # a faulted controller ignores motion commands until reset
        if name == "hold_open":
            self.hold_open = True
            name = "open"
        elif name == "release":
            self.hold_open = False
            if self._motion is Motion.OPEN:
                self._since = now  # the auto-close timer starts on release
            return
        if name == "open" and self._motion not in (Motion.OPEN, Motion.OPENING):
            self._set(Motion.OPENING, self._position, now)
        elif name == "open" and self._motion is Motion.OPEN:
            self._since = now  # a new open request restarts the auto-close timer
        elif name == "close" and self._motion not in (Motion.CLOSED, Motion.CLOSING):
            self.hold_open = False
            self._set(Motion.CLOSING, self._position, now)
        elif name == "stop" and self._motion in (Motion.OPENING, Motion.CLOSING):
            self._set(Motion.STOPPED, self._position, now)

    def jam(self) -> None:
        """Mechanical fault: the arm stops where it is and reports fault code 3."""
        self._advance()
        self.fault_code = FAULT_JAM
        self._set(Motion.FAULT, self._position, self._clock())

    def set_photocell(self, blocked: bool) -> None:
        """Block or clear the safety photocell (blocks closing and auto-close)."""
        self._advance()
        self.photocell_blocked = blocked
        if not blocked and self._motion is Motion.OPEN:
            self._since = self._clock()

    # -- Modbus rendering -----------------------------------------------------------------

    def coils(self) -> list[bool]:
        """Return the command coils (only hold-open is latched)."""
        return [False, False, False, self.hold_open]

    def discrete_inputs(self) -> list[bool]:
        """Return limit switches, motor direction, fault and photocell."""
        motion = self.motion
        return [
            motion is Motion.CLOSED,
            motion is Motion.OPEN,
            motion is Motion.OPENING,
            motion is Motion.CLOSING,
            motion is Motion.FAULT,
            self.photocell_blocked,
        ]

    def holding_registers(self) -> list[int]:
        """Return command register (always 0) and auto-close time in 0.1 s; or the holding map."""
        if self.layout is BarrierLayout.HOLDING:
            values = [0] * 24
            values[HOLDING_STATUS_REGISTER : HOLDING_STATUS_REGISTER + 3] = [
                _HOLDING_STATUS[self.motion], self.fault_code, round(self.position * 100)
            ]  # fmt: skip
            return values
        return [0, round((self.auto_close or 0) * 10)]

    def input_registers(self) -> list[int]:
        """Return the status, fault code, position and counter registers of the layout."""
        motion, percent = self.motion, round(self.position * 100)
        if self.layout is BarrierLayout.COILS:
            return [self.fault_code, percent, self.cycles]
        return [_STATUS_CODE[motion], self.fault_code, percent, self.cycles]

    def on_write_coils(self, address: int, values: list[bool]) -> ExcCodes | None:
        """Coil layout: a write of 1 to coils 0-2 is a command; coil 3 latches hold-open."""
        if self.layout is not BarrierLayout.COILS:
            return ExcCodes.ILLEGAL_ADDRESS
        for offset, value in enumerate(values):
            coil = address + offset
            if coil in _COIL_COMMANDS and value:
                self.command(_COIL_COMMANDS[coil])
            elif coil == 3:
                self.command("hold_open" if value else "release")
            elif coil not in _COIL_COMMANDS:
                return ExcCodes.ILLEGAL_ADDRESS
        return None

    def on_write_registers(self, address: int, values: list[int]) -> ExcCodes | None:
        """Register layout: register 0 takes a command code, register 1 the auto-close time."""
        if self.layout is BarrierLayout.HOLDING:
            return self._write_holding(address, values)
        for offset, value in enumerate(values):
            register = address + offset
            if register == 0 and self.layout is BarrierLayout.REGISTER:
                if value == 0:
                    continue
                if value not in _REGISTER_COMMANDS:
                    return ExcCodes.ILLEGAL_VALUE
                self.command(_REGISTER_COMMANDS[value])
            elif register == 1:
                self.auto_close = value / 10 if value else None
            else:
                return ExcCodes.ILLEGAL_ADDRESS
        return None

    def _write_holding(self, address: int, values: list[int]) -> ExcCodes | None:
        for offset, value in enumerate(values):
            if address + offset != HOLDING_COMMAND_REGISTER:
                return ExcCodes.ILLEGAL_ADDRESS
            if value and value not in _HOLDING_COMMANDS:
                return ExcCodes.ILLEGAL_VALUE
            if value:
                self.command(_HOLDING_COMMANDS[value])
        return None

    def device_state(self) -> dict[str, object]:
        """Return the barrier's own state for the control surface."""
        return {
            "layout": str(self.layout),
            "motion": str(self.motion),
            "position": round(self.position, 3),
            "hold_open": self.hold_open,
            "photocell_blocked": self.photocell_blocked,
            "fault_code": self.fault_code,
            "cycles": self.cycles,
            "commands": list(self.commands),
        }
