"""A Modbus TCP device simulator: a model rendered into pymodbus blocks, cut/restore, faults."""

from __future__ import annotations

import asyncio
import enum
import logging
from typing import TypedDict, cast

from pymodbus import FramerType
from pymodbus.constants import ExcCodes
from pymodbus.server import ModbusSerialServer, ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

_LOGGER = logging.getLogger(__name__)

__all__ = ["BlockSizes", "Endpoint", "FaultMode", "ModbusDeviceSimulator"]

# Function code -> block: c coils, d discrete inputs, h holding registers, i input registers.
_BLOCK_OF_FC = {1: "c", 5: "c", 15: "c", 2: "d", 4: "i", 3: "h", 6: "h", 16: "h", 22: "h", 23: "h"}
_WRITE_FCS = {5, 15, 6, 16, 22, 23}


class FaultMode(enum.StrEnum):
    """How the device misbehaves on the wire."""

    NONE = "none"
    #: Accepts connections and requests but never answers (the client times out).
    MUTE = "mute"
    #: Answers every request with exception 4, server device failure.
    EXCEPTION = "exception"
    #: Answers every request with exception 6, server device busy.
    BUSY = "busy"


class BlockSizes:
    """How many coils, discrete inputs, holding and input registers a device has."""

    def __init__(self, coils: int = 16, inputs: int = 16, holding: int = 8, input_regs: int = 8):
        self.coils = _round16(coils)
        self.inputs = _round16(inputs)
        self.holding = max(holding, 1)
        self.input_regs = max(input_regs, 1)


