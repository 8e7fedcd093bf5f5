"""Actions: service, delay, wait_for_trigger, choose, condition, stop, event, variables."""

from __future__ import annotations

import time

from hub.testing import wait_for, wait_for_state

from .conftest import Site, fired, run_automation


async def test_service_action_both_spellings_target_data_context(site: Site) -> None:
    """`action:` and legacy `service:` call services with target, templated data and an
    automation context (user_id automation:<id>)."""
    h = await site("""
        automation:
          - id: open_both
            variables: {which: side}
            trigger: {platform: event, event_type: go}
            action:
              - action: gate.open
                target: {entity_id: gate.main}
              - service: gate.open
                entity_id: "gate.{{ which }}"
              - action: incident.raise
                data:
                  category: visitor
                  message: "visitor at {{ trigger.event.data.gate }}"
                  priority: "{{ 2 + 2 }}"
        """)
    h.hub.bus.fire("go", {"gate": "north"})
    await wait_for_state(h.hub, "gate.side", "open")
    raised = await wait_for(lambda: h.of_type("incident_raised"))
    assert raised[0].data["priority"] == 4
    assert raised[0].data["incident"]["message"] == "visitor at north"
    calls = h.of_type("service_called")
    ours = [c for c in calls if c.context.user_id == "automation:open_both"]
    assert [(c.data["domain"], c.data["service"]) for c in ours] == [
        ("gate", "open"), ("gate", "open"), ("incident", "raise")]
    assert ours[1].data["service_data"] == {"entity_id": "gate.side"}
    assert raised[0].data["incident"]["timeline"][0]["actor"] == "automation:open_both"


async def test_service_error_stops_run_unless_continue_on_error(site: Site) -> None:
    """A failing service call ends the run with its error; continue_on_error goes on."""
    h = await site("""
        automation:
          - id: fails
            trigger: {platform: event, event_type: never}
            action:
              - action: gate.open
                target: {entity_id: gate.nowhere}
              - event: after_failure
          - id: goes_on
            trigger: {platform: event, event_type: never}
            action:
              - action: gate.open
                target: {entity_id: gate.nowhere}
                continue_on_error: true
              - event: went_on
        """)
    trace = await run_automation(h, "fails")
    assert trace["result"] == "error" and "gate.nowhere" in trace["error"]
    assert trace["steps"][0]["error"].startswith("ServiceValidationError")
    assert (await run_automation(h, "goes_on"))["result"] == "finished"
    assert fired(h, "after_failure") == [] and len(fired(h, "went_on")) == 1


async def test_delay_and_template_delay(site: Site) -> None:
    """delay waits a fixed or templated duration (short real durations)."""
    h = await site("""
        automation:
          - id: slow
            variables: {pause: 0.15}
            trigger: {platform: event, event_type: never}
            action:
              - delay: 0.1
              - delay: "{{ pause }}"
              - delay: {milliseconds: 50}
              - event: done
        """)
    started = time.monotonic()
    trace = await run_automation(h, "slow")
    assert time.monotonic() - started >= 0.3
    assert [s["result"] for s in trace["steps"][:3]] == [
        {"delay": 0.1}, {"delay": 0.15}, {"delay": 0.05}]


async def test_wait_for_trigger_fires_or_times_out(site: Site) -> None:
    """wait_for_trigger resumes on its trigger; on timeout it continues or stops as told."""
    h = await site("""
        automation:
          - id: waits
            trigger: {platform: event, event_type: never}
            action:
              - wait_for_trigger:
                  - platform: event
                    event_type: badge
                timeout: 2
              - event: resumed
                event_data: {by: "{{ wait.trigger.event.data.who }}"}
          - id: gives_up
            trigger: {platform: event, event_type: never}
            action:
              - wait_for_trigger: {platform: event, event_type: nothing}
                timeout: 0.1
              - event: continued
                event_data: {timed_out: "{{ wait.trigger is none }}"}
          - id: stops
            trigger: {platform: event, event_type: never}
            action:
              - wait_for_trigger: {platform: event, event_type: nothing}
                timeout: 0.1
                continue_on_timeout: false
              - event: not_reached
        """)
    component = h.hub.components["automation"]
    component.trigger("waits")
    await wait_for(lambda: h.hub.bus.listener_count().get("badge"))
    h.hub.bus.fire("badge", {"who": "anna"})
    await wait_for(lambda: fired(h, "resumed"))
    assert fired(h, "resumed") == [{"by": "anna"}]
    assert (await run_automation(h, "gives_up"))["result"] == "finished"
    assert fired(h, "continued") == [{"timed_out": True}]
    trace = await run_automation(h, "stops")
    assert trace["result"] == "timeout" and fired(h, "not_reached") == []
    assert component.index.stats()["event_types"] == 1  # only "never": the waits detached


