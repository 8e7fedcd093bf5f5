"""The console's aiohttp application: the page, the JSON API, the live WebSocket."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web
from sqlalchemy import text

from ..commands import CommandSender
from ..config import PlatformConfig
from ..db import CityDatabase
from .auth import ACTORS, ALL, COOKIE, STORE_KEY, USER_KEY, Role, UserStore, require
from .live import LiveHub
from .queries import (
    district_of,
    incident_detail,
    list_incidents,
    list_schools,
    schools_in_scope,
)
from .reports import build_report, report_csv

__all__ = ["make_app"]

STATIC = Path(__file__).resolve().parent / "static"
CONFIG_KEY = web.AppKey("city_config", PlatformConfig)
DB_KEY = web.AppKey("city_db", CityDatabase)
SENDER_KEY = web.AppKey("city_sender", CommandSender)
LIVE_KEY = web.AppKey("city_live", LiveHub)
STEP_ACTIONS = ("acknowledge", "dispatch", "note")
BROADCASTERS = frozenset({Role.CITY_ADMIN, Role.DISPATCHER, Role.DISTRICT_OFFICER})


def _bad(message: str, field: str | None = None) -> web.HTTPBadRequest:
    body: dict[str, Any] = {"message": message}
    if field:
        body["errors"] = [{"field": field, "message": message}]
    return web.HTTPBadRequest(text=web.json_response(body).text,
                              content_type="application/json")


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise _bad("the body must be JSON") from None
    if not isinstance(body, dict):
        raise _bad("the body must be a JSON object")
    return body


async def index(_request: web.Request) -> web.FileResponse:
    """Serve the console's single page (it holds no data; the API checks every call)."""
    return web.FileResponse(STATIC / "index.html")


async def login(request: web.Request) -> web.Response:
    """Log in: set the HttpOnly session cookie, return the user and the CSRF token."""
    body = await _json_body(request)
    store = request.app[STORE_KEY]
    try:
        secret, user = await store.login(str(body.get("username", "")),
                                         str(body.get("password", "")), request.remote or "")
    except PermissionError as exc:
        raise web.HTTPUnauthorized(text=web.json_response({"message": str(exc)}).text,
                                   content_type="application/json") from None
    await store.audit(user, "login", {"ip": request.remote})
    response = web.json_response({"user": user.as_dict(), "csrf_token": user.csrf})
    response.set_cookie(COOKIE, secret, httponly=True, samesite="Strict", path="/",
                        secure=request.app[CONFIG_KEY].console.secure_cookies)
    return response


@require(ALL)
async def logout(request: web.Request) -> web.Response:
    """End the session."""
    await request.app[STORE_KEY].logout(request.cookies.get(COOKIE, ""))
    response = web.json_response({"ok": True})
    response.del_cookie(COOKIE, path="/")
    return response


@require(ALL)
async def me(request: web.Request) -> web.Response:
    """Return the logged-in user and the CSRF token."""
    user = request[USER_KEY]
    return web.json_response({"user": user.as_dict(), "csrf_token": user.csrf,
                              "sound": request.app[CONFIG_KEY].console.sound})


@require(ALL)
async def schools(request: web.Request) -> web.Response:
    """Return every school the user may see."""
    async with request.app[DB_KEY].engine.connect() as conn:
        rows = await list_schools(conn, request[USER_KEY],
                                  request.app[CONFIG_KEY].heartbeat_interval)
    return web.json_response({"schools": rows, "now": dt.datetime.now(dt.UTC).timestamp()})


@require(ALL)
async def incidents(request: web.Request) -> web.Response:
    """Return incidents (open ones with ?open=1)."""
    async with request.app[DB_KEY].engine.connect() as conn:
        rows = await list_incidents(conn, request[USER_KEY], request.query.get("open") == "1")
    return web.json_response({"incidents": rows})


@require(ALL)
async def incident(request: web.Request) -> web.Response:
    """Return one incident with its timeline."""
    async with request.app[DB_KEY].engine.connect() as conn:
        found = await incident_detail(conn, request[USER_KEY], request.match_info["school"],
                                      request.match_info["id"])
    if found is None:
        raise web.HTTPNotFound(text='{"message":"no such incident"}',
                               content_type="application/json")
    return web.json_response(found)


@require(ACTORS)
async def incident_step(request: web.Request) -> web.Response:
    """Acknowledge, dispatch or note an incident: the step goes down to the school's hub."""
    user = request[USER_KEY]
    body = await _json_body(request)
    action = body.get("action")
    if action not in STEP_ACTIONS:
        raise _bad(f"expected one of {', '.join(STEP_ACTIONS)}", "action")
    note = str(body.get("note") or "")[:2000]
    school, incident_id = request.match_info["school"], request.match_info["id"]
    async with request.app[DB_KEY].engine.connect() as conn:
        found = await incident_detail(conn, user, school, incident_id)
    if found is None:
        raise web.HTTPNotFound(text='{"message":"no such incident"}',
                               content_type="application/json")
    command_id = await request.app[SENDER_KEY].send(
        "incident_step", {"incident_id": incident_id, "action": action, "note": note},
        [school], user.username, "school", school)
    await request.app[STORE_KEY].audit(user, f"incident_{action}", {
        "school": school, "incident": incident_id, "command": command_id, "note": note})
    return web.json_response({"command": command_id}, status=202)


