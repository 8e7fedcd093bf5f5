"""The simulated barrier controller: motion, auto-close, hold-open, both register layouts."""

from __future__ import annotations

import asyncio

from simulators.modbus import BarrierLayout, BarrierSimulator


def test_open_moves_through_opening_open_closing_closed(clock):
    """An open command runs the arm open in travel_time, then auto-closes."""
    sim = BarrierSimulator(travel_time=2.0, auto_close=3.0, clock=clock)
    sim.command("open")
    assert sim.motion == "opening"
    clock.advance(1.0)
    assert sim.motion == "opening" and abs(sim.position - 0.5) < 1e-9
    clock.advance(1.0)
    assert sim.motion == "open"
    clock.advance(2.9)
    assert sim.motion == "open"
    clock.advance(0.2)
    assert sim.motion == "closing"
    clock.advance(2.0)
    assert sim.motion == "closed"
    assert sim.cycles == 1


def test_transitions_elapsed_at_once_are_all_applied(clock):
    """Reading after a long pause lands in the final state (lazy motion is exact)."""
    sim = BarrierSimulator(travel_time=1.0, auto_close=1.0, clock=clock)
    sim.command("open")
    clock.advance(10.0)
    assert sim.motion == "closed" and sim.position == 0.0


def test_hold_open_suppresses_auto_close_until_release(clock):
    """Hold-open keeps the arm open; release starts the auto-close timer."""
    sim = BarrierSimulator(travel_time=1.0, auto_close=1.0, clock=clock)
    sim.command("hold_open")
    clock.advance(30.0)
    assert sim.motion == "open"
    sim.command("release")
    clock.advance(0.9)
    assert sim.motion == "open"
    clock.advance(0.2)
    assert sim.motion == "closing"


def test_stop_halts_midway_and_jam_ignores_commands_until_reset(clock):
    """Stop leaves the arm where it is; a jammed controller ignores motion until reset."""
    sim = BarrierSimulator(travel_time=2.0, auto_close=None, clock=clock)
    sim.command("open")
    clock.advance(1.0)
    sim.command("stop")
    clock.advance(5.0)
    assert sim.motion == "stopped" and abs(sim.position - 0.5) < 1e-9
    sim.jam()
    sim.command("open")
    assert sim.motion == "fault" and sim.fault_code == 3
    sim.command("reset")
    sim.command("open")
    assert sim.motion == "opening"


def test_photocell_reverses_closing(clock):
    """A blocked photocell while closing sends the arm back open (safety)."""
    sim = BarrierSimulator(travel_time=1.0, auto_close=None, clock=clock)
    sim.command("open")
    clock.advance(1.0)
    sim.command("close")
    clock.advance(0.5)
    sim.set_photocell(True)
    assert sim.motion == "opening"


async def test_coil_layout_over_modbus(connect):
    """Coil 0 opens; discrete inputs report opening then the open limit."""
    sim = BarrierSimulator(layout=BarrierLayout.COILS, travel_time=0.2, auto_close=None)
    await sim.start()
    try:
        client = await connect(sim)
        assert not (await client.write_coil(0, True, device_id=1)).isError()
        bits = (await client.read_discrete_inputs(0, count=6, device_id=1)).bits
        assert bits[:5] == [False, False, True, False, False]
        await asyncio.sleep(0.3)
        bits = (await client.read_discrete_inputs(0, count=6, device_id=1)).bits
        assert bits[:5] == [False, True, False, False, False]
        assert (await client.read_input_registers(0, count=3, device_id=1)).registers[1] == 100
        assert (await client.read_coils(0, count=4, device_id=1)).bits[:4] == [False] * 4
    finally:
        await sim.stop()


async def test_register_layout_over_modbus(connect):
    """Holding register 0 takes command codes; input register 0 reports the status code."""
    sim = BarrierSimulator(layout=BarrierLayout.REGISTER, travel_time=0.2, auto_close=0.1)
    await sim.start()
    try:
        client = await connect(sim)
        assert not (await client.write_register(0, 1, device_id=1)).isError()
        assert (await client.read_input_registers(0, count=4, device_id=1)).registers[0] == 1
        assert (await client.write_register(0, 99, device_id=1)).isError()
        await asyncio.sleep(0.8)
        assert (await client.read_input_registers(0, count=4, device_id=1)).registers[0] == 0
        assert sim.commands == ["open"]
        assert sim.cycles == 1
    finally:
        await sim.stop()
