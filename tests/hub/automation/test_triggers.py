"""Triggers: state (from/to/for/attribute), event, incident, time, time_pattern, face, webhook."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from zoneinfo import ZoneInfo

import pytest

from hub.automation import fire_webhook
from hub.testing import wait_for

from .conftest import Site, fired

TZ = ZoneInfo("Asia/Shanghai")


def _clock(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, TZ).strftime("%H:%M:%S")


async def test_state_trigger_from_to(site: Site) -> None:
    """A state trigger fires on the matching transition only, with from/to states in trigger."""
    h = await site("""
        automation:
          - id: opened
            trigger:
              - platform: state
                entity_id: gate.side
                from: opening
                to: open
            action:
              - event: seen
                event_data:
                  old: "{{ trigger.from_state.state }}"
                  new: "{{ trigger.to_state.state }}"
                  id: "{{ trigger.entity_id }}"
          - id: never
            trigger: {platform: state, entity_id: gate.side, from: closed, to: open}
            action: {event: never}
        """)
    await h.hub.services.call("gate", "open", {"entity_id": "gate.side"})
    await wait_for(lambda: fired(h, "seen"))
    await asyncio.sleep(0.05)
    assert fired(h, "seen") == [{"old": "opening", "new": "open", "id": "gate.side"}]
    assert fired(h, "never") == []


async def test_state_trigger_to_and_not_from(site: Site) -> None:
    """`to` matches the new state; `not_from` refuses transitions from the listed states."""
    h = await site("""
        automation:
          - id: to_open
            trigger: {platform: state, entity_id: gate.side, to: open}
            action: {event: to_open}
          - id: not_from_opening
            trigger: {platform: state, entity_id: gate.side, not_from: opening}
            action: {event: not_from_opening, event_data: {s: "{{ trigger.to_state.state }}"}}
        """)
    await h.hub.services.call("gate", "open", {"entity_id": "gate.side"})
    await wait_for(lambda: fired(h, "to_open"))
    await asyncio.sleep(0.05)
    assert len(fired(h, "to_open")) == 1
    assert fired(h, "not_from_opening") == [{"s": "opening"}]


async def test_state_trigger_attribute(site: Site) -> None:
    """With `attribute`, the trigger watches that attribute's value, not the state."""
    h = await site("""
        automation:
          - id: level
            trigger: {platform: state, entity_id: sensor.noise, attribute: level, to: "3"}
            action: {event: loud}
        """)
    h.hub.states.set("sensor.noise", "ok", {"level": 1})
    h.hub.states.set("sensor.noise", "ok", {"level": 3})
    await wait_for(lambda: fired(h, "loud"))
    h.hub.states.set("sensor.noise", "ok", {"level": 3, "other": 1})
    await asyncio.sleep(0.05)
    assert len(fired(h, "loud")) == 1


async def test_state_trigger_for(site: Site) -> None:
    """`for` fires only when the state held that long; a change before then cancels it."""
    h = await site("""
        automation:
          - id: held
            trigger:
              platform: state
              entity_id: gate.side
              to: open
              for: {milliseconds: 500}
            action: {event: held_open, event_data: {for: "{{ trigger.for }}"}}
        """)
    h.hub.states.set("gate.side", "open")
    await asyncio.sleep(0.05)
    h.hub.states.set("gate.side", "closed")
    await asyncio.sleep(0.6)
    assert fired(h, "held_open") == []
    started = time.monotonic()
    h.hub.states.set("gate.side", "open")
    await wait_for(lambda: fired(h, "held_open"))
    assert time.monotonic() - started >= 0.49
    assert fired(h, "held_open") == [{"for": 0.5}]


