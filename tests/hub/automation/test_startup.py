"""Start-up: triggers attach at hub_started, refusals log once per burst, Jinja2 loads lazily."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from hub.bus import Event
from hub.hub import EVENT_HUB_STARTED
from hub.testing import HubHarness, wait_for

from .conftest import DEVICES, Site, fired

ROOT = Path(__file__).resolve().parents[3]

WATCHERS = "automation:\n" + "".join(
    f"""  - id: watch_{i}
    trigger: {{platform: state, entity_id: [gate.main, gate.side, alarm.panic]}}
    action:
      - event: moved
        event_data: {{n: {i}}}
      - delay: 0.3
""" for i in range(20))


async def test_start_up_states_do_not_trigger(site: Site,
                                              caplog: pytest.LogCaptureFixture) -> None:
    """Devices' first states during start-up run no automation; changes after it do."""
    caplog.set_level(logging.DEBUG, logger="hub.automation")
    h = await site(WATCHERS)
    changes = [e for e in h.of_type("state_changed")
               if e.data["entity_id"] in ("gate.main", "gate.side", "alarm.panic")]
    assert len(changes) >= 6, "the devices' start-up states are what this test is about"
    await asyncio.sleep(0.05)
    component = h.hub.components["automation"]
    assert [a.id for a in component.automations.values() if a.traces] == []
    assert fired(h, "moved") == []
    assert "already running" not in caplog.text
    await h.hub.services.call("gate", "open", {"entity_id": "gate.side"})
    await wait_for(lambda: len(fired(h, "moved")) == 20)


async def test_triggers_attach_when_hub_started(
        hub_factory: Callable[..., Awaitable[HubHarness]]) -> None:
    """No trigger is attached before hub_started; then all are, and a reload attaches at once."""
    h = await hub_factory(DEVICES + WATCHERS, start=False)
    attached_before: list[int] = []

    def on_started(_event: Event) -> None:  # listens before the component: runs first
        attached_before.append(h.hub.components["automation"].index.stats()["state_entities"])

    h.hub.bus.listen(EVENT_HUB_STARTED, on_started)
    await h.hub.start()
    component = h.hub.components["automation"]
    assert attached_before == [0]
    assert component.index.stats()["state_entities"] == 3
    await component.reload([{"id": "late", "trigger": {"platform": "state",
                                                        "entity_id": "sensor.late"},
                             "action": {"event": "late_ran"}}])
    assert component.index.stats()["state_entities"] == 1
    h.hub.states.set("sensor.late", "on")
    await wait_for(lambda: fired(h, "late_ran"))


BUSY = """
automation:
  - id: busy
    alias: Busy one
    trigger: {platform: event, event_type: go}
    action: {delay: 0.3}
"""


async def test_already_running_logged_once_per_burst(site: Site,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    """mode single: the first refused trigger of a burst is logged, the rest only counted."""
    caplog.set_level(logging.DEBUG, logger="hub.automation")
    h = await site(BUSY)
    busy = h.hub.components["automation"].get("busy")

    def refusals() -> list[logging.LogRecord]:
        return [r for r in caplog.records if "already running" in r.getMessage()]

    for burst in (1, 2):
        for _ in range(5):
            h.hub.bus.fire("go", {})
        assert len(refusals()) == burst and refusals()[-1].levelno == logging.WARNING
        await wait_for(lambda: not busy.runs)
    assert busy.describe()["skipped"] == 8
    assert [t.result for t in busy.traces][-5:] == ["finished"] + ["skipped"] * 4
    counted = [r for r in caplog.records if "4 triggers not run" in r.getMessage()]
    assert len(counted) == 2 and counted[0].levelno == logging.DEBUG
    caplog.clear()
    await h.hub.components["automation"].reload([
        {"id": "busy", "mode": "single", "max_exceeded": "silent",
         "trigger": {"platform": "event", "event_type": "go"}, "action": {"delay": 0.3}}])
    for _ in range(3):
        h.hub.bus.fire("go", {})
    assert "not run" not in caplog.text


JINJA_PROBE = """
import asyncio, pathlib, sys, tempfile
from hub.testing import make_hub

PLAIN = '''
automation:
  - id: plain
    trigger: {platform: event, event_type: go}
    condition: {condition: state, entity_id: sensor.x, state: "on"}
    action: [{event: ran, event_data: {n: 1}}, {delay: 0.01}]
'''

async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        h = await make_hub(pathlib.Path(tmp), PLAIN)
        h.hub.states.set("sensor.x", "on")
        h.hub.bus.fire("go", {})
        await asyncio.sleep(0.1)
        print(len(h.of_type("ran")), "jinja2" in sys.modules)
        await h.hub.components["automation"].reload([
            {"trigger": {"platform": "event", "event_type": "go"},
             "action": {"event": "ran", "event_data": {"n": "{{ 1 + 1 }}"}}}])
        print("jinja2" in sys.modules)
        await h.hub.stop()

asyncio.run(main())
"""


def test_no_jinja2_without_templates(tmp_path: Path) -> None:
    """A site whose automations hold no template never imports jinja2; the first template does.

    In a fresh interpreter: this test process has imported jinja2 long ago.
    """
    result = subprocess.run([sys.executable, "-c", JINJA_PROBE], capture_output=True,
                            text=True, cwd=ROOT, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "False", "True"]
