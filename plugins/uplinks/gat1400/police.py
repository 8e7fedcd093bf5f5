"""A police hit fed back by the views library becomes one `police_hit` incident.

The police category (the disposition's title or code) is mapped through the uplink's
`police_categories` to a handling name; priority and instructions come from that entry,
else from `recognition.categories[name]`, else from `incidents.categories.police_hit`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from hub.hubkey import RECOGNITION
from hub.incidents.messages import localized_message
from hub.recognition.config import RecognitionConfig

from .config import PoliceCategory
from .const import CATEGORY_POLICE_HIT, SOURCE
from .objects import iter_objects
from .times import parse_time

if TYPE_CHECKING:
    from hub import Hub

    from .uplink import Gat1400Uplink

_LOGGER = logging.getLogger(__name__)

__all__ = ["Invalid", "PoliceHits", "images", "photo"]

SNAPSHOT_KIND_POLICE = "police_photo"


class Invalid(ValueError):
    """A record from the platform is wrong; the message names the field."""


class PoliceHits:
    """Turns DispositionNotification objects into incidents with both photos."""

    def __init__(self, uplink: Gat1400Uplink) -> None:
        self.uplink = uplink

    def parse_time(self, value: Any, field: str) -> dt.datetime:
        """Read a time field in any form; Invalid names the field."""
        try:
            return parse_time(value, self.uplink.dialect.zone)
        except ValueError as exc:
            raise Invalid(f"{field}: {exc}") from None

    def handling(self, record: dict[str, Any]) -> PoliceCategory:
        """Return how this record's police category is handled (mapped or the default)."""
        table = self.uplink.cfg.police_categories
        for key in ("DispositionCategory", "Title", "PriorityLevel"):
            value = record.get(key)
            if value is not None and str(value) in table:
                return table[str(value)]
        return PoliceCategory(name=self.uplink.cfg.disposition_category)

    def _graded(self, handling: PoliceCategory) -> tuple[Any, str]:
        hub = self.uplink.hub
        local = _recognition(hub).categories.get(handling.name)
        fallback = hub.incidents.config.category(CATEGORY_POLICE_HIT)
        priority = handling.priority or (local.priority if local else fallback.priority)
        instructions = handling.instructions or (local.instructions if local else "") \
            or fallback.instructions
        return priority, instructions

    async def raise_hit(self, record: dict[str, Any]) -> str:
        """Raise (or repeat) the police_hit incident of one notification; return its id."""
        notification = record.get("NotificationID")
        if not isinstance(notification, str) or not notification:
            raise Invalid("NotificationID: missing")
        face_id = str(record.get("CntObjectID") or "")
        trigger = record.get("TriggerTime")
        when = self.parse_time(trigger, "TriggerTime") if trigger else None
        known = self._disposition_of(record)
        handling = self.handling({**known, **record})
        priority, instructions = self._graded(handling)
        capture = self.uplink.sent.get(face_id)
        camera = capture.get("camera") if capture else None
        title = str(record.get("Title") or known.get("Title") or handling.name)
        data: dict[str, Any] = {
            "police_category": handling.name, "police_title": title,
            "police_reference": notification,
            "disposition_id": record.get("DispositionID"), "face_id": face_id or None,
            "trigger_time": when.isoformat() if when else None, "camera": camera,
            "uplink": self.uplink.name, "instructions": instructions,
        }
        hub = self.uplink.hub
        message, text = localized_message("police_hit", title=title, category=handling.name,
                                          camera=camera or "-")
        incident = await hub.incidents.raise_incident(
            CATEGORY_POLICE_HIT, source=f"{SOURCE}/{notification}", message=message,
            priority=priority, gate=capture.get("gate") if capture else None,
            cameras=[camera] if camera and camera in hub.entities else None,
            data={**data, **text})
        self.uplink.hits += 1
        await self._attach(incident.id, record, capture, camera or f"{SOURCE}.{self.uplink.name}")
        return incident.id

    def _disposition_of(self, record: dict[str, Any]) -> dict[str, Any]:
        ident = record.get("DispositionID")
        faces = self.uplink.hub.components.get(RECOGNITION)
        if not ident or faces is None:
            return {}
        for person in faces.access.people("watch"):
            if person["source"] == f"{SOURCE}:{ident}":
                return {"Title": person["name"], "DispositionCategory": person["group"]}
        return {}

    async def _attach(self, incident_id: str, record: dict[str, Any],
                      capture: dict[str, Any] | None, camera: str) -> None:
        hub = self.uplink.hub
        snaps: dict[str, str | None] = {"capture_snapshot_id": None,
                                        "scene_snapshot_id": None, "police_snapshot_id": None}
        if capture is not None:
            snaps["capture_snapshot_id"] = capture.get("crop_snapshot_id")
            snaps["scene_snapshot_id"] = capture.get("scene_snapshot_id")
        ours = {str(i.get("ImageID")) for face in iter_objects(record, "Face")
                for i in images(face)}
        echoed = next(iter_objects(record, "Face"), None) if capture is None else None
        for n, image in enumerate(images(echoed or {})):
            data = photo(image, n)
            key = "capture_snapshot_id" if image.get("Type") == "11" else "scene_snapshot_id"
            snaps[key] = await hub.snapshots.save(data, camera, incident_id=incident_id,
                                                  kind="face_capture")
        police = [i for obj in (record, record.get("PersonObject") or {})
                  for i in images(obj) if str(i.get("ImageID")) not in ours]
        if police:
            snaps["police_snapshot_id"] = await hub.snapshots.save(
                photo(police[0], 0), camera, incident_id=incident_id,
                kind=SNAPSHOT_KIND_POLICE)
        await hub.incidents.add_step(incident_id, "police_hit", data=dict(snaps))
        for snap in snaps.values():
            if snap is not None:
                await hub.incidents.attach_snapshot(incident_id, snap, camera)


def _recognition(hub: Hub) -> RecognitionConfig:
    """The recognition settings (graded handling per category), configured or default."""
    faces = hub.components.get(RECOGNITION)
    if faces is not None:
        return faces.config
    section = hub.config.sections.get("recognition")
    return section if isinstance(section, RecognitionConfig) else RecognitionConfig()


def images(record: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the SubImageInfoObjects with data of a record's SubImageList."""
    container = record.get("SubImageList")
    items = container.get("SubImageInfoObject") if isinstance(container, dict) else None
    if isinstance(items, dict):
        items = [items]
    return [i for i in items or [] if isinstance(i, dict) and i.get("Data")]


def photo(image: dict[str, Any], n: int) -> bytes:
    """Return the JPEG bytes of a SubImageInfoObject; Invalid if it is none."""
    try:
        data = base64.b64decode(str(image["Data"]), validate=True)
    except (binascii.Error, ValueError):
        raise Invalid(f"SubImageInfoObject[{n}].Data: not base64") from None
    if data[:2] != b"\xff\xd8":
        raise Invalid(f"SubImageInfoObject[{n}].Data: not a JPEG")
    return data
