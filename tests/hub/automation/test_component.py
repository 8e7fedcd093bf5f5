"""The automation component's API: list, traces, trigger, reload, turn on/off, services."""

from __future__ import annotations

import json

import pytest

from hub.exceptions import ConfigError, ServiceValidationError
from hub.testing import HubHarness, wait_for

from .conftest import Site, fired


def _state(h: HubHarness, entity_id: str) -> str | None:
    state = h.hub.states.get(entity_id)
    return None if state is None else state.state


TWO = """
schedules:
  always:
    hours: {mon-sun: ["00:00-24:00"]}
automation:
  - id: greet
    alias: Greet visitors
    description: says hello
    trace: {stored_traces: 3}
    trigger: {platform: event, event_type: visitor}
    condition: {condition: schedule, inside: always}
    action: {event: hello, event_data: {n: "{{ trigger.event.data.n }}"}}
  - alias: Second one
    trigger: {platform: state, entity_id: gate.main}
    action: {delay: 0}
"""


async def test_list_describes_each_automation(site: Site) -> None:
    """list() shows id (given or from the alias), mode, triggers and its state entity."""
    h = await site(TWO)
    listed = {a["id"]: a for a in h.hub.components["automation"].list()}
    assert set(listed) == {"greet", "second_one"}
    assert listed["greet"]["alias"] == "Greet visitors"
    assert listed["greet"]["triggers"] == ["event"] and listed["greet"]["mode"] == "single"
    assert _state(h, "automation.greet") == "on"


async def test_traces_are_json_and_bounded(site: Site) -> None:
    """Each run leaves a JSON-ready trace; only the last stored_traces are kept, newest first."""
    h = await site(TWO)
    component = h.hub.components["automation"]
    for n in range(5):
        h.hub.bus.fire("visitor", {"n": n})
        await wait_for(lambda: len(fired(h, "hello")) == n + 1)  # noqa: B023
    traces = component.traces("greet")
    assert len(traces) == 3
    assert [t["trigger"]["event"]["data"]["n"] for t in traces] == [4, 3, 2]
    latest = traces[0]
    json.dumps(latest)
    assert latest["result"] == "finished" and latest["duration"] >= 0
    assert latest["conditions"] == [{"path": "condition/0", "result": True, "error": None}]
    assert latest["steps"][0]["path"] == "action/0"
    assert latest["steps"][0]["result"] == {"event": "hello", "event_data": {"n": 4}}
    with pytest.raises(KeyError, match="known: greet, second_one"):
        component.traces("nope")


async def test_manual_trigger_skips_conditions(site: Site) -> None:
    """trigger(id) runs the actions now, skipping conditions; the trace says it was manual."""
    h = await site("""
        automation:
          - id: never_true
            trigger: {platform: event, event_type: x}
            condition: "{{ false }}"
            action: {event: ran}
        """)
    component = h.hub.components["automation"]
    trace = component.trigger("never_true")
    assert trace["trigger"]["description"] == "manual trigger"
    await wait_for(lambda: fired(h, "ran"))
    component.trigger("never_true", skip_condition=False)
    assert component.traces("never_true")[0]["result"] == "condition_failed"


async def test_turn_off_and_services(site: Site) -> None:
    """automation.turn_off makes triggers be ignored; automation.trigger runs it anyway."""
    h = await site(TWO)
    services = h.hub.services
    await services.call("automation", "turn_off", {"entity_id": "automation.greet"})
    assert _state(h, "automation.greet") == "off"
    h.hub.bus.fire("visitor", {"n": 1})
    greet = h.hub.components["automation"].get("greet")
    assert not greet.traces  # the trigger was ignored, not even traced
    await services.call("automation", "trigger", {"entity_id": "greet"})
    assert greet.traces[-1].trigger["description"] == "manual trigger"
    await wait_for(lambda: not greet.runs)
    await services.call("automation", "turn_on", {"entity_id": "automation.greet"})
    h.hub.bus.fire("visitor", {"n": 2})
    await wait_for(lambda: fired(h, "hello"))
    assert fired(h, "hello") == [{"n": 2}]
    with pytest.raises(ServiceValidationError, match="unknown automation"):
        await services.call("automation", "trigger", {"entity_id": "automation.nope"})


async def test_reload_replaces_and_keeps_old_on_error(site: Site) -> None:
    """reload swaps automations; an invalid section raises ConfigError and keeps the old ones."""
    h = await site(TWO)
    component = h.hub.components["automation"]
    with pytest.raises(ConfigError, match=r"automation\[0\].trigger\[0\].platform"):
        await component.reload([{"id": "x", "trigger": {"platform": "bogus"},
                                 "action": {"event": "y"}}])
    with pytest.raises(ConfigError, match="unknown schedule 'gone'"):
        await component.reload([{"id": "x", "trigger": {"platform": "event", "event_type": "a"},
                                 "condition": {"condition": "schedule", "inside": "gone"},
                                 "action": {"event": "y"}}])
    assert {a["id"] for a in component.list()} == {"greet", "second_one"}
    count = await component.reload([{"id": "only", "trigger": {"platform": "event",
                                                               "event_type": "visitor"},
                                     "action": {"event": "only_ran"}}])
    assert count == 1 and h.hub.states.get("automation.greet") is None
    h.hub.bus.fire("visitor", {"n": 1})
    await wait_for(lambda: fired(h, "only_ran"))
    assert fired(h, "hello") == []
    assert component.index.stats()["state_entities"] == 0


async def test_reload_from_file(site: Site) -> None:
    """automation.reload re-reads the configuration file."""
    h = await site(TWO)
    path = h.hub.config.path
    assert path is not None
    text = path.read_text().replace("event_type: visitor", "event_type: courier")
    path.write_text(text)
    await h.hub.services.call("automation", "reload", {})
    h.hub.bus.fire("courier", {"n": 7})
    await wait_for(lambda: fired(h, "hello"))
    assert fired(h, "hello") == [{"n": 7}]


async def test_stop_cancels_running_runs(site: Site) -> None:
    """Stopping the hub cancels running automations; their traces say cancelled."""
    h = await site("""
        automation:
          - id: long
            trigger: {platform: event, event_type: x}
            action: {delay: 60}
        """)
    component = h.hub.components["automation"]
    component.trigger("long")
    automation = component.get("long")
    await wait_for(lambda: automation.runs)
    await h.hub.stop()
    assert automation.traces[-1].result == "cancelled"
