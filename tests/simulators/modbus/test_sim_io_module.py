"""The simulated IO module: NO/NC terminals, wire cuts, relay output."""

from __future__ import annotations

import pytest

from simulators.modbus import IOModuleSimulator


async def test_no_and_nc_terminals_over_modbus(connect):
    """A pressed NO contact reads 1; a pressed NC contact reads 0; a cut NC wire reads 0."""
    sim = IOModuleSimulator(["no", "nc", "nc", "no"])
    await sim.start()
    try:
        client = await connect(sim)
        rest = (await client.read_discrete_inputs(0, count=4, device_id=1)).bits[:4]
        assert rest == [False, True, True, False]
        sim.press(0)
        sim.press(1)
        sim.cut_wire(2)
        bits = (await client.read_discrete_inputs(0, count=4, device_id=1)).bits[:4]
        assert bits == [True, False, False, False]
        sim.release(0)
        sim.release(1)
        assert (await client.read_discrete_inputs(0, count=2, device_id=1)).bits[:2] == [
            False,
            True,
        ]
    finally:
        await sim.stop()


async def test_relay_coil(connect):
    """Coil 0 switches the relay output and reads back."""
    sim = IOModuleSimulator()
    await sim.start()
    try:
        client = await connect(sim)
        await client.write_coil(0, True, device_id=1)
        assert sim.relay
        assert (await client.read_coils(0, count=1, device_id=1)).bits[0]
    finally:
        await sim.stop()


def test_bad_terminal_is_refused():
    """Pressing a terminal the module does not have names the valid range."""
    with pytest.raises(IndexError, match="0-3"):
        IOModuleSimulator(["no"] * 4).press(4)
