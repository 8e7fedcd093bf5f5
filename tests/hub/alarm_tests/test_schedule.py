"""Panic-button tests: a press in a declared test window is a test (classified, sent to the
police as a test, never escalated), counted per input; due tests follow the schedule.

Against the simulated IO module (real Modbus/TCP) and the reference police receiver; the
clock is driven (hub.testing.FakeClock).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from hub import Context
from hub.alarm_tests.component import ALARM_TESTS
from hub.alarm_tests.store import load_blocking
from hub.escalation.component import ESCALATION
from hub.exceptions import ServiceValidationError
from hub.testing import FakeClock, HubHarness, wait_for, wait_for_state
from plugins.uplinks.sia.config import SiaConfig
from plugins.uplinks.sia.uplink import sia_code
from simulators.modbus import IOModuleSimulator
from tests.hub.restart_child import call_then_kill
from tests.hub.uplinks.receiver import FaultyReceiver, running_receiver, webhook_entry

HubFactory = Callable[..., Any]
SCAN = 0.05
DAY = 86400


@pytest.fixture
async def io_module() -> AsyncIterator[IOModuleSimulator]:
    """The simulated IO module with two normally-open panic buttons."""
    sim = IOModuleSimulator(["no", "no"])
    await sim.start()
    yield sim
    await sim.stop()


@pytest.fixture
async def police() -> AsyncIterator[FaultyReceiver]:
    """The reference police webhook receiver."""
    async with running_receiver() as front:
        yield front


def site(port: int, police_url: str) -> str:
    return f"""\
hub: {{site: north_school}}
devices:
  - platform: modbus_io
    name: Gate IO module
    object_id: gate_io
    gate: main
    host: 127.0.0.1
    port: {port}
    scan_interval: {SCAN}
    inputs:
      - {{name: Panic 1, address: 0, category: panic}}
      - {{name: Panic 2, address: 1, category: panic}}
