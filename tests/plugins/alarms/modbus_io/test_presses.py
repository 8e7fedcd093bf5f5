"""Every press of a panic button is recorded, latched or not (issue 10 item 1, GB 50394).

Against the simulated IO module (real Modbus/TCP) and the reference police receiver: a
latched button pressed, resolved and pressed again raises two incidents and two police
alarms; five presses during one open incident are five presses on it; a press that cannot
be stored is retried until it is, and the input shows the error meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from hub import Context, Incident
from hub.incidents import MemoryIncidentStore, TimelineStep
from hub.testing import HubHarness, wait_for, wait_for_state
from simulators.modbus import IOModuleSimulator
from tests.hub.uplinks.receiver import SECRET, FaultyReceiver, start_receiver

SCAN = 0.05
GUARD = Context(user_id="guard-anna")


@pytest.fixture
async def police() -> AsyncIterator[FaultyReceiver]:
    front, runner = await start_receiver()
    yield front
    await runner.cleanup()


def site(port: int, police_url: str | None = None, latch: bool = True) -> str:
    """The demo's panic buttons (latched, one NO and one NC) and a police webhook."""
    text = f"""
    hub: {{site: demo-school}}
    devices:
      - platform: modbus_io
        name: Gate IO module
        object_id: gate_io
        gate: main
        host: 127.0.0.1
        port: {port}
        scan_interval: {SCAN}
        inputs:
          - {{name: Panic 1, address: 0, category: panic, latch: {str(latch).lower()}}}
          - {{name: Panic 2, address: 1, category: panic, contact: normally_closed, latch: true}}
    """
    if police_url:
        text += f"""
    uplinks:
      - {{type: webhook, name: city_police, url: "{police_url}", secret: {SECRET},
          retry: {{max_attempts: 5, initial_delay: 0.05, max_delay: 0.4}}}}
    """
    return text


async def press(sim: IOModuleSimulator, index: int = 0) -> None:
    """Press and release, each held for 4 scan periods and until two scans saw it (on a
    loaded machine scans come late; a shorter press is not one the hub promises to see)."""
    await sim.tap(index, hold=4 * SCAN)


def panics(harness: HubHarness) -> list[Incident]:
    return [i for i in harness.hub.incidents.all() if i.category == "panic"]


def sent(police: FaultyReceiver, event: str) -> list[dict[str, Any]]:
    """The police messages of one event (raised, repeated, resolved...)."""
    return [m for m in police.messages if m["event"] == event]


def presses(incident: Incident) -> list[TimelineStep]:
    return [s for s in incident.timeline if s.action in ("raised", "repeated")]


async def test_latched_button_pressed_resolved_pressed_again(
    hub_factory: Any, io_module: IOModuleSimulator, police: FaultyReceiver
) -> None:
    """Press, resolve, press: two incidents and two police alarms. The button stays latched
    (triggered) until a guard resets it; the reset does not need the incident resolved."""
    harness = await hub_factory(site(io_module.port, police.url))
    hub = harness.hub
    await wait_for_state(hub, "alarm.panic_1", "idle")
    await press(io_module)
    first = (await wait_for(lambda: panics(harness)))[0]
    assert hub.states.get("alarm.panic_1").state == "triggered"  # latched after release
    await hub.services.call("incident", "resolve", {"incident_id": first.id}, GUARD)
    assert hub.states.get("alarm.panic_1").state == "triggered"  # until a person resets it
    await press(io_module)
    await wait_for(lambda: len(panics(harness)) == 2)
    second = next(i for i in panics(harness) if i.id != first.id)
    assert second.is_open and presses(second)[0].action == "raised"
    await wait_for(lambda: len(sent(police, "raised")) == 2)
    assert {m["incident"]["id"] for m in sent(police, "raised")} == {first.id, second.id}
    state = hub.states.get("alarm.panic_1")
    assert state.attributes["trigger_count"] == 2
    assert state.attributes["incident_id"] == second.id
    await hub.services.call("alarm", "reset", {"entity_id": "alarm.panic_1"}, GUARD)
    await wait_for_state(hub, "alarm.panic_1", "idle")


