"""modbus_barrier against the simulated controllers (both shipped profiles), through a hub."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from hub import ConfigError, DeviceUnavailable
from hub.testing import HubHarness, wait_for, wait_for_state
from plugins.gates.modbus_barrier.api import decode_state
from plugins.gates.modbus_barrier.profile import ProfileError, load_profile_blocking
from simulators.modbus import BarrierSimulator

LAYOUT = {"simgate_b100": "coils", "simgate_t200": "register"}


@pytest.fixture(params=sorted(LAYOUT))
async def barrier(
    request: pytest.FixtureRequest,
) -> AsyncIterator[tuple[str, BarrierSimulator]]:
    model: str = request.param
    sim = BarrierSimulator(layout=LAYOUT[model], travel_time=0.4, auto_close=0.4)
    await sim.start()
    yield model, sim
    await sim.stop()


def gate_yaml(model: str, port: int, transport: str = "tcp") -> str:
    return f"""
    devices:
      - platform: modbus_barrier
        name: Main barrier
        model: {model}
        transport: {transport}
        host: 127.0.0.1
        port: {port}
        scan_interval: 0.05
    """


def gate_states(harness: HubHarness) -> list[str]:
    states = [
        e.data["new_state"].state
        for e in harness.of_type("state_changed")
        if e.data["entity_id"] == "gate.main_barrier" and e.data.get("new_state")
    ]
    return [s for i, s in enumerate(states) if i == 0 or s != states[i - 1]]


async def test_open_runs_opening_open_closing_closed(hub_factory, barrier):
    """gate.open: the hub's state follows opening -> open -> closing -> closed (auto-close)."""
    model, sim = barrier
    harness = await hub_factory(gate_yaml(model, sim.port))
    hub = harness.hub
    await wait_for_state(hub, "gate.main_barrier", "closed")
    await hub.services.call("gate", "open", {"entity_id": "gate.main_barrier"})
    await wait_for(lambda: gate_states(harness)[-4:] == ["opening", "open", "closing", "closed"])
    assert hub.states.get("gate.main_barrier").attributes["model"] == model
    assert sim.cycles == 1


async def test_hold_open_then_close(hub_factory, barrier):
    """hold_open keeps the gate held open past auto-close; gate.close closes it."""
    model, sim = barrier
    harness = await hub_factory(gate_yaml(model, sim.port))
    hub = harness.hub
    await wait_for_state(hub, "gate.main_barrier", "closed")
    await hub.services.call("gate", "hold_open", {"entity_id": "gate.main_barrier"})
    await wait_for_state(hub, "gate.main_barrier", "held_open")
    await asyncio.sleep(0.6)
    assert hub.states.get("gate.main_barrier").state == "held_open"
    await hub.services.call("gate", "close", {"entity_id": "gate.main_barrier"})
    await wait_for_state(hub, "gate.main_barrier", "closed")


async def test_stop_and_fault(hub_factory, barrier):
    """gate.stop halts midway (stopped); a jammed controller reports fault."""
    model, sim = barrier
    sim.auto_close = None
    sim.travel_time = 2.0
    harness = await hub_factory(gate_yaml(model, sim.port))
    hub = harness.hub
    await wait_for_state(hub, "gate.main_barrier", "closed")
    await hub.services.call("gate", "open", {"entity_id": "gate.main_barrier"})
    await wait_for_state(hub, "gate.main_barrier", "opening")
    await hub.services.call("gate", "stop", {"entity_id": "gate.main_barrier"})
    await wait_for_state(hub, "gate.main_barrier", "stopped")
    sim.jam()
    await wait_for_state(hub, "gate.main_barrier", "fault")


async def test_cut_controller_is_unavailable_until_restored(hub_factory):
    """A controller off the network makes the gate unavailable; it returns by itself."""
    sim = BarrierSimulator(travel_time=0.2, auto_close=None)
    await sim.start()
    try:
        harness = await hub_factory(gate_yaml("simgate_b100", sim.port))
        hub = harness.hub
        await wait_for_state(hub, "gate.main_barrier", "closed")
        await sim.cut()
        await wait_for_state(hub, "gate.main_barrier", "unavailable")
        with pytest.raises(DeviceUnavailable, match="unavailable"):
            await hub.services.call("gate", "open", {"entity_id": "gate.main_barrier"})
        await sim.restore()
        await wait_for_state(hub, "gate.main_barrier", "closed", timeout=5)
    finally:
        await sim.stop()


async def test_rtu_over_tcp(hub_factory):
    """transport rtu_over_tcp speaks RTU frames to a serial gateway."""
    sim = BarrierSimulator(layout="register", travel_time=0.2, auto_close=None, framer="rtu")
    await sim.start()
    try:
        harness = await hub_factory(gate_yaml("simgate_t200", sim.port, "rtu_over_tcp"))
        await wait_for_state(harness.hub, "gate.main_barrier", "closed")
        await harness.hub.services.call("gate", "open", {"entity_id": "gate.main_barrier"})
        await wait_for_state(harness.hub, "gate.main_barrier", "open")
    finally:
        await sim.stop()


async def test_unknown_model_lists_profiles(hub_factory):
    """An unknown model is a config error naming the field and the shipped profiles."""
    with pytest.raises(ConfigError) as info:
        await hub_factory(gate_yaml("acme_9000", 502))
    text = str(info.value)
    assert "model" in text and "simgate_b100" in text and "site.yaml:" in text


def test_decode_state_rules():
    """Bit rules apply in order; unknown status codes read as fault."""
    b100 = load_profile_blocking("simgate_b100").status
    assert decode_state(b100, [True, False, False, False, False, False]) == "closed"
    assert decode_state(b100, [False, True, False, False, True, False]) == "fault"
    assert decode_state(b100, [False] * 6) == "stopped"
    t200 = load_profile_blocking("simgate_t200").status
    assert decode_state(t200, [3, 0, 50, 0]) == "closing"
    assert decode_state(t200, [42, 0, 0, 0]) == "fault"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "model: x\nname: X\nkind: barrier\ncommands: {}\n"
            "status: {table: coils, address: 0, count: 1, bits: [{bit: 0, state: open}]}",
            "missing ['close', 'open']",
        ),
        (
            "model: x\nname: X\nkind: barrier\n"
            "commands: {open: {table: coils, address: 0, value: 1},"
            " close: {table: coils, address: 1, value: 1}}\n"
            "status: {table: input_registers, address: 0, count: 2}",
            "register_index",
        ),
        ("model: [", "invalid YAML"),
        ("model: y\nname: X\nkind: barrier\ncommands: {}\nstatus: {}", "status"),
    ],
)
def test_bad_profile_names_file_and_field(tmp_path, text, message):
    """A wrong profile file is refused with its path and the field at fault."""
    (tmp_path / "x.yaml").write_text(text)
    with pytest.raises(ProfileError) as info:
        load_profile_blocking("x", tmp_path)
    assert message in str(info.value) and "x.yaml" in str(info.value)