def _round16(count: int) -> int:
    return max(16, (count + 15) // 16 * 16)


def _pack_bits(bits: list[bool], regs: list[int]) -> None:
    """Write bits into 16-bit registers in place, bit 0 first (pymodbus' layout)."""
    for reg_index in range(len(regs) - 1):
        value = 0
        for bit_index, bit in enumerate(bits[reg_index * 16 : reg_index * 16 + 16]):
            if bit:
                value |= 1 << bit_index
        regs[reg_index] = value


class Endpoint(TypedDict, total=False):
    """Where a simulator serves and as which unit: the keywords every device takes."""

    host: str
    port: int
    device_id: int
    framer: str
    serial_port: str | None
    baudrate: int


class ModbusDeviceSimulator:
    """Base of the simulated Modbus devices; subclasses keep a model and render it.

    The model is the source of truth. On every request the block it touches is rendered
    from the model, and writes are handed to `on_write_coils` / `on_write_registers`.
    """

    kind = "modbus"

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        device_id: int = 1,
        sizes: BlockSizes | None = None,
        framer: str = "socket",
        serial_port: str | None = None,
        baudrate: int = 19200,
    ) -> None:
        self.host = host
        #: A serial device path (RS-485 line): serve RTU there instead of TCP.
        self.serial_port = serial_port
        self.baudrate = baudrate
        #: "socket" for Modbus TCP, "rtu" for RTU frames over TCP (serial gateways).
        self.framer = FramerType(framer)
        self.port = port
        self.device_id = device_id
        self.sizes = sizes or BlockSizes()
        self.fault_mode = FaultMode.NONE
        #: Function codes this device lacks, answered with exception 1 (illegal function):
        #: e.g. {2} for a module whose inputs are read as coils only.
        self.unsupported_functions: set[int] = set()
        self.requests = 0
        self._server: ModbusTcpServer | ModbusSerialServer | None = None
        self._unmute = asyncio.Event()

    # -- model hooks (subclasses) --------------------------------------------------------

    def coils(self) -> list[bool]:
        """Return the coil values."""
        return []

    def discrete_inputs(self) -> list[bool]:
        """Return the discrete input values."""
        return []

    def holding_registers(self) -> list[int]:
        """Return the holding register values."""
        return []

    def input_registers(self) -> list[int]:
        """Return the input register values."""
        return []

    def on_write_coils(self, address: int, values: list[bool]) -> ExcCodes | None:
        """Apply a coil write from a client; return an exception code to refuse it."""
        return ExcCodes.ILLEGAL_ADDRESS

    def on_write_registers(self, address: int, values: list[int]) -> ExcCodes | None:
        """Apply a holding register write from a client; return an exception code to refuse."""
        return ExcCodes.ILLEGAL_ADDRESS

    def device_state(self) -> dict[str, object]:
        """Return the model's own state, JSON-ready (what snapshot() adds to the common keys)."""
        return {}

    def snapshot(self) -> dict[str, object]:
        """Return the device's state as a JSON-ready dict (for the control surface)."""
        return {"kind": self.kind, "running": self.running, "fault_mode": str(self.fault_mode),
                **self.device_state()}

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Return whether the server is listening."""
        return self._server is not None

    async def start(self) -> None:
        """Listen on host:port (port 0 picks one, kept for later restarts)."""
        if self._server is not None:
            return
        server: ModbusTcpServer | ModbusSerialServer
        if self.serial_port is not None:
            server = ModbusSerialServer(
                self._build_device(),
                framer=FramerType.RTU,
                port=self.serial_port,
                baudrate=self.baudrate,
            )
            await server.serve_forever(background=True)
        else:
            server = ModbusTcpServer(
                self._build_device(), address=(self.host, self.port), framer=self.framer
            )
            await server.serve_forever(background=True)
            transport = cast(asyncio.Server, server.transport)
            self.port = transport.sockets[0].getsockname()[1]
        self._server = server
        _LOGGER.debug("%s listening on %s:%s", self.kind, self.host, self.port)

    async def stop(self) -> None:
        """Stop listening and drop every client connection."""
        server, self._server = self._server, None
        if server is not None:
            self._unmute.set()
            await server.shutdown()  # type: ignore[no-untyped-call]

    async def cut(self) -> None:
        """Cut the device off the network (the server stops; the port is kept)."""
        await self.stop()

    async def restore(self) -> None:
        """Bring the device back on the same port."""
        await self.start()

    def set_fault(self, mode: FaultMode | str) -> None:
        """Switch the wire fault mode (none, mute, exception, busy)."""
        self.fault_mode = FaultMode(mode)
        if self.fault_mode is FaultMode.MUTE:
            self._unmute.clear()
        else:
            self._unmute.set()

    # -- pymodbus glue ---------------------------------------------------------------------

    def _build_device(self) -> SimDevice:
        sizes = self.sizes
        blocks = (
            [SimData(0, count=sizes.coils, values=False, datatype=DataType.BITS)],
            [SimData(0, count=sizes.inputs, values=False, datatype=DataType.BITS)],
            [SimData(0, count=sizes.holding, values=0, datatype=DataType.REGISTERS)],
            [SimData(0, count=sizes.input_regs, values=0, datatype=DataType.REGISTERS)],
        )
        return SimDevice(self.device_id, simdata=blocks, action=self._action)

    async def _action(
        self,
        function_code: int,
        _start: int,
        address: int,
        _count: int,
        registers: list[int],
        set_values: list[int] | list[bool] | None,
    ) -> ExcCodes | None:
        """Called by pymodbus for every request: faults, writes, then render the block."""
        if self.fault_mode is FaultMode.MUTE:
            await self._unmute.wait()
        if self.fault_mode is FaultMode.EXCEPTION:
            return ExcCodes.DEVICE_FAILURE
        if self.fault_mode is FaultMode.BUSY:
            return ExcCodes.DEVICE_BUSY
        if function_code in self.unsupported_functions:
            return ExcCodes.ILLEGAL_FUNCTION
        block = _BLOCK_OF_FC.get(function_code)
        if set_values is not None and function_code in _WRITE_FCS:
            self.requests += 1
            if block == "c":
                return self.on_write_coils(address, [bool(v) for v in set_values])
            return self.on_write_registers(address, [int(v) for v in set_values])
        if set_values is None and function_code not in _WRITE_FCS:
            self.requests += 1
        self._render(block, registers)
        return None

    def _render(self, block: str | None, registers: list[int]) -> None:
        if block == "c":
            _pack_bits(self.coils(), registers)
        elif block == "d":
            _pack_bits(self.discrete_inputs(), registers)
        elif block in ("h", "i"):
            values = self.holding_registers() if block == "h" else self.input_registers()
            for index, value in enumerate(values[: len(registers) - 1]):
                registers[index] = value & 0xFFFF
