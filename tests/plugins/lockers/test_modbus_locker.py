"""modbus_locker against the simulated locker bank (both shipped profiles), through a hub."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest

from hub import DeviceUnavailable, ServiceValidationError
from hub.testing import FakeClock, HubHarness, wait_for, wait_for_state
from simulators.modbus import LockerBankSimulator

#: model -> the simulator switches of the controller it describes
VARIANTS: dict[str, dict[str, Any]] = {
    "simlock_c16": {"relays": "coils"},
    # a lock board behind a gateway: command register, NC reed contacts, no item sensor, and
    # a relay that answers the write 0.6 s late (longer than two scans of 0.05 s)
    "simlock_h16": {"relays": "holding", "inverted_door_sensor": True, "item_sensor": False,
                    "relay_delay": 0.6},
}


@pytest.fixture(params=sorted(VARIANTS))
async def bank(request: pytest.FixtureRequest) -> AsyncIterator[tuple[str, LockerBankSimulator]]:
    model: str = request.param
    sim = LockerBankSimulator(doors=4, **VARIANTS[model])
    await sim.start()
    yield model, sim
    await sim.stop()


def bank_yaml(model: str, port: int, extra: str = "") -> str:
    return f"""
    devices:
      - platform: modbus_locker
        name: Gate lockers
        gate: main
        model: {model}
        host: 127.0.0.1
        port: {port}
        doors: 4
        label_prefix: A
        scan_interval: 0.05
        reconnect_max_delay: 0.2
        overnight_check: null
{extra}
    """


def attrs(harness: HubHarness, entity_id: str) -> dict[str, Any]:
    state = harness.hub.states.get(entity_id)
    assert state is not None
    return dict(state.attributes)


async def test_assign_open_release(hub_factory: Any, bank: tuple[str, LockerBankSimulator]) -> None:
    """A locker is assigned, its door opened (the relay of that door only) and it is released;
    the door sensor's reading follows the real door whatever its polarity."""
    model, sim = bank
    harness = await hub_factory(bank_yaml(model, sim.port))
    hub = harness.hub
    await wait_for_state(hub, "locker.gate_lockers_02", "free")
    assert attrs(harness, "locker.gate_lockers_02")["door"] == "closed"
    assert attrs(harness, "locker.gate_lockers_02")["label"] == "A2"
    await hub.services.call("locker", "assign",
                            {"entity_id": "locker.gate_lockers_02", "holder": "visit:1a2b"})
    await wait_for_state(hub, "locker.gate_lockers_02", "assigned")
    with pytest.raises(ServiceValidationError, match="in use"):
        await hub.services.call("locker", "assign", {"entity_id": "locker.gate_lockers_02"})
    await hub.services.call("locker", "open", {"entity_id": "locker.gate_lockers_02"})
    assert sim.unlocks == [2]
    await wait_for(lambda: attrs(harness, "locker.gate_lockers_02")["door"] == "open")
    assert attrs(harness, "locker.gate_lockers_01")["door"] == "closed"
    sim.put_item(2)
    sim.close_door(2)
    await wait_for(lambda: attrs(harness, "locker.gate_lockers_02")["door"] == "closed")
    assert attrs(harness, "locker.gate_lockers_02")["occupied"] is True
    await hub.services.call("locker", "release", {"entity_id": "locker.gate_lockers_02"})
    await wait_for_state(hub, "locker.gate_lockers_02", "free")
    assert attrs(harness, "locker.gate_lockers_02")["holder"] is None


async def test_assignment_survives_a_restart(hub_factory: Any) -> None:
    """An assigned locker is still assigned (same holder) after the hub restarts."""
    sim = LockerBankSimulator(doors=4)
    await sim.start()
    try:
        first = await hub_factory(bank_yaml("simlock_c16", sim.port))
        await wait_for_state(first.hub, "locker.gate_lockers_03", "free")
        await first.hub.services.call("locker", "assign",
                                      {"entity_id": "locker.gate_lockers_03", "holder": "visit:9"})
        await first.hub.stop()
        second = await hub_factory(bank_yaml("simlock_c16", sim.port))
        await wait_for_state(second.hub, "locker.gate_lockers_03", "assigned")
        assert attrs(second, "locker.gate_lockers_03")["holder"] == "visit:9"
    finally:
        await sim.stop()


