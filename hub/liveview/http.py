"""HTTP: the police live view behind a signed link (read-only, audited, no login).

The links were sent to the police in incident messages, so the path stays
/api/police/live/<token> (links already sent keep working).
"""

from __future__ import annotations

import asyncio
import html
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ..auth.refusals import RefusalAudit
from ..bus import Context
from ..exceptions import HubError
from ..jsonutil import dumps
from .signer import LiveViewGrant, TokenError

if TYPE_CHECKING:
    from ..camera import Camera
    from . import LiveViewComponent


__all__ = ["LIVE_PATH", "make_app", "register_http", "route_specs"]

LIVE_PATH = "/api/police/live"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# Links carry their token in the path: never leak it in a Referer, never cache.
_PRIVATE = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff"}
_PAGE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"


def _json(value: Any, status: int = 200) -> web.Response:
    return web.Response(text=dumps(value), status=status, content_type="application/json",
                        headers=_PRIVATE)


class LiveViewRoutes:
    """Handlers for the signed links."""

    def __init__(self, component: LiveViewComponent) -> None:
        self.component = component
        self.hub = component.hub
        self.refusals = RefusalAudit(self.hub)

    def _grant(self, request: web.Request, what: str) -> LiveViewGrant:
        signer = self.component.signer
        if signer is None:
            raise web.HTTPNotFound()
        try:
            grant = signer.check(request.match_info["token"])
        except TokenError as exc:
            if not self.refusals.refused("police.live_view_refused", request.remote,
                                         {"reason": str(exc), "what": what}):
                raise web.HTTPTooManyRequests(
                    text="too many refused links; try again later\n",
                    headers={**_PRIVATE, "Retry-After": str(self.refusals.retry_after())}
                ) from None
            raise web.HTTPForbidden(text=f"{exc}\n", headers=_PRIVATE) from None
        self.hub.audit("police.live_view", target=grant.camera or grant.incident_id,
                       details={"incident_id": grant.incident_id, "token_id": grant.token_id,
                                "what": what, "remote": request.remote},
                       context=Context(user_id=f"police-link:{grant.token_id}", origin="http"))
        return grant

    def _camera(self, grant: LiveViewGrant) -> Camera:
        camera = self.hub.entities.get(grant.camera or "")
        if camera is None or not hasattr(camera, "snapshot_bytes"):
            raise web.HTTPNotFound(text="no camera for this link\n", headers=_PRIVATE)
        if TYPE_CHECKING:
            assert isinstance(camera, Camera)
        return camera

    async def info(self, request: web.Request) -> web.StreamResponse:
        """Return the incident summary, the camera and the snapshot links as JSON."""
        grant = self._grant(request, "info")
        return _json(await self._summary(grant, request.match_info["token"]))

    async def _summary(self, grant: LiveViewGrant, token: str) -> dict[str, Any]:
        try:
            incident = await self.hub.incidents.get(grant.incident_id)
        except HubError:
            raise web.HTTPNotFound(text="incident not found\n", headers=_PRIVATE) from None
        base = f"{LIVE_PATH}/{token}"
        return {"incident": {k: incident.as_dict()[k] for k in (
                    "id", "category", "priority", "status", "message", "gate", "created_at",
                    "updated_at")},
                "camera": grant.camera, "expires_at": grant.expires_at,
                "stream": f"{base}/stream.mjpeg" if grant.camera else None,
                "snapshots": [f"{base}/snapshots/{s}.jpg" for s in incident.snapshots]}

    async def page(self, request: web.Request) -> web.StreamResponse:
        """Return a small read-only page: the live camera and the incident's snapshots."""
        grant = self._grant(request, "page")
        info = await self._summary(grant, request.match_info["token"])
        inc = info["incident"]
        esc = html.escape
        live = (f'<h2>Live: {esc(grant.camera or "")}</h2>'
                f'<img alt="live" src="{esc(info["stream"])}">'
                if info["stream"] else "<p>No camera for this incident.</p>")
        expires = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(grant.expires_at))
        snaps = "".join(f'<img alt="snapshot" src="{esc(u)}">' for u in info["snapshots"])
        body = (f"<!doctype html><meta charset=utf-8><title>Incident {esc(inc['id'])}</title>"
                "<style>body{font-family:sans-serif}img{max-width:48%;margin:2px}</style>"
                f"<h1>{esc(inc['message'])}</h1><p>{esc(inc['category'])}, priority "
                f"{inc['priority']}, {esc(inc['status'])}, gate {esc(str(inc['gate']))}</p>"
                f"{live}<h2>Snapshots</h2>{snaps or '<p>None yet.</p>'}"
                f"<p>This link expires at {expires}.</p>")
        return web.Response(text=body, content_type="text/html",
                            headers={**_PRIVATE, "Content-Security-Policy": _PAGE_CSP})

    async def snapshot(self, request: web.Request) -> web.StreamResponse:
        """Return one of the incident's stored snapshots."""
        grant = self._grant(request, "snapshot")
        snap_id = request.match_info["snapshot"]
        incident = await self.hub.incidents.get(grant.incident_id)
        data = await self.hub.snapshots.read(snap_id) if snap_id in incident.snapshots else None
        if data is None:
            raise web.HTTPNotFound(text="no such snapshot for this incident\n", headers=_PRIVATE)
        return web.Response(body=data, content_type="image/jpeg", headers=_PRIVATE)

    async def camera_jpeg(self, request: web.Request) -> web.StreamResponse:
        """Return what the link's camera sees now."""
        grant = self._grant(request, "camera")
        camera = self._camera(grant)
        try:
            async with asyncio.timeout(5):
                data = await camera.snapshot_bytes()
        except (HubError, TimeoutError, OSError) as exc:
            raise web.HTTPServiceUnavailable(text=f"camera: {exc}\n", headers=_PRIVATE) from None
        return web.Response(body=data, content_type="image/jpeg", headers=_PRIVATE)

    async def stream(self, request: web.Request) -> web.StreamResponse:
        """Stream the camera as MJPEG (snapshots at `mjpeg_fps`) until the link expires."""
        grant = self._grant(request, "stream")
        camera = self._camera(grant)
        response = web.StreamResponse(headers={
            **_PRIVATE, "Content-Type": "multipart/x-mixed-replace; boundary=frame"})
        await response.prepare(request)
        interval = 1.0 / self.component.config.mjpeg_fps
        while time.time() < grant.expires_at:
            try:
                async with asyncio.timeout(5):
                    frame = await camera.snapshot_bytes()
            except (HubError, TimeoutError, OSError):
                await asyncio.sleep(interval)
                continue
            try:
                await response.write(b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: "
                                     + str(len(frame)).encode() + b"\r\n\r\n" + frame + b"\r\n")
            except (ConnectionResetError, RuntimeError):
                break
            await asyncio.sleep(interval)
        return response


