"""Cut/restore on the same port and the wire fault modes of every Modbus simulator."""

from __future__ import annotations

import pytest
from pymodbus.exceptions import ConnectionException, ModbusIOException

from simulators.modbus import FaultMode, IOModuleSimulator


async def test_cut_and_restore_keep_the_port(connect):
    """A cut device refuses connections; restore listens on the same port with the same state."""
    sim = IOModuleSimulator(["no"])
    await sim.start()
    port = sim.port
    sim.press(0)
    client = await connect(sim)
    await sim.cut()
    with pytest.raises((ConnectionException, ModbusIOException)):
        await client.read_discrete_inputs(0, count=1, device_id=1)
    assert not await client.connect()
    await sim.restore()
    try:
        assert sim.port == port
        assert await client.connect()
        assert (await client.read_discrete_inputs(0, count=1, device_id=1)).bits[0]
    finally:
        await sim.stop()


@pytest.mark.parametrize(("mode", "code"), [("exception", 4), ("busy", 6)])
async def test_exception_modes(connect, mode, code):
    """Exception fault modes answer every request with the Modbus exception code."""
    sim = IOModuleSimulator()
    await sim.start()
    try:
        client = await connect(sim)
        sim.set_fault(mode)
        answer = await client.read_discrete_inputs(0, count=1, device_id=1)
        assert answer.isError() and answer.exception_code == code
        sim.set_fault(FaultMode.NONE)
        assert not (await client.read_discrete_inputs(0, count=1, device_id=1)).isError()
    finally:
        await sim.stop()


async def test_mute_mode_times_out(connect):
    """A muted device accepts the request and never answers; the client times out."""
    sim = IOModuleSimulator()
    await sim.start()
    try:
        client = await connect(sim)
        sim.set_fault("mute")
        with pytest.raises(ModbusIOException):
            await client.read_discrete_inputs(0, count=1, device_id=1)
    finally:
        await sim.stop()
