"""Camera proxy: snapshots and MJPEG streams through the hub, so cameras stay off the LAN."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ..auth.roles import RESPONDERS
from ..camera import Camera
from ..exceptions import HubError, IncidentError
from ..hubkey import RECOGNITION
from ..incidents import POLICE_ROLE, police_visible
from .errors import ApiError
from .routing import Route, principal

if TYPE_CHECKING:
    from .server import HttpComponent

_LOGGER = logging.getLogger(__name__)

__all__ = ["camera_routes"]

_BOUNDARY = "campusframe"


def camera_routes(http: HttpComponent) -> list[Route]:
    """Return the camera and snapshot image routes."""
    hub, cfg = http.hub, http.config

    def camera(request: web.Request) -> Camera:
        entity_id = request.match_info["entity_id"]
        entity = hub.entities.get(entity_id)
        if not isinstance(entity, Camera):
            raise ApiError(404, "not_found", f"entity_id: no camera '{entity_id}'",
                           [("path.entity_id", "unknown camera")])
        if not entity.available:
            raise ApiError(503, "unavailable", f"{entity_id} is unavailable")
        return entity

    async def grab(cam: Camera) -> bytes:
        try:
            async with asyncio.timeout(cfg.camera_timeout):
                return await cam.snapshot_bytes()
        except (TimeoutError, HubError, OSError) as exc:
            raise ApiError(503, "camera_failed", f"{cam.entity_id}: no image ({exc or 'timeout'})"
                           ) from None

    async def snapshot(request: web.Request) -> Any:
        data = await grab(camera(request))
        return web.Response(body=data, content_type="image/jpeg",
                            headers={"Cache-Control": "no-store"})

    async def mjpeg(request: web.Request) -> Any:
        cam = camera(request)
        first = await grab(cam)
        response = web.StreamResponse(headers={
            "Content-Type": f"multipart/x-mixed-replace; boundary={_BOUNDARY}",
            "Cache-Control": "no-store"})
        await response.prepare(request)
        interval = 1.0 / cfg.mjpeg_fps
        frame: bytes | None = first
        while True:
            if frame is not None:
                await response.write(b"--" + _BOUNDARY.encode() + b"\r\nContent-Type: image/jpeg"
                                     b"\r\nContent-Length: " + str(len(frame)).encode()
                                     + b"\r\n\r\n" + frame + b"\r\n")
            await asyncio.sleep(interval)
            try:
                async with asyncio.timeout(cfg.camera_timeout):
                    frame = await cam.snapshot_bytes()
            except (TimeoutError, HubError, OSError) as exc:
                _LOGGER.debug("%s: MJPEG frame failed: %s", cam.entity_id, exc)
                frame = None

    async def police_may_see(snap_id: str) -> bool:
        incident_id = await hub.snapshots.incident_of(snap_id)
        if incident_id is None:
            return False
        try:
            incident = await hub.incidents.get(incident_id)
        except IncidentError:
            return False
        return police_visible(incident, hub.config.incidents)

    async def stored(request: web.Request) -> Any:
        snap_id = request.match_info["snapshot_id"]
        who = principal(request)
        data: bytes | None = None
        recognition = hub.components.get(RECOGNITION)
        faces = recognition.access if recognition is not None else None
        if who.user.role == POLICE_ROLE and not await police_may_see(snap_id):
            data = None  # faces reach the police only on incidents forwarded to them
        elif faces is not None:  # snapshots may show faces: recognition audits each read
            data = await faces.read_capture(snap_id, who.context())
        else:
            data = await hub.snapshots.read(snap_id)
            if data is not None:
                hub.audit("snapshot.read", target=snap_id, context=who.context())
        if data is None:
            raise ApiError(404, "not_found", f"no snapshot '{snap_id[:40]}'",
                           [("path.snapshot_id", "unknown snapshot")])
        return web.Response(body=data, content_type="image/jpeg",
                            headers={"Cache-Control": "private, max-age=86400"})

    return [
        Route("GET", "/api/cameras/{entity_id}/snapshot", snapshot, RESPONDERS,
              "A JPEG of what the camera sees now.", tags=("cameras",), media_type="image/jpeg"),
        Route("GET", "/api/cameras/{entity_id}/mjpeg", mjpeg, RESPONDERS,
              "A live MJPEG stream (multipart/x-mixed-replace).", tags=("cameras",),
              media_type="multipart/x-mixed-replace"),
        Route("GET", "/api/snapshots/{snapshot_id}", stored, RESPONDERS,
              "A stored snapshot (of an incident or a visitor).", tags=("cameras",),
              media_type="image/jpeg"),
    ]