def route_specs(component: LiveViewComponent) -> list[tuple[str, str, Handler, str]]:
    """Return (method, path, handler, summary) for every route (public: the token is the key)."""
    live = LiveViewRoutes(component)
    token = LIVE_PATH + "/{token}"
    return [
        ("GET", token, live.page, "Police live view page (signed link)."),
        ("GET", token + "/info", live.info, "Incident summary for a signed link."),
        ("GET", token + "/stream.mjpeg", live.stream, "Live camera as MJPEG."),
        ("GET", token + "/camera.jpg", live.camera_jpeg, "Camera snapshot now."),
        ("GET", token + "/snapshots/{snapshot}.jpg", live.snapshot,
         "One of the incident's snapshots."),
    ]


def make_app(component: LiveViewComponent) -> web.Application:
    """Return a bare application with every route (tests, embedding)."""
    app = web.Application()
    for method, path, handler, _summary in route_specs(component):
        app.router.add_route(method, path, handler)
    return app


def register_http(component: LiveViewComponent) -> bool:
    """Add the routes to the panel's server when the `http:` section is set."""
    if "http" not in component.hub.config.sections:
        return False
    from ..http import routing  # the panel's API, loaded only when it runs
    routing.register_routes(component.hub, [
        routing.Route(method, path, handler, roles=None, public=True, summary=summary,
                      tags=("live_view",))
        for method, path, handler, summary in route_specs(component)])
    return True
