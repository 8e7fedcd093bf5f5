"""modbus_io tests: the simulated IO module (real Modbus/TCP on 127.0.0.1)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from simulators.modbus import IOModuleSimulator


@pytest.fixture
async def io_module() -> AsyncIterator[IOModuleSimulator]:
    """The IO module with the demo's four inputs: normally open, closed, closed, open."""
    sim = IOModuleSimulator(["no", "nc", "nc", "no"])
    await sim.start()
    yield sim
    await sim.stop()
