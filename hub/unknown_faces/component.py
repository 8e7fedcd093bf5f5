"""Unknown faces after hours (issue 15): `face_unknown` events become incidents by schedule.

The recognition pipeline fires `face_unknown` (camera, gate, snapshot) for a usable face
that matched nobody. With an `unknown_faces:` section, such a face seen while the schedule
is not active (`when: outside`, the default) raises an incident of the configured category
with the face's snapshot; further unknown faces on that camera while it is open are
`repeated` steps on it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ..bus import Event
from ..hubkey import SCHEDULES
from ..incidents.messages import localized_message
from .config import UnknownFacesConfig

if TYPE_CHECKING:
    from ..hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["setup"]

EVENT_FACE_UNKNOWN = "face_unknown"  # hub.recognition.const; not imported: faces may not be set up


async def setup(hub: Hub, config: UnknownFacesConfig | None) -> None:
    """Listen for unknown faces when the section is configured."""
    if config is None or not config.incident:
        return
    remove = hub.bus.listen(EVENT_FACE_UNKNOWN, lambda event: _seen(hub, config, event))
    hub.on_stop(remove)


def _seen(hub: Hub, config: UnknownFacesConfig, event: Event) -> None:
    camera = event.data.get("camera")
    if not isinstance(camera, str) or (config.cameras and camera not in config.cameras):
        return
    schedules = hub.components.get(SCHEDULES)
    try:
        active = schedules is not None and schedules.is_active(config.schedule,
                                                              hub.clock.now())
    except KeyError:
        _LOGGER.error("unknown_faces: schedule %s is not defined", config.schedule)
        return
    if active != (config.when == "inside"):
        return
    hub.create_task(_raise(hub, config, camera, event.data), name=f"unknown face {camera}")


async def _raise(hub: Hub, config: UnknownFacesConfig, camera: str,
                 data: dict[str, Any]) -> None:
    message, text = localized_message("unknown_face", camera=camera, schedule=config.schedule)
    snapshot = data.get("snapshot_id")
    incident = await hub.incidents.raise_incident(
        config.category, source=camera, gate=data.get("gate"), message=message,
        priority=config.priority, data={**text, "best_score": data.get("best_score"),
                                        "snapshot_id": snapshot})
    if isinstance(snapshot, str) and snapshot not in incident.snapshots:
        await hub.incidents.attach_snapshot(incident.id, snapshot, camera)