async def test_state_trigger_for_counts_only_schedule_time(site: Site) -> None:
    """`for: {schedule: ...}` counts only time inside the schedule's windows."""
    now = time.time()
    opens = int(now) + 2
    window = f"{_clock(opens)}-{_clock(opens + 60)}"
    h = await site(f"""
        schedules:
          duty:
            hours: {{mon-sun: ["{window}"]}}
        automation:
          - id: off_post
            trigger:
              platform: state
              entity_id: sensor.guard
              to: absent
              for: {{schedule: duty, seconds: 0.3}}
            action: {{event: off_post, event_data: {{schedule: "{{{{ trigger.schedule }}}}"}}}}
        """)
    h.hub.states.set("sensor.guard", "absent")
    await wait_for(lambda: fired(h, "off_post"), timeout=6)
    assert time.time() >= opens + 0.29, "fired before the schedule window opened"
    assert fired(h, "off_post") == [{"schedule": "duty"}]


async def test_event_trigger_data_subset(site: Site) -> None:
    """An event trigger fires when event_data is a subset of the event's data (nested too)."""
    h = await site("""
        automation:
          - id: ev
            trigger:
              platform: event
              event_type: [visitor_arrived, visitor_left]
              event_data: {gate: main, who: {kind: parent}}
            action: {event: matched, event_data: {t: "{{ trigger.event.event_type }}"}}
        """)
    h.hub.bus.fire("visitor_arrived", {"gate": "side", "who": {"kind": "parent"}})
    h.hub.bus.fire("visitor_arrived", {"gate": "main", "who": {"kind": "courier"}})
    h.hub.bus.fire("visitor_left", {"gate": "main", "who": {"kind": "parent", "n": 1}, "x": 2})
    await wait_for(lambda: fired(h, "matched"))
    await asyncio.sleep(0.05)
    assert fired(h, "matched") == [{"t": "visitor_left"}]


async def test_incident_trigger_category_priority_status(site: Site) -> None:
    """Incident triggers filter by category, priority (this or more urgent) and status."""
    h = await site("""
        automation:
          - id: urgent
            trigger: {platform: incident, priority: high}
            action: {event: urgent, event_data: {c: "{{ trigger.category }}"}}
          - id: panic_acked
            trigger: {platform: incident, category: panic, status: acknowledged}
            action: {event: acked, event_data: {id: "{{ trigger.incident_id }}"}}
        """)
    await h.hub.services.call("incident", "raise", {"category": "visitor"})  # low: no
    await h.hub.services.call("acme", "press", {"entity_id": "alarm.panic"})
    await wait_for(lambda: fired(h, "urgent"))
    panic = h.of_type("incident_raised")[-1].data["incident_id"]
    await h.hub.services.call("incident", "acknowledge", {"incident_id": panic})
    await wait_for(lambda: fired(h, "acked"))
    await asyncio.sleep(0.05)
    assert fired(h, "urgent") == [{"c": "panic"}]
    assert fired(h, "acked") == [{"id": panic}]


async def test_time_trigger_at(site: Site) -> None:
    """A time trigger fires at the given HH:MM:SS in the hub's time zone (real clock, ~2 s)."""
    h = await site("")
    at = int(time.time()) + 2  # loaded after start-up so a slow start cannot skip the time
    await h.hub.components["automation"].reload([
        {"id": "bell", "trigger": {"platform": "time", "at": _clock(at)},
         "action": {"event": "bell", "event_data": {"at": "{{ trigger.at }}"}}}])
    await wait_for(lambda: fired(h, "bell"), timeout=5)
    assert time.time() >= at
    assert fired(h, "bell") == [{"at": _clock(at)}]


async def test_time_pattern_every_second(site: Site) -> None:
    """`seconds: "/1"` fires once per wall-clock second (real clock, ~2 s)."""
    h = await site("""
        automation:
          - id: tick
            mode: parallel
            trigger: {platform: time_pattern, seconds: "/1"}
            action: {event: tick, event_data: {s: "{{ trigger.now.second }}"}}
        """)
    await wait_for(lambda: len(fired(h, "tick")) >= 2, timeout=5)
    seconds = [int(e["s"]) for e in fired(h, "tick")[:2]]
    assert (seconds[1] - seconds[0]) % 60 == 1