async def test_choose_first_matching_option_else_default(site: Site) -> None:
    """choose runs the first option whose conditions hold, else default."""
    h = await site("""
        automation:
          - id: pick
            trigger: {platform: event, event_type: pick}
            mode: queued
            action:
              - choose:
                  - conditions: "{{ trigger.event.data.n == 1 }}"
                    sequence: {event: chose, event_data: {c: one}}
                  - conditions:
                      - condition: template
                        value_template: "{{ trigger.event.data.n > 1 }}"
                    sequence:
                      - event: chose
                        event_data: {c: many}
                default:
                  - event: chose
                    event_data: {c: none}
        """)
    for n in (1, 5, 0):
        h.hub.bus.fire("pick", {"n": n})
    await wait_for(lambda: len(fired(h, "chose")) == 3)
    assert fired(h, "chose") == [{"c": "one"}, {"c": "many"}, {"c": "none"}]


async def test_condition_in_a_choose_branch_ends_only_that_branch(site: Site) -> None:
    """A false condition inside the chosen sequence skips the rest of it, not the run."""
    h = await site("""
        automation:
          - id: branch
            trigger: {platform: event, event_type: go}
            action:
              - choose:
                  - conditions: "{{ true }}"
                    sequence:
                      - condition: template
                        value_template: "{{ false }}"
                      - event: in_branch
              - event: after_choose
        """)
    h.hub.bus.fire("go", {})
    await wait_for(lambda: len(fired(h, "after_choose")) == 1)
    assert fired(h, "in_branch") == []


async def test_condition_action_and_stop(site: Site) -> None:
    """A condition step ends a run quietly when false; stop ends it, as an error if asked."""
    h = await site("""
        automation:
          - id: gated
            trigger: {platform: event, event_type: never}
            action:
              - condition: state
                entity_id: gate.main
                state: open
              - event: not_reached
          - id: halts
            trigger: {platform: event, event_type: never}
            action:
              - stop: nothing to do
              - event: not_reached
          - id: fails
            trigger: {platform: event, event_type: never}
            action:
              - stop: device missing
                error: true
        """)
    gated = await run_automation(h, "gated")
    assert gated["result"] == "condition_failed"
    assert gated["conditions"] == [{"path": "action/0", "result": False, "error": None}]
    halts = await run_automation(h, "halts")
    assert (halts["result"], halts["error"]) == ("stopped", "nothing to do")
    assert (await run_automation(h, "fails"))["result"] == "error"
    assert fired(h, "not_reached") == []


async def test_event_and_variables_actions(site: Site) -> None:
    """event fires with rendered data and the automation's context; variables carry values on."""
    h = await site("""
        automation:
          - id: vars
            trigger: {platform: event, event_type: never}
            action:
              - variables:
                  count: "{{ 2 * 3 }}"
                  who: guard
              - variables:
                  label: "{{ who }}-{{ count + 1 }}"
              - event: announced
                event_data: {label: "{{ label }}", count: "{{ count }}"}
        """)
    trace = await run_automation(h, "vars")
    assert fired(h, "announced") == [{"label": "guard-7", "count": 6}]
    assert h.of_type("announced")[0].context.user_id == "automation:vars"
    assert trace["variables"]["label"] == "guard-7"


async def test_response_variable(site: Site) -> None:
    """response_variable keeps a service's answer for later steps."""
    h = await site("""
        automation:
          - id: raise_and_note
            trigger: {platform: event, event_type: never}
            action:
              - action: incident.raise
                data: {category: intrusion}
                response_variable: raised
              - action: incident.add_note
                data:
                  incident_id: "{{ raised.id }}"
                  note: noted by automation
        """)
    trace = await run_automation(h, "raise_and_note")
    assert trace["result"] == "finished", trace
    incident = h.hub.incidents.all()[0]
    assert incident.timeline[-1].note == "noted by automation"
