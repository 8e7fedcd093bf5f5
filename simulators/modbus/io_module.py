"""A simulated digital-input IO module: panic buttons and contacts, NO or NC wired.

Discrete input N is the electrical state of terminal N. A normally-open contact reads 1
while pressed; a normally-closed one reads 1 at rest and 0 when pressed or when its wire
is cut (which is why NC wiring is used for panic buttons: a cut wire alarms).
Coil 0 is a relay output (a siren or a strobe), input register 0 counts scans served.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence

from pymodbus.constants import ExcCodes

from .server import BlockSizes, ModbusDeviceSimulator

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
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        device_id: int = 1,
        framer: str = "socket",
        serial_port: str | None = None,
    ) -> None:
        sizes = BlockSizes(coils=16, inputs=len(wiring), holding=1, input_regs=2)
        super().__init__(
            host=host,
            port=port,
            device_id=device_id,
            sizes=sizes,
            framer=framer,
            serial_port=serial_port,
        )
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

    def snapshot(self) -> dict[str, object]:
        """Return the module's state for the control surface."""
        return {
            "kind": self.kind,
            "running": self.running,
            "fault_mode": str(self.fault_mode),
            "wiring": [str(item) for item in self.wiring],
            "pressed": list(self.pressed),
            "wire_cut": list(self.wire_cut),
            "terminals": self.discrete_inputs(),
            "relay": self.relay,
        }