async def test_controller_drops_and_comes_back(hub_factory: Any) -> None:
    """A controller cut off: every door unavailable, one device_offline incident, open refused;
    back on the same port: available again without a restart, the incident resolved."""
    sim = LockerBankSimulator(doors=4)
    await sim.start()
    try:
        harness = await hub_factory(bank_yaml("simlock_c16", sim.port))
        hub = harness.hub
        await wait_for_state(hub, "locker.gate_lockers_01", "free")
        await sim.cut()
        for door in range(1, 5):
            await wait_for_state(hub, f"locker.gate_lockers_{door:02d}", "unavailable")
        await wait_for(lambda: [i for i in hub.incidents.open_incidents()
                                if i.category == "device_offline"])
        offline = [i for i in hub.incidents.open_incidents() if i.category == "device_offline"]
        assert len(offline) == 1 and offline[0].source == "locker.gate_lockers_01"
        with pytest.raises(DeviceUnavailable):
            await hub.services.call("locker", "open", {"entity_id": "locker.gate_lockers_01"})
        await sim.restore()
        await wait_for_state(hub, "locker.gate_lockers_01", "free", timeout=5)
        await wait_for(lambda: not [i for i in hub.incidents.open_incidents()
                                    if i.category == "device_offline"])
    finally:
        await sim.stop()


async def started(hub_factory: Any, yaml_text: str, clock: FakeClock) -> HubHarness:
    """A hub on a driven clock (hub.testing.FakeClock)."""
    harness: HubHarness = await hub_factory(yaml_text, start=False)
    harness.hub.clock = clock
    await harness.hub.start()
    return harness


def open_of(harness: HubHarness, category: str) -> list[Any]:
    return [i for i in harness.hub.incidents.open_incidents() if i.category == category]


async def test_door_left_open_is_an_incident(hub_factory: Any) -> None:
    """A door open longer than door_open_alarm_seconds (120 s, clock driven) raises
    locker_door_open with the bank's gate; closing the door resolves the incident."""
    sim = LockerBankSimulator(doors=4)
    await sim.start()
    clock = FakeClock()
    try:
        harness = await started(hub_factory, bank_yaml(
            "simlock_c16", sim.port, "        door_open_alarm_seconds: 120"), clock)
        await wait_for_state(harness.hub, "locker.gate_lockers_04", "free")
        sim.open_door(4)
        await wait_for(lambda: attrs(harness, "locker.gate_lockers_04")["door"] == "open")
        await clock.advance(119)
        assert not open_of(harness, "locker_door_open")
        await clock.advance(1)
        (incident,) = await wait_for(lambda: open_of(harness, "locker_door_open"))
        assert incident.source == "locker.gate_lockers_04" and incident.gate == "main"
        assert incident.data["locker"] == "A4"
        sim.close_door(4)
        await wait_for(lambda: not open_of(harness, "locker_door_open"))
    finally:
        await sim.stop()


async def test_item_left_overnight_is_an_incident(hub_factory: Any) -> None:
    """At the overnight check (19:00 hub time, clock driven) a locker with something inside
    raises locker_item_overnight (one per locker, empty ones none); emptying it resolves it."""
    sim = LockerBankSimulator(doors=4)
    await sim.start()
    clock = FakeClock()
    now = dt.datetime.fromtimestamp(clock.now(), dt.UTC)
    target = now.replace(hour=18, minute=59, second=0, microsecond=0)
    clock.offset = (target - now).total_seconds() + (86400 if target < now else 0)
    try:
        sim.put_item(1)
        harness = await started(hub_factory, bank_yaml("simlock_c16", sim.port).replace(
            "overnight_check: null", 'overnight_check: "19:00"'), clock)
        await wait_for(lambda: attrs(harness, "locker.gate_lockers_01")["occupied"] is True)
        await clock.advance(59)
        assert not open_of(harness, "locker_item_overnight")
        await clock.advance(1)
        overnight = await wait_for(lambda: open_of(harness, "locker_item_overnight"))
        assert [i.source for i in overnight] == ["locker.gate_lockers_01"]
        sim.put_item(1, False)
        await wait_for(lambda: not open_of(harness, "locker_item_overnight"))
    finally:
        await sim.stop()
