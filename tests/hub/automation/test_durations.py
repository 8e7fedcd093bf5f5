"""Templated durations: delay, wait_for_trigger's timeout and a state trigger's `for`."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from hub.automation.timeparse import parse_duration
from hub.testing import wait_for

from .conftest import Site, fired, run_automation


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("00:00:5", 5.0),
        ("0:01", 60.0),
        ("36:00", 129600.0),
        ("00:00:00.25", 0.25),
        ("0:00:05", 5.0),
    ],
)
def test_duration_text_forms(text: str, seconds: float) -> None:
    """Durations take HA's H:MM[:SS[.fff]] with one-digit fields and hours past 23."""
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("value", ["inf", "nan", "-1", "soon", "1:2:3:4", True])
def test_duration_refuses(value: Any) -> None:
    """Infinite, negative, unreadable durations and booleans are refused."""
    with pytest.raises(ValueError, match="duration"):
        parse_duration(value)


async def test_delay_template_forms(site: Site) -> None:
    """delay takes a template for seconds, a templated HH:MM:SS and a mapping with templated
    amounts, rendered with the run's variables."""
    h = await site("""
        automation:
          - id: waits
            variables: {tenths: 1, ms: 150}
            trigger: {platform: event, event_type: never}
            action:
              - delay: "{{ tenths / 10 }}"
              - delay: "00:00:00.{{ tenths }}"
              - delay: {milliseconds: "{{ ms }}", seconds: 0}
        """)
    started = time.monotonic()
    trace = await run_automation(h, "waits")
    assert time.monotonic() - started >= 0.35
    assert trace["result"] == "finished", trace
    assert [s["result"] for s in trace["steps"]] == [
        {"delay": 0.1},
        {"delay": 0.1},
        {"delay": 0.15},
    ]


async def test_delay_template_that_is_not_a_duration(site: Site) -> None:
    """A delay template giving something that is not a duration ends the run with an error
    naming `delay` and the value (no crash; later runs still work)."""
    h = await site("""
        automation:
          - id: bad
            variables: {pause: soon}
            trigger: {platform: event, event_type: never}
            action:
              - delay: "{{ pause }}"
              - event: not_reached
          - id: negative
            trigger: {platform: event, event_type: never}
            action:
              - delay: {seconds: "{{ -3 }}"}
          - id: undefined
            trigger: {platform: event, event_type: never}
            action:
              - delay: "{{ missing }}"
        """)
    bad = await run_automation(h, "bad")
    assert bad["result"] == "error"
    assert bad["error"] == (
        "DurationError: delay: the template gave 'soon', which is not a duration (expected a "
        "duration (seconds, HH:MM or HH:MM:SS), got 'soon')"
    )
    assert bad["steps"][0]["error"] == bad["error"]
    negative = await run_automation(h, "negative")
    assert negative["error"] == (
        "DurationError: delay: the template gave {'seconds': -3}, which "
        "is not a duration (a duration cannot be negative)"
    )
    undefined = await run_automation(h, "undefined")
    assert undefined["error"].startswith("DurationError: delay: ")
    assert "missing" in undefined["error"]
    assert fired(h, "not_reached") == []
    assert (await run_automation(h, "bad"))["result"] == "error"  # the automation still runs


async def test_wait_for_trigger_templated_timeout(site: Site) -> None:
    """wait_for_trigger's timeout may be a template; a bad one is an error naming `timeout`."""
    h = await site("""
        automation:
          - id: short_wait
            variables: {patience: 0.2}
            trigger: {platform: event, event_type: never}
            action:
              - wait_for_trigger: {platform: event, event_type: badge}
                timeout: "{{ patience }}"
              - event: waited
                event_data: {timed_out: "{{ wait.trigger is none }}"}
          - id: bad_wait
            trigger: {platform: event, event_type: never}
            action:
              - wait_for_trigger: {platform: event, event_type: badge}
                timeout: "{{ 'later' }}"
        """)
    started = time.monotonic()
    trace = await run_automation(h, "short_wait")
    assert 0.2 <= time.monotonic() - started < 2
    assert trace["result"] == "finished" and fired(h, "waited") == [{"timed_out": True}]
    bad = await run_automation(h, "bad_wait")
    assert bad["result"] == "error"
    assert bad["error"].startswith("DurationError: timeout: the template gave 'later'")


async def test_state_for_template_renders_with_trigger_variables(site: Site) -> None:
    """A state trigger's `for` template is rendered when the state matches, with the trigger's
    variables; trigger.for is the rendered seconds."""
    h = await site("""
        automation:
          - id: held
            trigger:
              platform: state
              entity_id: sensor.door
              to: open
              for: "{{ trigger.to_state.attributes.hold }}"
            action: {event: held, event_data: {for: "{{ trigger.for }}"}}
          - id: held_mapping
            trigger:
              platform: state
              entity_id: sensor.window
              to: open
              for: {milliseconds: "{{ states('sensor.hold_ms') }}"}
            action: {event: window_held, event_data: {for: "{{ trigger.for }}"}}
        """)
    h.hub.states.set("sensor.hold_ms", "200")
    started = time.monotonic()
    h.hub.states.set("sensor.door", "open", {"hold": 0.3})
    h.hub.states.set("sensor.window", "open")
    await wait_for(lambda: fired(h, "held") and fired(h, "window_held"))
    assert time.monotonic() - started >= 0.29
    assert fired(h, "held") == [{"for": 0.3}]
    assert fired(h, "window_held") == [{"for": 0.2}]


async def test_state_for_template_error_is_traced(site: Site) -> None:
    """A `for` template that does not give a duration leaves an error trace naming
    trigger[i].for and runs nothing; inside wait_for_trigger it fails that step."""
    h = await site("""
        automation:
          - id: bad_for
            trigger:
              - platform: event
                event_type: never
              - platform: state
                entity_id: sensor.door
                to: open
                for: "{{ trigger.to_state.attributes.hold }}"
            action: {event: not_reached}
          - id: waits_bad_for
            trigger: {platform: event, event_type: never}
            action:
              - wait_for_trigger:
                  platform: state
                  entity_id: sensor.door
                  to: open
                  for: "{{ 'a while' }}"
              - event: not_reached
        """)
    component = h.hub.components["automation"]
    component.trigger("waits_bad_for")
    await asyncio.sleep(0.05)
    h.hub.states.set("sensor.door", "open", {"hold": "forever"})
    automation = component.get("bad_for")
    await wait_for(lambda: automation.traces)
    trace = component.traces("bad_for")[0]
    assert trace["result"] == "error"
    assert trace["error"] == (
        "trigger[1].for: the template gave 'forever', which is not a "
        "duration (expected a duration (seconds, HH:MM or HH:MM:SS), got "
        "'forever')"
    )
    assert trace["trigger"]["entity_id"] == "sensor.door"
    waiter = component.get("waits_bad_for")
    await wait_for(lambda: waiter.traces[-1].finished)
    waited = component.traces("waits_bad_for")[0]
    assert waited["result"] == "error"
    assert waited["error"].startswith(
        "TriggerFailed: wait_for_trigger[0].for: the template gave 'a while'"
    )
    await asyncio.sleep(0.05)
    assert fired(h, "not_reached") == []
