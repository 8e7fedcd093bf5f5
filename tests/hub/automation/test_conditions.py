"""Conditions: state, time, schedule, and/or/not, template; each result lands in the trace."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from hub.testing import HubHarness, wait_for

from .conftest import Site

TZ = ZoneInfo("Asia/Shanghai")


def _conditions(h: HubHarness, automation_id: str) -> list[tuple[str, bool]]:
    trace = h.hub.components["automation"].traces(automation_id)[0]
    return [(c["path"], c["result"]) for c in trace["conditions"]]


async def _go(h: HubHarness, automation_id: str) -> dict[str, Any]:
    automation = h.hub.components["automation"].get(automation_id)
    h.hub.bus.fire("go", {})
    await wait_for(lambda: automation.traces and automation.traces[-1].finished)
    trace: dict[str, Any] = h.hub.components["automation"].traces(automation_id)[0]
    return trace


async def test_state_condition(site: Site) -> None:
    """A state condition holds when the entity is in one of the states (all/any, for)."""
    h = await site("""
        automation:
          - id: closed
            trigger: {platform: event, event_type: go}
            condition:
              - condition: state
                entity_id: [gate.main, gate.side]
                state: [closed, stopped]
              - condition: state
                entity_id: [gate.main, alarm.panic]
                state: triggered
                match: any
            action: {event: ok}
          - id: held
            trigger: {platform: event, event_type: go}
            condition: {condition: state, entity_id: gate.main, state: closed, for: 3600}
            action: {event: held}
        """)
    assert (await _go(h, "closed"))["result"] == "condition_failed"
    assert _conditions(h, "closed") == [("condition/0", True), ("condition/1", False)]
    h.hub.states.set("alarm.panic", "triggered")
    assert (await _go(h, "closed"))["result"] == "finished"
    assert (await _go(h, "held"))["result"] == "condition_failed"


async def test_time_condition(site: Site) -> None:
    """A time condition checks after/before (wrapping midnight) and weekday in the hub zone."""
    now = dt.datetime.now(TZ)
    today = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[now.weekday()]
    other = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[(now.weekday() + 1) % 7]
    past = (now - dt.timedelta(minutes=2)).strftime("%H:%M")
    future = (now + dt.timedelta(minutes=2)).strftime("%H:%M")
    h = await site(f"""
        automation:
          - id: in_window
            trigger: {{platform: event, event_type: go}}
            condition: {{condition: time, after: "{past}", before: "{future}", weekday: {today}}}
            action: {{event: in_window}}
          - id: wrap
            trigger: {{platform: event, event_type: go}}
            condition: {{condition: time, after: "{future}", before: "{past}"}}
            action: {{event: wrap}}
          - id: not_today
            trigger: {{platform: event, event_type: go}}
            condition: {{condition: time, weekday: [{other}]}}
            action: {{event: nope}}
        """)
    traces = [await _go(h, a) for a in ("in_window", "wrap", "not_today")]
    # A window from "future" to "past" wraps midnight and excludes now.
    assert [t["result"] for t in traces] == ["finished", "condition_failed", "condition_failed"]


async def test_schedule_condition_inside_outside(site: Site) -> None:
    """A schedule condition holds inside (or outside) a named schedule of the calendar."""
    h = await site("""
        schedules:
          always:
            hours: {mon-sun: ["00:00-24:00"]}
          never:
            hours: {}
        automation:
          - id: inside
            trigger: {platform: event, event_type: go}
            condition: {condition: schedule, inside: always}
            action: {event: a}
          - id: outside
            trigger: {platform: event, event_type: go}
            condition: {condition: schedule, outside: never}
            action: {event: b}
          - id: inside_never
            trigger: {platform: event, event_type: go}
            condition: {condition: schedule, inside: never}
            action: {event: c}
        """)
    results = [(await _go(h, a))["result"] for a in ("inside", "outside", "inside_never")]
    assert results == ["finished", "finished", "condition_failed"]


async def test_and_or_not_and_template(site: Site) -> None:
    """and/or/not combine conditions; a template (or bare template string) is a condition."""
    h = await site("""
        automation:
          - id: logic
            trigger: {platform: event, event_type: go}
            condition:
              - condition: or
                conditions:
                  - "{{ is_state('gate.main', 'open') }}"
                  - condition: and
                    conditions:
                      - condition: template
                        value_template: "{{ states('gate.side') == 'closed' }}"
                      - condition: not
                        conditions:
                          - condition: state
                            entity_id: alarm.panic
                            state: triggered
            action: {event: ok}
        """)
    trace = await _go(h, "logic")
    assert trace["result"] == "finished"
    assert [(c["path"], c["result"]) for c in trace["conditions"]] == [
        ("condition/0/conditions/0", False),
        ("condition/0/conditions/1/conditions/0", True),
        ("condition/0/conditions/1/conditions/1/conditions/0", False),
        ("condition/0/conditions/1/conditions/1", True),
        ("condition/0/conditions/1", True),
        ("condition/0", True),
    ]
    h.hub.states.set("alarm.panic", "triggered")
    assert (await _go(h, "logic"))["result"] == "condition_failed"


async def test_template_condition_error_is_false_and_traced(site: Site) -> None:
    """A template that fails to render makes its condition false and records the error."""
    h = await site("""
        automation:
          - id: bad
            trigger: {platform: event, event_type: go}
            condition: "{{ trigger.no_such_key > 1 }}"
            action: {event: ok}
        """)
    trace = await _go(h, "bad")
    assert trace["result"] == "condition_failed"
    assert trace["conditions"][0]["result"] is False
    assert "no_such_key" in trace["conditions"][0]["error"]