async def test_face_trigger_filters(site: Site) -> None:
    """Face triggers filter face_recognized by person (id or name), group, list, gate and score
    (events fired here in recognition's payload shape; the recognizer is not under test)."""
    h = await site("""
        automation:
          - id: staff_in
            trigger: {platform: face, group: [staff, student], list: allow, gate: main}
            action: {event: welcome, event_data: {p: "{{ trigger.name }}"}}
          - id: bob
            trigger: {platform: face, person: p-bob, min_score: 0.6}
            action: {event: bob_seen}
          - id: unknown_at_night
            trigger: {platform: face, event: face_unknown, camera: camera.gate}
            action: {event: stranger}
        """)
    bus = h.hub.bus

    def face(person_id: str, name: str, group: str, score: float, gate: str = "main") -> None:
        bus.fire("face_recognized", {"person_id": person_id, "name": name, "list": "allow",
                                     "group": group, "camera": "camera.gate", "gate": gate,
                                     "score": score, "snapshot_id": "s1"})

    face("p-ann", "Ann", "staff", 0.9)
    face("p-cy", "Cy", "staff", 0.9, gate="side")
    face("p-eve", "Eve", "visitor", 0.9)
    face("p-bob", "Bob", "parent", 0.5)
    face("p-bob", "Bob", "parent", 0.7)
    bus.fire("face_unknown", {"camera": "camera.gate"})
    bus.fire("face_unknown", {"camera": "camera.yard"})
    await wait_for(lambda: fired(h, "bob_seen") and fired(h, "stranger"))
    await asyncio.sleep(0.05)
    assert fired(h, "welcome") == [{"p": "Ann"}]
    assert len(fired(h, "bob_seen")) == 1 and len(fired(h, "stranger")) == 1


async def test_webhook_trigger(site: Site) -> None:
    """fire_webhook runs the automations with that webhook id and allowed method only."""
    h = await site("""
        automation:
          - id: police_opens
            trigger: {platform: webhook, webhook_id: police-open-7f3a9c}
            action: {event: hooked, event_data: {gate: "{{ trigger.json.gate }}"}}
        """)
    assert fire_webhook(h.hub, "police-open-7f3a9c", json={"gate": "main"}) == 1
    assert fire_webhook(h.hub, "police-open-7f3a9c", json={}, method="GET") == 0
    assert fire_webhook(h.hub, "no-such-hook-000") == 0
    await wait_for(lambda: fired(h, "hooked"))
    assert fired(h, "hooked") == [{"gate": "main"}]


@pytest.mark.parametrize("n", [200])
async def test_state_index_touches_only_listeners(site: Site, n: int) -> None:
    """A state change visits only the automations watching that entity (index, not scan)."""
    autos = "\n".join(
        f"  - id: a{i}\n    trigger: {{platform: state, entity_id: sensor.s{i}}}\n"
        f"    condition: \"{{{{ false }}}}\"\n    action: {{event: x}}" for i in range(n))
    h = await site("automation:\n" + autos + "\n")
    component = h.hub.components["automation"]
    assert component.index.stats()["state_entities"] == n
    h.hub.states.set("sensor.s7", "on")
    traced = [a.id for a in component.automations.values() if a.traces]
    assert traced == ["a7"]


async def test_ha_2024_10_spelling(site: Site) -> None:
    """HA's newer spelling (triggers/conditions/actions, `trigger: event`) works too."""
    h = await site("""
        automation:
          - id: new_style
            triggers:
              - trigger: event
                event_type: ping
            conditions:
              - condition: template
                value_template: "{{ true }}"
            actions:
              - event: pong
        """)
    h.hub.bus.fire("ping", {})
    await wait_for(lambda: fired(h, "pong"))
