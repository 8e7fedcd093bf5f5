"""A simulated digital-input IO module: panic buttons and contacts, NO or NC wired.

Discrete input N is the electrical state of terminal N. A normally-open contact reads 1
while pressed; a normally-closed one reads 1 at rest and 0 when pressed or when its wire
is cut (which is why NC wiring is used for panic buttons: a cut wire alarms).
Coil 0 is a relay output (a siren or a strobe), input register 0 counts scans served.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Sequence
from typing import Unpack

from pymodbus.constants import ExcCodes

from .server import BlockSizes, Endpoint, ModbusDeviceSimulator

__all__ = ["IOModuleSimulator", "Wiring"]


class Wiring(enum.StrEnum):
    """How a contact is wired."""

    NO = "no"
    NC = "nc"


class IOModuleSimulator(ModbusDeviceSimulator):
    """An IO module with `len(wiring)` inputs and one relay output."""

    kind = "io_module"

    def __init__(
        self,
        wiring: Sequence[Wiring | str] = ("no",) * 8,
        **endpoint: Unpack[Endpoint],
    ) -> None:
        sizes = BlockSizes(coils=16, inputs=len(wiring), holding=1, input_regs=2)
        super().__init__(sizes=sizes, **endpoint)
        self.wiring = [Wiring(item) for item in wiring]
        self.pressed = [False] * len(self.wiring)
        self.wire_cut = [False] * len(self.wiring)
        self.relay = False

    def _check(self, index: int) -> None:
        if not 0 <= index < len(self.wiring):
            raise IndexError(f"input {index} out of range 0-{len(self.wiring) - 1}")

    def press(self, index: int) -> None:
        """Operate the contact on terminal `index` (press a panic button)."""
        self._check(index)
        self.pressed[index] = True

    def release(self, index: int) -> None:
        """Let the contact on terminal `index` go."""
        self._check(index)
        self.pressed[index] = False

    async def tap(self, index: int, hold: float, reads: int = 2) -> None:
        """Press terminal `index` and let go, each state held for at least `hold` seconds
        and until the module has answered `reads` more reads after it (a scan is read only
        after the one before was handled, so `reads` + 1 requests means `reads` handled)."""
        for operate in (self.press, self.release):
            operate(index)
            start = self.requests
            await asyncio.sleep(hold)
            for _ in range(400):  # gives up after 100 x hold: nobody is reading
                if self.requests > start + reads:
                    break
                await asyncio.sleep(hold / 4)

    def cut_wire(self, index: int, cut: bool = True) -> None:
        """Cut (or repair) the wire to terminal `index`: the terminal reads 0."""
        self._check(index)
        self.wire_cut[index] = cut

    def terminal(self, index: int) -> bool:
        """Return the electrical state of terminal `index` as the module reports it."""
        if self.wire_cut[index]:
            return False
        closed = self.pressed[index]
        return closed if self.wiring[index] is Wiring.NO else not closed

    def discrete_inputs(self) -> list[bool]:
        """Return the terminal states."""
        return [self.terminal(index) for index in range(len(self.wiring))]

    def coils(self) -> list[bool]:
        """Return the relay output."""
        return [self.relay]

    def input_registers(self) -> list[int]:
        """Return the request counter (low word)."""
        return [self.requests & 0xFFFF]

    def on_write_coils(self, address: int, values: list[bool]) -> ExcCodes | None:
        """Coil 0 switches the relay output."""
        if address != 0 or len(values) != 1:
            return ExcCodes.ILLEGAL_ADDRESS
        self.relay = values[0]
        return None

    def device_state(self) -> dict[str, object]:
        """Return the module's own state for the control surface."""
        return {
            "wiring": [str(item) for item in self.wiring],
            "pressed": list(self.pressed),
            "wire_cut": list(self.wire_cut),
            "terminals": self.discrete_inputs(),
            "relay": self.relay,
        }
