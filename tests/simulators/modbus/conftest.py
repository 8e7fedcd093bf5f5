"""Fixtures for the Modbus simulator tests: a client connected over 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from pymodbus.client import AsyncModbusTcpClient

from simulators.modbus import ModbusDeviceSimulator


class FakeClock:
    """A clock the test moves by hand (time is the one thing we fake)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def connect() -> AsyncIterator[Callable[[ModbusDeviceSimulator], object]]:
    """Return a function that connects a pymodbus client to a started simulator."""
    clients: list[AsyncModbusTcpClient] = []

    async def _connect(sim: ModbusDeviceSimulator) -> AsyncModbusTcpClient:
        client = AsyncModbusTcpClient(
            sim.host, port=sim.port, timeout=0.5, retries=0, reconnect_delay=0
        )
        for _ in range(10):  # 0.5 s each: a loaded machine can miss one
            if await client.connect():
                break
        assert client.connected
        clients.append(client)
        return client

    yield _connect
    for client in clients:
        client.close()