alarm_tests: {{every_days: 30, warn_days: 3}}
uplinks:
{webhook_entry(police_url)}"""


async def press(sim: IOModuleSimulator, index: int) -> None:
    """Press and release, each held for 4 scan periods and until two scans saw it."""
    await sim.tap(index, hold=4 * SCAN)


async def started(hub_factory: HubFactory, yaml: str) -> tuple[HubHarness, FakeClock]:
    h: HubHarness = await hub_factory(yaml, start=False)
    clock = FakeClock()
    h.hub.clock = clock
    await h.hub.start()
    await wait_for_state(h.hub, "alarm.panic_1", "idle")
    return h, clock


def states(h: HubHarness) -> dict[str, str]:
    return {row["entity_id"]: row["state"] for row in h.hub.components[ALARM_TESTS].status()}


async def test_press_in_a_test_window_is_a_test_for_the_police_and_the_report(
    hub_factory: HubFactory, io_module: IOModuleSimulator, police: FaultyReceiver,
) -> None:
    """In a window a guard declared, a press raises a test incident: classified test, sent
    with test: true (SIA would send RX), not escalated, counted for that input; after the
    window a press is a real panic again."""
    h, clock = await started(hub_factory, site(io_module.port, police.url))
    assert states(h) == {"alarm.panic_1": "never_tested", "alarm.panic_2": "never_tested"}
    await h.hub.services.call("alarm_tests", "start_window",
                              {"entity_id": ["alarm.panic_1"], "minutes": 10},
                              Context(user_id="guard-anna"))
    await press(io_module, 0)
    [test] = await wait_for(lambda: [i for i in h.hub.incidents.all() if i.category == "panic"])
    assert test.test and test.classification == "test"
    assert test.data["test_window"]["by"] == "guard-anna"
    await wait_for(lambda: police.messages)
    message = police.messages[0]
    assert message["incident"]["test"] is True and message["event"] == "raised"
    assert sia_code(SiaConfig(type="sia", name="arc", host="127.0.0.1", port=1,
                              account="1234"), message) == "RX"
    await clock.advance(120)
    assert test.id not in h.hub.components[ESCALATION].active
    assert not [s for s in test.timeline if s.action == "escalated"]
    assert states(h) == {"alarm.panic_1": "ok", "alarm.panic_2": "never_tested"}
    report = h.hub.components[ALARM_TESTS].report()
    assert report["total_tests"] == 1 and report["untested"] == ["alarm.panic_2"]
    assert report["inputs"][0] == {"entity_id": "alarm.panic_1", "name": "Panic 1",
                                   "tests": 1, "by_window": 1, "by_control": 0}
    await clock.advance(10 * 60)  # the window is over
    await press(io_module, 0)
    real = await wait_for(lambda: [i for i in h.hub.incidents.all()
                                   if i.category == "panic" and not i.test])
    assert real[0].classification is None
    # the driven clock is 12 min ahead of the incident's time: its escalation runs at once
    await wait_for(lambda: [s for s in real[0].timeline if s.action == "escalated"])
    with pytest.raises(ServiceValidationError, match="not a scheduled alarm input"):
        await h.hub.services.call("alarm_tests", "start_window", {"entity_id": ["gate.x"]})


async def test_due_tests_follow_the_schedule_and_survive_a_restart(
    hub_factory: HubFactory, io_module: IOModuleSimulator, police: FaultyReceiver,
) -> None:
    """The test control counts as a test; 27 days later it is due soon, after 30 overdue;
    the history is kept across a restart."""
    yaml = site(io_module.port, police.url)
    h, clock = await started(hub_factory, yaml)
    await h.hub.services.call("alarm", "test", {"entity_id": "alarm.panic_2"})
    await wait_for(lambda: states(h)["alarm.panic_2"] == "ok")
    await clock.advance(27.5 * DAY)
    assert states(h)["alarm.panic_2"] == "due_soon"
    await clock.advance(3 * DAY)
    assert states(h)["alarm.panic_2"] == "overdue"
    rows = h.hub.components[ALARM_TESTS].status()
    assert rows[1]["due_at"] == pytest.approx(rows[1]["last_test_at"] + 30 * DAY)
    await asyncio.sleep(0.2)  # the history file is written off the loop
    await h.hub.stop()
    h2, _clock = await started(hub_factory, yaml)
    assert states(h2) == {"alarm.panic_1": "never_tested", "alarm.panic_2": "ok"}
    assert h2.hub.components[ALARM_TESTS].report()["inputs"][1]["by_control"] == 1


@pytest.mark.timeout(120)
async def test_a_test_window_survives_a_kill(
    hub_factory: HubFactory, io_module: IOModuleSimulator, police: FaultyReceiver,
    tmp_path: Path,
) -> None:
    """A guard opens a 10-minute test window; the hub is killed (-9) and restarted: a press
    in the window is still a test (not a real panic sent to the police as one)."""
    yaml = site(io_module.port, police.url)
    config = tmp_path / "site.yaml"
    await asyncio.to_thread(config.write_text, yaml)
    await call_then_kill(config, [["alarm_tests", "start_window",
                                   {"entity_id": ["alarm.panic_1"], "minutes": 10}]])
    h = await hub_factory(yaml)
    await wait_for_state(h.hub, "alarm.panic_1", "idle")
    assert h.hub.components[ALARM_TESTS].status()[0]["window_until"] is not None
    await press(io_module, 0)
    [test] = await wait_for(lambda: [i for i in h.hub.incidents.all() if i.category == "panic"])
    assert test.test and test.classification == "test"
    await wait_for(lambda: police.messages)
    assert police.messages[0]["incident"]["test"] is True


async def test_a_damaged_window_costs_no_other(tmp_path: Path,
                                               caplog: pytest.LogCaptureFixture) -> None:
    """A stored window that cannot be read is logged by input and skipped; the rest load."""
    path = tmp_path / "alarm_tests.json"
    await asyncio.to_thread(path.write_text, json.dumps({"version": 1, "inputs": {}, "windows": {
        "alarm.panic_1": {"until": 2e9, "by": "guard-anna"},
        "alarm.panic_2": {"until": "soon"}}}))
    _history, windows = await asyncio.to_thread(load_blocking, path)
    assert windows == {"alarm.panic_1": {"until": 2e9, "by": "guard-anna"}}
    assert "windows.alarm.panic_2: expected {until: seconds, by: text}" in caplog.text
