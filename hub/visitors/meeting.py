"""Meeting rooms (会客室): visitors who meet their host at the gate instead of entering.

A room's state is `meeting_room.<id>`: `occupied` while a visit checked in to it has not
checked out, else `free`; its attributes name the visits under way by id, host and time (no
visitor names: every panel user sees states; the Visitors page shows names to staff). The
host is told through the configured notify service. An incident of the room's panic button
or camera gets a step naming the visits under way and a snapshot of each room camera.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ..bus import Context, Event
from ..exceptions import HubError, ServiceValidationError
from ..incidents import EVENT_INCIDENT_RAISED
from .config import MeetingRoomConfig, VisitorsConfig

if TYPE_CHECKING:
    from ..hub import Hub

__all__ = ["ROOM_DOMAIN", "MeetingRooms"]

_LOGGER = logging.getLogger(__name__)

ROOM_DOMAIN = "meeting_room"


def _invalid(message: str) -> ServiceValidationError:
    return ServiceValidationError(f"meeting_room: {message}", [("meeting_room", message)])


class MeetingRooms:
    """The configured meeting rooms, their states and the visits under way in each."""

    def __init__(self, hub: Hub, config: VisitorsConfig) -> None:
        self.hub = hub
        self.config = config
        self.rooms = {room.slug: room for room in config.meeting_rooms}
        #: room id -> the visits under way there (as_dict of each)
        self.visits: dict[str, list[dict[str, Any]]] = {slug: [] for slug in self.rooms}
        if self.rooms:
            hub.bus.listen(EVENT_INCIDENT_RAISED, self._on_incident)

    def choose(self, slug: str | None, gate: str) -> MeetingRoomConfig:
        """The room a visit goes to: the one named, else the first at the gate."""
        if not self.rooms:
            raise _invalid("no meeting room is configured (visitors: meeting_rooms:)")
        if slug is not None:
            room = self.rooms.get(slug)
            if room is None:
                raise _invalid(f"no meeting room '{slug}' (rooms: {', '.join(self.rooms)})")
            return room
        here = [room for room in self.rooms.values() if not gate or room.gate == gate]
        return (here or list(self.rooms.values()))[0]

    def show(self, visits: list[dict[str, Any]]) -> None:
        """Take the visits under way (checked in to a room, not out) and write each room."""
        for slug in self.rooms:
            self.visits[slug] = [v for v in visits if v.get("room") == slug]
        for slug, room in self.rooms.items():
            under_way = self.visits[slug]
            self.hub.states.set(f"{ROOM_DOMAIN}.{slug}", "occupied" if under_way else "free", {
                "friendly_name": room.name, "gate": room.gate, "cameras": list(room.cameras),
                "panic": list(room.panic),
                "visits": [{"visitor_id": v["id"], "host": v["host"],
                            "since": v["checked_in_at"]} for v in under_way],
            })

    async def tell_host(self, visit: dict[str, Any], room: MeetingRoomConfig,
                        context: Context) -> str | None:
        """Queue the host's notification; return what went wrong, or None."""
        service = self.config.host_notify
        if not service:
            return None
        domain, name = service.split(".", 1)
        message = (f"{visit['name']} is waiting for {visit['host']} in {room.name} "
                   f"(reason: {visit['reason']}). / 访客{visit['name']}在{room.name}等候"
                   f"{visit['host']}。")
        try:
            await self.hub.services.call(domain, name, {
                "title": f"Visitor for {visit['host']} / 访客来访", "message": message,
                "format": "text"}, context)
        except HubError as err:  # the visit stands; the guard tells the host another way
            _LOGGER.warning("Host of visit %s not notified through %s: %s", visit["id"],
                            service, err)
            return f"the host was not notified through {service}: {err}"
        return None

    def room_of(self, source: str | None) -> MeetingRoomConfig | None:
        """The room whose panic button or camera `source` is."""
        for room in self.rooms.values():
            if source and (source in room.panic or source in room.cameras):
                return room
        return None

    async def _on_incident(self, event: Event) -> None:
        incident = event.data.get("incident") or {}
        room = self.room_of(incident.get("source"))
        if room is None:
            return
        incident_id = event.data["incident_id"]
        under_way = self.visits.get(room.slug, [])
        note = (f"{room.name}: {len(under_way)} visit(s) under way"
                + "".join(f"; host {v['host']}, visit {v['id']}" for v in under_way))
        await self.hub.incidents.add_step(
            incident_id, "meeting_room", note=note, actor="hub", forward=False,
            data={"room": room.slug, "visits": [v["id"] for v in under_way]})
        for camera in room.cameras:
            if camera in (incident.get("cameras") or []):
                continue  # the incident's own cameras are snapshotted already
            entity = self.hub.entities.get(camera)
            snapshot = getattr(entity, "snapshot", None)
            if entity is None or not entity.available or snapshot is None:
                continue
            try:
                result = await snapshot()
            except HubError as err:
                _LOGGER.warning("%s: no snapshot for incident %s: %s", camera, incident_id, err)
                continue
            await self.hub.incidents.attach_snapshot(incident_id, result["snapshot_id"], camera)
