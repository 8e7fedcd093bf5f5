"""HTTP control endpoint of the simulator: trigger events, switch faults, cut and restore."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from .config import Fault
from .events import SPECS

if TYPE_CHECKING:
    from .server import CameraSimulator

SIMULATOR: web.AppKey[CameraSimulator] = web.AppKey("simulator")


async def _status(request: web.Request) -> web.Response:
    return web.json_response(request.app[SIMULATOR].status())


async def _json(request: web.Request) -> dict[str, object]:
    try:
        data = await request.json()
    except ValueError as err:
        raise web.HTTPBadRequest(text=f"body: not JSON ({err})") from err
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="body: expected a JSON object")
    return data


async def _event(request: web.Request) -> web.Response:
    data = await _json(request)
    kind = data.get("kind")
    if kind not in SPECS:
        raise web.HTTPBadRequest(text=f"kind: got {kind!r}, expected one of {sorted(SPECS)}")
    token = data.get("token")
    relays = request.app[SIMULATOR].ctx.relays
    if kind == "relay" and (token or "AlarmOut_1") not in relays:
        raise web.HTTPBadRequest(text=f"token: got {token!r}, expected one of {sorted(relays)}")
    request.app[SIMULATOR].trigger(
        str(kind), bool(data.get("state", True)), str(token) if token else None
    )
    return web.json_response({"ok": True})


async def _fault(request: web.Request) -> web.Response:
    data = await _json(request)
    try:
        fault = Fault(str(data.get("fault", "none")))
    except ValueError as err:
        choices = [f.value for f in Fault]
        raise web.HTTPBadRequest(
            text=f"fault: got {data.get('fault')!r}, expected {choices}"
        ) from err
    request.app[SIMULATOR].set_fault(fault)
    return web.json_response({"ok": True, "fault": fault.value})


async def _down(request: web.Request) -> web.Response:
    await request.app[SIMULATOR].go_down()
    return web.json_response({"ok": True, "down": True})


async def _up(request: web.Request) -> web.Response:
    await request.app[SIMULATOR].come_up()
    return web.json_response({"ok": True, "down": False})


def build_control_app(simulator: CameraSimulator) -> web.Application:
    """GET /status; POST /event {kind, state, token}, /fault {fault}, /down, /up."""
    app = web.Application()
    app[SIMULATOR] = simulator
    app.router.add_get("/status", _status)
    app.router.add_post("/event", _event)
    app.router.add_post("/fault", _fault)
    app.router.add_post("/down", _down)
    app.router.add_post("/up", _up)
    return app
