"""The simulated walk-through metal detector: alarm output, counters, zone."""

from __future__ import annotations

import pytest

from simulators.modbus import MetalDetectorSimulator


async def test_walk_with_metal_counts_and_alarms(connect, clock):
    """A walk counts a pass; with metal it counts an alarm, holds the alarm input, sets zone."""
    sim = MetalDetectorSimulator(alarm_hold=1.0, clock=clock)
    await sim.start()
    try:
        client = await connect(sim)
        sim.walk()
        sim.walk(metal=True, zone=5)
        regs = (await client.read_input_registers(0, count=5, device_id=1)).registers
        assert regs == [2, 1, 5, 16, 0]
        assert (await client.read_discrete_inputs(0, count=3, device_id=1)).bits[0]
        clock.advance(1.1)
        assert not (await client.read_discrete_inputs(0, count=3, device_id=1)).bits[0]
        await client.write_coil(0, True, device_id=1)
        assert (await client.read_input_registers(0, count=3, device_id=1)).registers == [0, 0, 0]
    finally:
        await sim.stop()


async def test_sensitivity_register_validates(connect):
    """Sensitivity accepts 1-100 and refuses anything else with an exception response."""
    sim = MetalDetectorSimulator()
    await sim.start()
    try:
        client = await connect(sim)
        assert not (await client.write_register(0, 80, device_id=1)).isError()
        assert (await client.write_register(0, 0, device_id=1)).isError()
        assert sim.sensitivity == 80
    finally:
        await sim.stop()


def test_zone_out_of_range():
    """A zone the arch does not have is refused."""
    with pytest.raises(ValueError, match="1-6"):
        MetalDetectorSimulator().walk(metal=True, zone=7)
