"""Control surface of the simulated site: HTTP on 127.0.0.1 and the `python -m simulators` CLI.

HTTP (JSON): ``GET /api/site`` address book, ``GET /api/state`` every device,
``POST /api/press/{input}`` (``{"hold": s}``), ``POST /api/release/{input}``,
``POST /api/wire/{input}`` (``{"cut": true}``), ``POST /api/walk`` (``{"metal": true,
"zone": 3, "detector": "metal_1"}``), ``POST /api/cut/{device}``,
``POST /api/restore/{device}``, ``POST /api/fault/{device}`` (``{"mode": "mute"}``),
``POST /api/barrier/{device}/{command}`` (local buttons: open, close, stop, hold_open,
release, reset, jam, block, clear).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .site import Site

__all__ = ["SITE_KEY", "main", "make_control_app"]

SITE_KEY = web.AppKey("site", Site)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def make_control_app(site: Site) -> web.Application:
    """Return the control application for `site`."""
    app = web.Application()
    app[SITE_KEY] = site
    app.router.add_get("/api/site", _site)
    app.router.add_get("/api/state", _state)
    app.router.add_post("/api/press/{input}", _press)
    app.router.add_post("/api/release/{input}", _release)
    app.router.add_post("/api/wire/{input}", _wire)
    app.router.add_post("/api/walk", _walk)
    app.router.add_post("/api/cut/{device}", _cut)
    app.router.add_post("/api/restore/{device}", _restore)
    app.router.add_post("/api/fault/{device}", _fault)
    app.router.add_post("/api/barrier/{device}/{command}", _barrier)
    app.router.add_post("/api/locker/{device}/{door}/{action}", _locker)
    app.middlewares.append(_errors)
    return app


@web.middleware
async def _errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn lookups of unknown names and bad values into 404 / 400 JSON answers."""
    try:
        return await handler(request)
    except KeyError as err:
        return web.json_response({"error": str(err.args[0])}, status=404)
    except (ValueError, IndexError, TypeError) as err:
        return web.json_response({"error": str(err)}, status=400)


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        data = await request.json()
    except json.JSONDecodeError as err:
        raise ValueError(f"invalid JSON body: {err}") from err
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    return data


def _ok(**data: Any) -> web.Response:
    return web.json_response({"ok": True, **data})


async def _site(request: web.Request) -> web.Response:
    site = request.app[SITE_KEY]
    return web.json_response(site.address_book(str(request.url.origin())))


async def _state(request: web.Request) -> web.Response:
    return web.json_response(request.app[SITE_KEY].snapshot())


async def _press(request: web.Request) -> web.Response:
    hold = (await _body(request)).get("hold")
    if hold is not None and not isinstance(hold, int | float):
        raise ValueError("hold: expected seconds")
    request.app[SITE_KEY].press(request.match_info["input"], hold)
    return _ok(pressed=request.match_info["input"], hold=hold)


async def _release(request: web.Request) -> web.Response:
    request.app[SITE_KEY].release(request.match_info["input"])
    return _ok(released=request.match_info["input"])


async def _wire(request: web.Request) -> web.Response:
    cut = bool((await _body(request)).get("cut", True))
    request.app[SITE_KEY].cut_wire(request.match_info["input"], cut)
    return _ok(input=request.match_info["input"], wire_cut=cut)


async def _walk(request: web.Request) -> web.Response:
    data = await _body(request)
    zone = data.get("zone")
    if zone is not None and not isinstance(zone, int):
        raise ValueError("zone: expected an integer")
    detector = str(data.get("detector", "metal_1"))
    request.app[SITE_KEY].walk(bool(data.get("metal", False)), zone, detector)
    return _ok(detector=detector, metal=bool(data.get("metal", False)), zone=zone)


async def _cut(request: web.Request) -> web.Response:
    await request.app[SITE_KEY].cut(request.match_info["device"])
    return _ok(cut=request.match_info["device"])


async def _restore(request: web.Request) -> web.Response:
    await request.app[SITE_KEY].restore(request.match_info["device"])
    return _ok(restored=request.match_info["device"])


async def _fault(request: web.Request) -> web.Response:
    mode = str((await _body(request)).get("mode", "none"))
    request.app[SITE_KEY].fault(request.match_info["device"], mode)
    return _ok(device=request.match_info["device"], mode=mode)


async def _barrier(request: web.Request) -> web.Response:
    barrier = request.app[SITE_KEY].barrier(request.match_info["device"])
    command = request.match_info["command"]
    if command == "jam":
        barrier.jam()
    elif command in ("block", "clear"):
        barrier.set_photocell(command == "block")
    elif command in ("open", "close", "stop", "hold_open", "release", "reset"):
        barrier.command(command)
    else:
        raise ValueError(f"unknown barrier command {command!r}")
    return _ok(device=request.match_info["device"], motion=str(barrier.motion))


async def _locker(request: web.Request) -> web.Response:
    device, action = request.match_info["device"], request.match_info["action"]
    door = int(request.match_info["door"])
    request.app[SITE_KEY].locker(device, door, action)
    return _ok(device=device, door=door, action=action)


def main(argv: list[str] | None = None) -> int:
    """CLI entry point (`campus-hub sim ...` delegates here): see simulators.cli."""
    from .cli import main as cli_main

    return cli_main(argv)
