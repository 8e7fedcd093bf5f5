"""The parallel action (and the sequence action its branches use): concurrency, errors,
cancellation."""

from __future__ import annotations

import asyncio
import time

from hub.testing import wait_for

from .conftest import Site, fired, run_automation


async def test_branches_run_at_once_and_the_action_waits_for_all(site: Site) -> None:
    """Branches (single actions or `- sequence:`) run concurrently; the step after the
    parallel runs once every branch is done."""
    h = await site("""
        automation:
          - id: both
            trigger: {platform: event, event_type: never}
            action:
              - parallel:
                  - sequence:
                      - delay: 0.3
                      - event: branch_done
                        event_data: {b: slow}
                  - sequence:
                      - delay: 0.2
                      - event: branch_done
                        event_data: {b: fast}
                  - event: branch_done
                    event_data: {b: "{{ 'instant' }}"}
              - event: all_done
        """)
    started = time.monotonic()
    trace = await run_automation(h, "both")
    elapsed = time.monotonic() - started
    assert trace["result"] == "finished", trace
    assert elapsed >= 0.3  # waited for the slowest branch
    # Run one after the other, branch 0 (slow) would end first: the order shows concurrency.
    order = [
        (e.event_type, e.data.get("b"))
        for e in h.events
        if e.event_type in ("branch_done", "all_done")
    ]
    assert order == [
        ("branch_done", "instant"),
        ("branch_done", "fast"),
        ("branch_done", "slow"),
        ("all_done", None),
    ]
    paths = {s["path"] for s in trace["steps"]}
    assert {
        "action/0/parallel/0/sequence/1",
        "action/0/parallel/1/sequence/0",
        "action/0/parallel/2/sequence/0",
        "action/0",
        "action/1",
    } <= paths


async def test_a_failing_branch_lets_the_others_finish_then_fails_the_run(site: Site) -> None:
    """An error in one branch is traced; the other branches still complete; then the run ends
    with that error and the steps after the parallel do not run (as HA)."""
    h = await site("""
        automation:
          - id: one_fails
            trigger: {platform: event, event_type: never}
            action:
              - parallel:
                  - action: gate.open
                    target: {entity_id: gate.nowhere}
                  - sequence:
                      - delay: 0.2
                      - event: other_branch_done
              - event: not_reached
        """)
    trace = await run_automation(h, "one_fails")
    assert trace["result"] == "error" and "gate.nowhere" in trace["error"]
    assert len(fired(h, "other_branch_done")) == 1 and fired(h, "not_reached") == []
    by_path = {s["path"]: s for s in trace["steps"]}
    assert by_path["action/0/parallel/0/sequence/0"]["error"].startswith("ServiceValidationError")
    assert by_path["action/0/parallel/1/sequence/1"]["error"] is None
    assert by_path["action/0"]["kind"] == "parallel"
    assert by_path["action/0"]["error"].startswith("ServiceValidationError")


async def test_condition_ends_a_branch_stop_ends_the_run(site: Site) -> None:
    """A false condition ends only its branch; a stop in a branch ends the run once the other
    branches are done; branch variables stay in their branch."""
    h = await site("""
        automation:
          - id: conditioned
            variables: {who: outer}
            trigger: {platform: event, event_type: never}
            action:
              - parallel:
                  - sequence:
                      - variables: {who: branch}
                      - condition: template
                        value_template: "{{ false }}"
                      - event: not_reached
                  - event: other
              - event: after
                event_data: {who: "{{ who }}"}
          - id: stopped
            trigger: {platform: event, event_type: never}
            action:
              - parallel:
                  - stop: enough
                  - sequence:
                      - delay: 0.1
                      - event: still_finished
              - event: not_after_stop
        """)
    conditioned = await run_automation(h, "conditioned")
    assert conditioned["result"] == "finished"
    assert fired(h, "not_reached") == [] and len(fired(h, "other")) == 1
    assert fired(h, "after") == [{"who": "outer"}]
    assert conditioned["steps"][-2]["result"] == {"branches": 2, "completed": [False, True]}
    stopped = await run_automation(h, "stopped")
    assert (stopped["result"], stopped["error"]) == ("stopped", "enough")
    assert len(fired(h, "still_finished")) == 1 and fired(h, "not_after_stop") == []


async def test_restart_cancels_every_branch(site: Site) -> None:
    """mode restart cancels the running run and with it every branch of its parallel."""
    h = await site("""
        automation:
          - id: restarts
            mode: restart
            trigger: {platform: event, event_type: go}
            action:
              - parallel:
                  - sequence:
                      - delay: 0.3
                      - event: late
                        event_data: {n: "{{ trigger.event.data.n }}"}
                  - sequence:
                      - delay: 0.4
                      - event: late
                        event_data: {n: "{{ trigger.event.data.n }}"}
        """)
    h.hub.bus.fire("go", {"n": 1})
    await asyncio.sleep(0.1)
    h.hub.bus.fire("go", {"n": 2})
    automation = h.hub.components["automation"].get("restarts")
    await wait_for(lambda: len(automation.traces) == 2 and automation.traces[-1].finished)
    await asyncio.sleep(0.4)  # the first run's branches would have fired by now
    assert [e["n"] for e in fired(h, "late")] == [2, 2]
    assert [t.result for t in automation.traces] == ["cancelled", "finished"]


async def test_hub_stop_cancels_every_branch(site: Site) -> None:
    """Stopping the hub cancels a running parallel: every branch's wait is detached."""
    h = await site("""
        automation:
          - id: waits
            trigger: {platform: event, event_type: never}
            action:
              - parallel:
                  - wait_for_trigger: {platform: event, event_type: badge}
                  - wait_for_trigger: {platform: event, event_type: card}
        """)
    component = h.hub.components["automation"]
    component.trigger("waits")
    await wait_for(lambda: component.index.stats()["event_types"] == 3)  # never, badge, card
    await h.hub.stop()
    automation = component.get("waits")
    await wait_for(lambda: automation.traces[-1].finished)
    assert automation.traces[-1].result == "cancelled"
    assert component.index.stats()["event_types"] == 0


async def test_sequence_action(site: Site) -> None:
    """A `sequence:` action runs its actions in order; a false condition ends only it."""
    h = await site("""
        automation:
          - id: grouped
            trigger: {platform: event, event_type: never}
            action:
              - sequence:
                  - event: first
                  - condition: state
                    entity_id: gate.side
                    state: open
                  - event: not_reached
              - event: after_group
        """)
    trace = await run_automation(h, "grouped")
    assert trace["result"] == "finished"
    assert len(fired(h, "first")) == len(fired(h, "after_group")) == 1
    assert fired(h, "not_reached") == []
    assert trace["steps"][0]["path"] == "action/0/sequence/0"