@require(BROADCASTERS)
async def broadcast(request: web.Request) -> web.Response:
    """Broadcast text (spoken by the schools' speakers) or a stored message."""
    user = request[USER_KEY]
    body = await _json_body(request)
    scope, target = body.get("scope"), body.get("target")
    if scope not in ("school", "district", "all"):
        raise _bad("expected school, district or all", "scope")
    if scope != "all" and not isinstance(target, str):
        raise _bad("the school id or district name is required", "target")
    text_, message = body.get("text"), body.get("message")
    if not (isinstance(text_, str) and text_.strip()) and not isinstance(message, str):
        raise _bad("give text to speak or the name of a stored message", "text")
    async with request.app[DB_KEY].engine.connect() as conn:
        targets = await schools_in_scope(conn, user, str(scope), target)
    if not targets:
        raise _bad("no school of yours is in that scope", "target")
    payload = {"text": text_.strip()[:500] if isinstance(text_, str) else None,
               "message": message}
    command_id = await request.app[SENDER_KEY].send("broadcast", payload, targets,
                                                    user.username, str(scope), target)
    await request.app[STORE_KEY].audit(user, "broadcast", {
        "scope": scope, "target": target, "schools": len(targets), "command": command_id})
    return web.json_response({"command": command_id, "schools": targets}, status=202)


@require(ALL)
async def command_status(request: web.Request) -> web.Response:
    """Return a command's delivery and acknowledgement per school (the user's schools)."""
    user = request[USER_KEY]
    async with request.app[DB_KEY].engine.connect() as conn:
        head = (await conn.execute(text("SELECT * FROM commands WHERE id = :c"),
                                   {"c": request.match_info["id"]})).first()
        rows = (await conn.execute(text(
            "SELECT d.school_id, s.name, s.district, d.sent_at, d.acked_at, d.ok, d.error "
            "FROM command_deliveries d JOIN schools s ON s.id = d.school_id "
            "WHERE d.command_id = :c ORDER BY d.school_id"),
            {"c": request.match_info["id"]})).all()
    visible = [r for r in rows if user.sees(r.district)]
    if head is None or not visible:
        raise web.HTTPNotFound(text='{"message":"no such command"}',
                               content_type="application/json")
    return web.json_response({
        "id": head.id, "kind": head.kind, "scope": head.scope, "target": head.target,
        "actor": head.actor, "created_at": head.created_at, "payload": head.payload,
        "deliveries": [{"school": r.school_id, "name": r.name, "sent_at": r.sent_at,
                        "acked_at": r.acked_at, "ok": r.ok, "error": r.error}
                       for r in visible]})


@require(ALL)
async def daily_report(request: web.Request) -> web.StreamResponse:
    """Return the daily report as JSON, or as CSV with ?format=csv."""
    user = request[USER_KEY]
    try:
        last = dt.date.fromisoformat(request.query.get("last") or
                                     dt.datetime.now(dt.UTC).date().isoformat())
        first = dt.date.fromisoformat(request.query.get("first") or
                                      (last - dt.timedelta(days=6)).isoformat())
    except ValueError:
        raise _bad("dates are YYYY-MM-DD", "first") from None
    if first > last or (last - first).days > 92:
        raise _bad("first must be before last, at most 93 days", "first")
    school = request.query.get("school")
    async with request.app[DB_KEY].engine.connect() as conn:
        if school is not None:
            district = await district_of(conn, school)
            if district is None or not user.sees(district):
                raise web.HTTPNotFound(text='{"message":"no such school"}',
                                       content_type="application/json")
        report = await build_report(conn, user, first, last, request.query.get("district"),
                                    school)
    if request.query.get("format") == "csv":
        return web.Response(text=report_csv(report), content_type="text/csv", headers={
            "Content-Disposition": f'attachment; filename="city-report-{first}-{last}.csv"'})
    return web.json_response(report)


@require(ALL)
async def live(request: web.Request) -> web.WebSocketResponse:
    """The live stream: alarms, incident updates, schools going on/offline, acks."""
    ws = web.WebSocketResponse(heartbeat=20)
    await ws.prepare(request)
    hub = request.app[LIVE_KEY]
    hub.add(ws, request[USER_KEY])
    try:
        async for message in ws:
            if message.type == WSMsgType.ERROR:
                break
    finally:
        hub.remove(ws)
    return ws


async def _security_headers(_request: web.Request, response: web.StreamResponse) -> None:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "no-referrer")


def make_app(config: PlatformConfig, db: CityDatabase, users: UserStore,
             sender: CommandSender) -> web.Application:
    """Return the console application (starts and stops its live stream itself)."""
    app = web.Application()
    app[CONFIG_KEY], app[DB_KEY], app[STORE_KEY], app[SENDER_KEY] = config, db, users, sender
    app[LIVE_KEY] = LiveHub(db, config.heartbeat_interval)
    app.on_response_prepare.append(_security_headers)

    async def live_ctx(app: web.Application) -> AsyncIterator[None]:
        await app[LIVE_KEY].start()
        yield
        await app[LIVE_KEY].stop()

    app.cleanup_ctx.append(live_ctx)
    app.router.add_get("/", index)
    app.router.add_static("/static/", STATIC)
    app.router.add_post("/api/login", login)
    app.router.add_post("/api/logout", logout)
    app.router.add_get("/api/me", me)
    app.router.add_get("/api/schools", schools)
    app.router.add_get("/api/incidents", incidents)
    app.router.add_get("/api/incidents/{school}/{id}", incident)
    app.router.add_post("/api/incidents/{school}/{id}/steps", incident_step)
    app.router.add_post("/api/broadcasts", broadcast)
    app.router.add_get("/api/commands/{id}", command_status)
    app.router.add_get("/api/reports/daily", daily_report)
    app.router.add_get("/api/live", live)
    return app
