"""A small Modbus client for polling IO modules (TCP, RTU over TCP, serial RTU).

No hub imports: this could ship on PyPI alone. Every call has a timeout; a failed call
closes the connection so the next one reconnects (the caller paces reconnects).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Literal

from pymodbus import FramerType
from pymodbus.client import AsyncModbusSerialClient, AsyncModbusTcpClient
from pymodbus.exceptions import ModbusException
from pymodbus.pdu import ModbusPDU

_LOGGER = logging.getLogger(__name__)

__all__ = [
    "CONFIG_ERROR_CODES",
    "EXCEPTION_NAMES",
    "BitTable",
    "ConnectionSettings",
    "ModbusClient",
    "ModbusConnectionError",
    "ModbusError",
    "ModbusResponseError",
    "RegisterTable",
    "Transport",
]

Transport = Literal["tcp", "rtu_over_tcp", "rtu"]
BitTable = Literal["discrete_inputs", "coils"]
RegisterTable = Literal["input_registers", "holding_registers"]


class ModbusError(Exception):
    """A Modbus call failed."""


class ModbusConnectionError(ModbusError):
    """The device could not be reached or did not answer in time."""


#: Modbus exception codes (Modbus Application Protocol V1.1b3, section 7).
EXCEPTION_NAMES = {
    1: "illegal function", 2: "illegal data address", 3: "illegal data value",
    4: "server device failure", 5: "acknowledge", 6: "server device busy",
    8: "memory parity error", 10: "gateway path unavailable",
    11: "gateway target device failed to respond",
}  # fmt: skip
#: Codes that mean "this device has no such function or address": the request is wrong for
#: this device (a configuration error), the device itself answers.
CONFIG_ERROR_CODES = frozenset({1, 2, 3})


class ModbusResponseError(ModbusError):
    """The device answered with a Modbus exception (illegal address, device failure...)."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code

    @property
    def config_error(self) -> bool:
        """True when the request does not fit the device (illegal function, address, value)."""
        return self.code in CONFIG_ERROR_CODES


@dataclass(frozen=True, slots=True)
class ConnectionSettings:
    """Where and how to reach one Modbus device."""

    transport: Transport = "tcp"
    host: str = "127.0.0.1"
    port: int = 502
    serial_port: str | None = None
    baudrate: int = 9600
    parity: Literal["N", "E", "O"] = "N"
    stopbits: int = 1
    bytesize: int = 8
    device_id: int = 1
    timeout: float = 1.0

    @property
    def label(self) -> str:
        """Return a human label: host:port or the serial port."""
        if self.transport == "rtu":
            return f"{self.serial_port} (RTU, unit {self.device_id})"
        return f"{self.host}:{self.port} (unit {self.device_id})"


class ModbusClient:
    """One device's connection: reconnects lazily, one request at a time, all timed."""

    def __init__(self, settings: ConnectionSettings) -> None:
        self.settings = settings
        self._client: AsyncModbusTcpClient | AsyncModbusSerialClient | None = None
        self._lock = asyncio.Lock()

    def _make_client(self) -> AsyncModbusTcpClient | AsyncModbusSerialClient:
        s = self.settings
        # reconnect_delay=0: pymodbus must not reconnect by itself; we pace reconnects.
        if s.transport == "rtu":
            if not s.serial_port:
                raise ModbusConnectionError("serial_port is required for transport rtu")
            return AsyncModbusSerialClient(
                s.serial_port,
                framer=FramerType.RTU,
                baudrate=s.baudrate,
                bytesize=s.bytesize,
                parity=s.parity,
                stopbits=s.stopbits,
                timeout=s.timeout,
                retries=0,
                reconnect_delay=0,
            )
        framer = FramerType.RTU if s.transport == "rtu_over_tcp" else FramerType.SOCKET
        return AsyncModbusTcpClient(
            s.host, port=s.port, framer=framer, timeout=s.timeout, retries=0, reconnect_delay=0
        )

    @property
    def connected(self) -> bool:
        """Return whether a connection is open."""
        return self._client is not None and self._client.connected

    async def _ensure(self) -> AsyncModbusTcpClient | AsyncModbusSerialClient:
        if self._client is not None and self._client.connected:
            return self._client
        self.close()
        client = self._make_client()
        try:
            async with asyncio.timeout(self.settings.timeout):
                ok = await client.connect()
        except (TimeoutError, OSError, ModbusException) as err:
            client.close()
            raise ModbusConnectionError(f"{self.settings.label}: cannot connect: {err}") from err
        if not ok:
            client.close()
            raise ModbusConnectionError(f"{self.settings.label}: connection refused")
        self._client = client
        return client

    def close(self) -> None:
        """Close the connection (the next call reconnects)."""
        client, self._client = self._client, None
        if client is not None:
            client.close()

    async def _call(self, what: str, method: str, *args: object, **kwargs: object) -> ModbusPDU:
        async with self._lock:
            client = await self._ensure()
            try:
                async with asyncio.timeout(self.settings.timeout):
                    answer: ModbusPDU = await getattr(client, method)(
                        *args, device_id=self.settings.device_id, **kwargs
                    )
            except (TimeoutError, ModbusException, OSError) as err:
                self.close()
                reason = "no answer" if isinstance(err, TimeoutError) else str(err)
                raise ModbusConnectionError(f"{self.settings.label}: {what}: {reason}") from err
        if answer.isError():
            code = getattr(answer, "exception_code", None)
            name = EXCEPTION_NAMES.get(code or 0, "unknown exception")
            raise ModbusResponseError(
                f"{self.settings.label}: {what}: exception {code} ({name})", code
            )
        return answer

    async def read_bits(self, table: BitTable, address: int, count: int) -> list[bool]:
        """Read `count` coils or discrete inputs from `address` in one request."""
        method = "read_discrete_inputs" if table == "discrete_inputs" else "read_coils"
        answer = await self._call(f"read {table} {address}+{count}", method, address, count=count)
        return list(answer.bits[:count])

    async def read_registers(self, table: RegisterTable, address: int, count: int) -> list[int]:
        """Read `count` input or holding registers from `address` in one request."""
        method = "read_input_registers" if table == "input_registers" else "read_holding_registers"
        answer = await self._call(f"read {table} {address}+{count}", method, address, count=count)
        return list(answer.registers[:count])

    async def write_coil(self, address: int, value: bool) -> None:
        """Write one coil."""
        await self._call(f"write coil {address}", "write_coil", address, value)

    async def write_register(self, address: int, value: int) -> None:
        """Write one holding register."""
        await self._call(f"write register {address}", "write_register", address, value)
