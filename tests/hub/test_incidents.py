"""Incidents: raising, lifecycle rules, alarm inputs, supervision."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from hub import Context
from hub.exceptions import IncidentError, ServiceValidationError
from hub.incidents import IncidentStatus
from hub.testing import wait_for

PANIC = """
devices:
  - platform: acme_button
    name: Panic 1
    gate: north
"""


async def test_panic_press_raises_incident(hub_factory: Callable[..., Any]) -> None:
    """Pressing a panic button raises a critical panic incident from that source."""
    h = await hub_factory(PANIC)
    await h.hub.services.call("acme", "press", {"entity_id": "alarm.panic_1"})
    raised = await wait_for(lambda: h.of_type("incident_raised"))
    data = raised[0].data
    assert data["category"] == "panic" and data["priority"] == 1
    assert data["source"] == "alarm.panic_1" and data["gate"] == "north"
    assert h.hub.states.get("alarm.panic_1").attributes["incident_id"] == data["incident_id"]


async def test_lifecycle_and_actors(hub_factory: Callable[..., Any]) -> None:
    """Acknowledge then resolve: each step records who did it; status follows."""
    h = await hub_factory()
    inc = await h.hub.incidents.raise_incident("intrusion", source="alarm.fence")
    guard = Context(user_id="guard-anna")
    await h.hub.services.call("incident", "acknowledge", {"incident_id": inc.id}, guard)
    await h.hub.services.call(
        "incident",
        "resolve",
        {"incident_id": inc.id, "note": "cat", "classification": "real"},
        Context(user_id="admin-bo"),
    )
    steps = [(s.action, s.actor) for s in inc.timeline]
    assert steps == [("raised", "hub"), ("acknowledged", "guard-anna"), ("resolved", "admin-bo")]
    assert h.of_type("incident_updated")[-1].data["status"] == "resolved"


async def test_resolve_twice_refused(hub_factory: Callable[..., Any]) -> None:
    """Resolving an already resolved incident is a clear validation error."""
    h = await hub_factory()
    inc = await h.hub.incidents.raise_incident("tamper")
    await h.hub.services.call("incident", "resolve", {"incident_id": inc.id})
    with pytest.raises(IncidentError, match="already resolved"):
        await h.hub.services.call("incident", "resolve", {"incident_id": inc.id})


async def test_unknown_incident_refused(hub_factory: Callable[..., Any]) -> None:
    """Acknowledging an unknown incident is a 4xx-style error naming incident_id."""
    h = await hub_factory()
    with pytest.raises(ServiceValidationError) as err:
        await h.hub.services.call("incident", "acknowledge", {"incident_id": "nope"})
    assert err.value.errors[0][0] == "incident_id"


async def test_false_alarm_classified(hub_factory: Callable[..., Any]) -> None:
    """mark_false_alarm ends the incident classified as a false alarm."""
    h = await hub_factory()
    inc = await h.hub.incidents.raise_incident("metal_detected")
    await h.hub.services.call("incident", "mark_false_alarm", {"incident_id": inc.id})
    assert inc.status == "false_alarm" and inc.classification == "false_alarm"
    assert not inc.is_open


async def test_repeat_merges_into_open_incident(hub_factory: Callable[..., Any]) -> None:
    """A second raise of the same category and source while open adds a 'repeated' step."""
    h = await hub_factory()
    first = await h.hub.incidents.raise_incident("panic", source="alarm.p")
    second = await h.hub.incidents.raise_incident("panic", source="alarm.p")
    assert first is second and first.timeline[-1].action == "repeated"
    assert len(h.of_type("incident_raised")) == 1


async def test_categories_configurable(hub_factory: Callable[..., Any]) -> None:
    """A category's priority and instructions come from the incidents section."""
    h = await hub_factory("""
        incidents:
          categories:
            metal_detected: {priority: critical, instructions: Hold the visitor}
        """)
    inc = await h.hub.incidents.raise_incident("metal_detected")
    assert int(inc.priority) == 1 and inc.data["instructions"] == "Hold the visitor"


async def test_bad_priority_in_config(hub_factory: Callable[..., Any]) -> None:
    """An invalid priority names the field."""
    from hub.exceptions import ConfigError

    with pytest.raises(ConfigError, match=r"incidents.categories.panic.priority"):
        await hub_factory("incidents:\n  categories:\n    panic: {priority: urgent}\n")


async def test_supervised_entity_offline_incident(hub_factory: Callable[..., Any]) -> None:
    """An alarm input that goes unavailable holds a device_offline incident; return resolves it."""
    h = await hub_factory(PANIC)
    button = h.hub.entities["alarm.panic_1"]
    button.set_available(False, "no answer")
    inc = await wait_for(lambda: h.hub.incidents.find_open("device_offline", "alarm.panic_1"))
    assert h.hub.states.get("alarm.panic_1").state == "unavailable"
    button.set_available(True)
    await wait_for(lambda: not inc.is_open)
    assert inc.timeline[-1].action == "resolved"


async def test_concurrent_repeats_open_one_incident(hub_factory: Callable[..., Any]) -> None:
    """Many raises from one source at once give one incident; other sources get their own."""
    import asyncio

    h = await hub_factory()
    results = await asyncio.gather(
        *(h.hub.incidents.raise_incident("panic", source="alarm.a") for _ in range(20)),
        *(h.hub.incidents.raise_incident("panic", source=f"alarm.{n}") for n in range(5)),
    )
    assert len({inc.id for inc in results[:20]}) == 1
    assert len({inc.id for inc in results[20:]}) == 5
    assert [s.action for s in results[0].timeline].count("repeated") == 19
    await h.hub.services.call("incident", "resolve", {"incident_id": results[0].id})
    fresh = await h.hub.incidents.raise_incident("panic", source="alarm.a")
    assert fresh.id != results[0].id


def test_incident_ids_sort_in_creation_order() -> None:
    """Ids made in the same millisecond still sort in the order they were made."""
    from hub.incidents import new_id

    ids = [new_id() for _ in range(5000)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(len(i) == 32 for i in ids)


async def test_closed_incidents_leave_the_managers_memory(
    hub_factory: Callable[..., Any], tmp_path: Any
) -> None:
    """Past the last KEEP_CLOSED, resolved incidents are no longer held; asked for by id
    (a note after the fact), they come back from the database, complete, and take the step."""
    from hub.incidents.manager import KEEP_CLOSED

    h = await hub_factory(f"recorder:\n  db_url: sqlite+aiosqlite:///{tmp_path}/hub.db\n")
    manager = h.hub.incidents
    raised = [await manager.raise_incident("panic", source=f"s{i}")
              for i in range(KEEP_CLOSED + 10)]
    for incident in raised:
        await manager.transition(incident.id, IncidentStatus.RESOLVED, note="done")
    held = {i.id for i in manager.all()}
    assert len(held) == KEEP_CLOSED and raised[0].id not in held and raised[-1].id in held
    old = await manager.add_step(raised[0].id, "note", note="reviewed")
    assert old is not raised[0]  # read back from the store, not kept
    assert [s.action for s in old.timeline] == ["raised", "resolved", "note"]
    assert raised[0].id not in {i.id for i in manager.all()}
    with pytest.raises(IncidentError, match="already resolved"):
        await manager.transition(raised[1].id, IncidentStatus.RESOLVED)
