"""The meeting room (会客室): a visit to the room instead of the school, the host notified,
the room occupied and by whom, both times logged, the room's panic incidents linked."""

from __future__ import annotations

from typing import Any

import pytest

from hub import Context, Hub, ServiceValidationError
from hub.states import State
from hub.testing import HubHarness, wait_for
from tests.hub.http.helpers import register_test_devices
from tests.plugins.notify.doubles import WebhookReceiver, serve

GUARD = Context(user_id="guard")
SECRET = "0123456789abcdef0123"


def site(url: str) -> str:
    return f"""
notify:
  - {{platform: webhook, name: host_phone, url: '{url}/notify', secret: {SECRET},
     retry: {{max_attempts: 2, initial_delay: 0.05, max_delay: 0.1}}}}
visitors:
  host_notify: notify.host_phone
  meeting_rooms:
    - {{name: 会客室, object_id: gate_room, gate: main, cameras: [camera.room_camera],
       panic: [alarm.room_panic]}}
devices:
  - {{platform: acme_gate, name: Main entrance, gate: main, travel_seconds: 0.05,
     auto_close_seconds: 0.2}}
  - {{platform: acme_button, name: Room panic, gate: main}}
  - {{platform: test_camera, name: Room camera, gate: main}}
"""


def state(hub: Hub, entity_id: str) -> State:
    found = hub.states.get(entity_id)
    assert found is not None, entity_id
    return found


def visit(**extra: Any) -> dict[str, Any]:
    return {"name": "Li Wei", "id_number": "110101199003071234", "reason": "parent meeting",
            "host": "Ms Zhang", "gate": "main", "metal_result": "clear", **extra}


async def test_visit_to_the_meeting_room(hub_factory: Any, register_plugin: Any) -> None:
    """The school's gate stays shut, the host gets a message, the room is occupied by the
    visit (host, time, no visitor name in the state) until check-out; both times logged."""
    register_test_devices(register_plugin)
    receiver = WebhookReceiver(SECRET)
    async with serve(receiver.app()) as url:
        h: HubHarness = await hub_factory(site(url))
        hub = h.hub
        assert state(hub, "meeting_room.gate_room").state == "free"
        v = await hub.services.call("visitor", "check_in",
                                    visit(destination="meeting_room"), GUARD)
        assert v["destination"] == "meeting_room" and v["room"] == "gate_room"
        assert v["gate_opened"] is None and "notify_error" not in v
        assert state(hub, "gate.main_entrance").state == "closed"
        room = state(hub, "meeting_room.gate_room")
        assert room.state == "occupied"
        assert room.attributes["visits"] == [{"visitor_id": v["id"], "host": "Ms Zhang",
                                              "since": v["checked_in_at"]}]
        assert "Li Wei" not in str(room.attributes)
        await wait_for(lambda: receiver.received)
        message = receiver.received[0]["message"]
        assert message.startswith("Li Wei is waiting for Ms Zhang in 会客室")
        assert "110101199003071234" not in str(receiver.received)
        out = await hub.services.call("visitor", "check_out", {"visitor_id": v["id"]}, GUARD)
        assert out["checked_out_at"] >= out["checked_in_at"] > 0
        assert state(hub, "meeting_room.gate_room").state == "free"
        with pytest.raises(ServiceValidationError, match="no meeting room 'annex'"):
            await hub.services.call("visitor", "check_in",
                                    visit(destination="meeting_room", meeting_room="annex"),
                                    GUARD)


async def test_room_panic_incident_names_the_visit_with_the_room_camera(
        hub_factory: Any, register_plugin: Any) -> None:
    """A press of the room's panic button: its incident gets a step naming the visit under
    way and a snapshot of the room's camera; the room state survives a restart."""
    register_test_devices(register_plugin)
    receiver = WebhookReceiver(SECRET)
    async with serve(receiver.app()) as url:
        h: HubHarness = await hub_factory(site(url))
        hub = h.hub
        v = await hub.services.call("visitor", "check_in",
                                    visit(destination="meeting_room"), GUARD)
        hub.entities["alarm.room_panic"].press()  # type: ignore[attr-defined]
        panic = await wait_for(lambda: [i for i in hub.incidents.open_incidents()
                                        if i.category == "panic"])
        incident = panic[0]
        await wait_for(lambda: [s for s in incident.timeline if s.action == "meeting_room"])
        step = next(s for s in incident.timeline if s.action == "meeting_room")
        assert step.data["visits"] == [v["id"]] and "host Ms Zhang" in step.note
        await wait_for(lambda: incident.snapshots)
        await hub.stop()
        again = await hub_factory(site(url))
        assert state(again.hub, "meeting_room.gate_room").state == "occupied"