@pytest.mark.parametrize("latch", [True, False])
async def test_five_presses_during_one_open_incident(
    hub_factory: Any, io_module: IOModuleSimulator, police: FaultyReceiver, latch: bool
) -> None:
    """Five presses while the incident is open: one incident with five presses on it (raised
    and four `repeated` steps), each repeat forwarded to the police as an update."""
    harness = await hub_factory(site(io_module.port, police.url, latch=latch))
    await wait_for_state(harness.hub, "alarm.panic_1", "idle")
    for _ in range(5):
        await press(io_module)
    await wait_for(lambda: panics(harness) and len(presses(panics(harness)[0])) == 5)
    [incident] = panics(harness)
    assert [s.action for s in presses(incident)] == ["raised"] + ["repeated"] * 4
    await wait_for(lambda: len(sent(police, "repeated")) == 4)
    assert {m["incident"]["id"] for m in sent(police, "repeated")} == {incident.id}
    assert harness.hub.states.get("alarm.panic_1").attributes["trigger_count"] == 5


async def test_reset_while_still_held_stays_triggered(
    hub_factory: Any, io_module: IOModuleSimulator
) -> None:
    """A reset while the NC button is still operated (or its wire cut) leaves it triggered."""
    harness = await hub_factory(site(io_module.port))
    hub = harness.hub
    await wait_for_state(hub, "alarm.panic_2", "idle")
    io_module.cut_wire(1)
    await wait_for_state(hub, "alarm.panic_2", "triggered")
    await hub.services.call("alarm", "reset", {"entity_id": "alarm.panic_2"}, GUARD)
    assert hub.states.get("alarm.panic_2").state == "triggered"
    io_module.cut_wire(1, cut=False)
    await asyncio.sleep(4 * SCAN)
    assert hub.states.get("alarm.panic_2").state == "triggered"  # latched
    await hub.services.call("alarm", "reset", {"entity_id": "alarm.panic_2"}, GUARD)
    assert hub.states.get("alarm.panic_2").state == "idle"


class FailingStore(MemoryIncidentStore):
    """The in-memory store with a switch that makes saves fail (a database that is down)."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False
        self.refused = 0

    async def save(self, incident: Any, step: Any, outbox: Any) -> None:
        if self.down:
            self.refused += 1
            raise ConnectionError("database unreachable")
        await super().save(incident, step, outbox)


async def test_press_is_retried_until_stored_and_the_error_shows(
    hub_factory: Any, io_module: IOModuleSimulator, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the store refuses, presses wait in order and the input shows the error and how
    many presses wait; once it accepts, each press is stored exactly once."""
    # retries back off 0.2 s doubling up to 10 s; on a loaded machine the test would wait
    # out 10 s pauses after the store is back: cap them (the order of retries is unchanged)
    monkeypatch.setattr("hub.alarm._RETRY_MAX", 0.4)
    harness = await hub_factory(site(io_module.port))
    hub = harness.hub
    store = FailingStore()
    hub.incidents.store = store
    await wait_for_state(hub, "alarm.panic_1", "idle")
    store.down = True
    with caplog.at_level(logging.ERROR, logger="hub.alarm"):
        await press(io_module)
        await press(io_module)
        state = await wait_for(lambda: (s := hub.states.get("alarm.panic_1"))
                               and s.attributes["raise_error"] and s)
        assert "database unreachable" in state.attributes["raise_error"]
        assert state.attributes["pending_presses"] == 2
        await wait_for(lambda: store.refused >= 3)
    assert sum("cannot record an alarm press" in r.getMessage() for r in caplog.records) == 1
    assert panics(harness) == []
    store.down = False
    await wait_for(lambda: panics(harness) and len(presses(panics(harness)[0])) == 2,
                   timeout=15)
    [incident] = panics(harness)
    assert [s.action for s in presses(incident)] == ["raised", "repeated"]
    assert incident.revision == 2
    state = hub.states.get("alarm.panic_1")
    assert state.attributes["raise_error"] is None and state.attributes["pending_presses"] == 0
    assert store.incidents[incident.id] is incident
    # A repeat that fails is retried too, and lands on the open incident once.
    store.down = True
    refused = store.refused
    await press(io_module)
    await wait_for(lambda: store.refused >= refused + 2)
    assert len(presses(incident)) == 2 and incident.revision == 2  # nothing half-added
    store.down = False
    await wait_for(lambda: len(presses(incident)) == 3, timeout=15)
    assert incident.revision == 3 and presses(incident)[-1].action == "repeated"
