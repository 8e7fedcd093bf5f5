"""The if/then/else and wait_template actions: HA semantics, traces, config errors."""

from __future__ import annotations

from pathlib import Path

from hub.testing import wait_for

from .conftest import Site, config_problems, fired, run_automation


async def test_if_runs_then_or_else_and_the_run_goes_on(site: Site) -> None:
    """if picks then or else by its conditions; a false condition in then ends only then."""
    h = await site("""
        automation:
          - id: pick
            trigger: {platform: event, event_type: pick}
            mode: queued
            action:
              - if: "{{ trigger.event.data.n > 0 }}"
                then:
                  - event: picked
                    event_data: {branch: then}
                  - condition: template
                    value_template: "{{ trigger.event.data.n > 5 }}"
                  - event: picked
                    event_data: {branch: then-big}
                else:
                  - event: picked
                    event_data: {branch: else}
              - event: after_if
                event_data: {n: "{{ trigger.event.data.n }}"}
        """)
    for n in (1, 9, 0):
        h.hub.bus.fire("pick", {"n": n})
    await wait_for(lambda: len(fired(h, "after_if")) == 3)
    assert fired(h, "picked") == [
        {"branch": "then"},
        {"branch": "then"},
        {"branch": "then-big"},
        {"branch": "else"},
    ]
    assert [d["n"] for d in fired(h, "after_if")] == [1, 9, 0]


async def test_if_without_else_does_nothing_when_false(site: Site) -> None:
    """An if whose conditions fail and that has no else is traced with no choice."""
    h = await site("""
        automation:
          - id: quiet
            trigger: {platform: event, event_type: never}
            action:
              - if:
                  - condition: state
                    entity_id: gate.main
                    state: open
                then: {event: opened}
              - event: done
        """)
    trace = await run_automation(h, "quiet")
    assert trace["result"] == "finished"
    assert fired(h, "opened") == [] and len(fired(h, "done")) == 1
    step = next(s for s in trace["steps"] if s["kind"] == "if")
    assert step["result"] == {"choice": None}


async def test_wait_template_waits_for_a_state_change(site: Site) -> None:
    """wait_template returns once a state change makes it true; wait.completed is true."""
    h = await site("""
        automation:
          - id: waiter
            trigger: {platform: event, event_type: never}
            action:
              - wait_template: "{{ is_state('sensor.door', 'closed') }}"
                timeout: 5
              - event: door_closed
                event_data:
                  completed: "{{ wait.completed }}"
        """)
    h.hub.states.set("sensor.door", "open")
    component = h.hub.components["automation"]
    component.trigger("waiter")
    await wait_for(lambda: component.get("waiter").traces)
    h.hub.states.set("sensor.other", "x")  # another change: still false, keeps waiting
    assert fired(h, "door_closed") == []
    h.hub.states.set("sensor.door", "closed")
    await wait_for(lambda: fired(h, "door_closed"))
    assert fired(h, "door_closed") == [{"completed": True}]


async def test_wait_template_already_true_does_not_wait(site: Site) -> None:
    """A template that is true at once lets the run go on without a state change."""
    h = await site("""
        automation:
          - id: ready
            trigger: {platform: event, event_type: never}
            action:
              - wait_template: "{{ true }}"
              - event: went_on
        """)
    trace = await run_automation(h, "ready")
    assert trace["result"] == "finished" and len(fired(h, "went_on")) == 1


async def test_wait_template_timeout_goes_on_or_stops(site: Site) -> None:
    """On timeout the run goes on with wait.completed false, or stops when asked to."""
    h = await site("""
        automation:
          - id: goes_on
            trigger: {platform: event, event_type: never}
            action:
              - wait_template: "{{ is_state('sensor.never', 'on') }}"
                timeout: 0.1
              - event: after_wait
                event_data: {completed: "{{ wait.completed }}"}
          - id: stops
            trigger: {platform: event, event_type: never}
            action:
              - wait_template: "{{ is_state('sensor.never', 'on') }}"
                timeout: "{{ 0.1 }}"
                continue_on_timeout: false
              - event: not_reached
        """)
    before = h.hub.bus.listener_count().get("state_changed", 0)
    trace = await run_automation(h, "goes_on")
    assert trace["result"] == "finished"
    assert fired(h, "after_wait") == [{"completed": False}]
    trace = await run_automation(h, "stops")
    assert trace["result"] == "timeout" and fired(h, "not_reached") == []
    assert h.hub.bus.listener_count().get("state_changed", 0) == before  # waits detached


async def test_wait_template_render_error_fails_the_step(site: Site) -> None:
    """A template that fails while waiting fails the run with the error in the trace."""
    h = await site("""
        automation:
          - id: broken
            trigger: {platform: event, event_type: never}
            action:
              - wait_template: "{{ 1 / (states('sensor.n') | int(1) - 2) > 0 }}"
                timeout: 5
              - event: not_reached
        """)
    component = h.hub.components["automation"]
    component.trigger("broken")
    await wait_for(lambda: component.get("broken").traces)
    h.hub.states.set("sensor.n", "2")  # 1 / 0 while rendering
    await wait_for(lambda: component.get("broken").traces[-1].finished)
    trace = component.traces("broken")[0]
    step = next(s for s in trace["steps"] if s["kind"] == "wait_template")
    assert "error" in step and fired(h, "not_reached") == []



def test_if_and_wait_template_config_errors(tmp_path: Path) -> None:
    """A missing then and a broken wait template are reported with line and path."""
    problems = config_problems(tmp_path, """\
        automation:
          - id: a
            trigger: {platform: event, event_type: x}
            action:
              - if: "{{ true }}"
              - wait_template: "{{ 1 "
        """)
    assert len(problems) == 2, problems
    assert problems[0].startswith("5: automation[0].action[0].then: Field required")
    assert problems[1].startswith("6: automation[0].action[1].wait_template: template syntax")


def test_unknown_schedules_inside_if(tmp_path: Path) -> None:
    """Schedules named in an if's conditions or inside then/else must exist."""
    problems = config_problems(tmp_path, """\
        schedules:
          school:
            hours: {mon-fri: ["07:30-17:00"]}
        automation:
          - id: a
            trigger: {platform: event, event_type: x}
            action:
              - if:
                  - condition: schedule
                    inside: lessons
                then: {event: y}
                else:
                  - condition: schedule
                    outside: breaks
        """)
    assert len(problems) == 2, problems
    assert problems[0].startswith("10: automation[0].action[0].if[0].inside: unknown schedule")
    assert problems[1].startswith("14: automation[0].action[0].else[0].outside: unknown schedule")
