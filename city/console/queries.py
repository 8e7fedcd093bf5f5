"""What the console reads: schools with link state and duties, incidents, their timelines."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from .auth import ConsoleUser, Role

__all__ = [
    "district_of",
    "incident_detail",
    "incident_details",
    "is_online",
    "list_incidents",
    "list_schools",
    "schools_in_scope",
]


def _district(user: ConsoleUser) -> str | None:
    return user.district if user.role == Role.DISTRICT_OFFICER else None


def is_online(row: Any, default_interval: float, now: float | None = None) -> bool:
    """Return whether a school is online: a recent heartbeat and no later 'offline' will."""
    now = time.time() if now is None else now
    last = row.last_heartbeat_at
    if last is None:
        return False
    if row.link_status == "offline" and (row.link_status_at or 0) > last:
        return False
    return bool(now - last <= 1.5 * (row.heartbeat_interval or default_interval))


async def list_schools(conn: AsyncConnection, user: ConsoleUser,
                       default_interval: float) -> list[dict[str, Any]]:
    """Return the schools the user may see, with online state, open incidents and duties."""
    district = _district(user)
    rows = (await conn.execute(text(
        "SELECT s.*, (SELECT count(*) FROM incidents i WHERE i.school_id = s.id AND "
        "i.status IN ('raised', 'acknowledged', 'dispatched')) AS open_incidents "
        "FROM schools s WHERE (CAST(:d AS text) IS NULL OR s.district = :d) "
        "ORDER BY s.district, s.name"), {"d": district})).all()
    duties: dict[str, dict[str, Any]] = {}
    for row in (await conn.execute(text(
            "SELECT g.school_id, g.gate, g.at, g.duties FROM gate_duties g JOIN schools s "
            "ON s.id = g.school_id WHERE (CAST(:d AS text) IS NULL OR s.district = :d)"),
            {"d": district})).all():
        duties.setdefault(row.school_id, {})[row.gate] = {"at": row.at, **(row.duties or {})}
    now = time.time()
    return [{"id": r.id, "name": r.name, "district": r.district,
             "live_view_url": r.live_view_url, "online": is_online(r, default_interval, now),
             "last_heartbeat_at": r.last_heartbeat_at, "open_incidents": r.open_incidents,
             "gates": duties.get(r.id, {})} for r in rows]


async def schools_in_scope(conn: AsyncConnection, user: ConsoleUser, scope: str,
                           target: str | None) -> list[str]:
    """Return the school ids a broadcast to `scope` (school/district/all) reaches for the user."""
    district = _district(user)
    if scope == "school":
        where, params = "id = :t", {"t": target}
    elif scope == "district":
        where, params = "district = :t", {"t": target}
    else:
        where, params = "true", {}
    rows = (await conn.execute(text(
        f"SELECT id FROM schools WHERE {where} AND (CAST(:d AS text) IS NULL OR district = :d) "
        "ORDER BY id"), {**params, "d": district})).all()
    return [r.id for r in rows]


async def district_of(conn: AsyncConnection, school: str) -> str | None:
    """Return a school's district (None: unknown school)."""
    row = (await conn.execute(text("SELECT district FROM schools WHERE id = :s"),
                              {"s": school})).first()
    return row[0] if row else None


async def list_incidents(conn: AsyncConnection, user: ConsoleUser, open_only: bool,
                         limit: int = 200) -> list[dict[str, Any]]:
    """Return incidents the user may see, newest first."""
    rows = (await conn.execute(text(
        "SELECT i.school_id, s.name AS school_name, s.district, s.live_view_url, i.id, "
        "i.category, i.priority, i.status, i.title, i.message, i.gate, i.test, "
        "i.created_at, i.acknowledged_at, i.revision, i.received_at, i.body "
        "FROM incidents i JOIN schools s ON s.id = i.school_id "
        "WHERE (CAST(:d AS text) IS NULL OR s.district = :d) "
        "AND (NOT :o OR i.status IN ('raised', 'acknowledged', 'dispatched')) "
        "ORDER BY i.created_at DESC LIMIT :lim"),
        {"d": _district(user), "o": open_only, "lim": limit})).all()
    return [_incident(r) for r in rows]


def _incident(r: Any) -> dict[str, Any]:
    body = r.body or {}
    live = body.get("live_view") or {}
    return {"school": r.school_id, "school_name": r.school_name, "district": r.district,
            "id": r.id, "category": r.category, "priority": r.priority, "status": r.status,
            "title": r.title, "message": r.message, "gate": r.gate, "test": r.test,
            "created_at": r.created_at, "acknowledged_at": r.acknowledged_at,
            "revision": r.revision, "received_at": r.received_at,
            "snapshots": [s.get("url") for s in body.get("snapshots", []) if s.get("url")],
            "live_view_url": live.get("url") or r.live_view_url}


async def incident_detail(conn: AsyncConnection, user: ConsoleUser, school: str,
                          incident_id: str) -> dict[str, Any] | None:
    """Return one incident with its timeline and the platform's commands about it."""
    return (await incident_details(conn, user, [(school, incident_id)])).get((school, incident_id))


async def incident_details(conn: AsyncConnection, user: ConsoleUser,
                           keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Return these incidents (school, id) with their timelines, in two queries; an incident
    the user may not see, or that does not exist, is left out."""
    if not keys:
        return {}
    wanted = {"s": [k[0] for k in keys], "i": [k[1] for k in keys]}
    rows = (await conn.execute(text(
        "SELECT i.school_id, s.name AS school_name, s.district, s.live_view_url, i.id, "
        "i.category, i.priority, i.status, i.title, i.message, i.gate, i.test, "
        "i.created_at, i.acknowledged_at, i.revision, i.received_at, i.body "
        "FROM incidents i JOIN schools s ON s.id = i.school_id "
        "WHERE (i.school_id, i.id) IN (SELECT * FROM unnest(CAST(:s AS text[]), "
        "CAST(:i AS text[])))"), wanted)).all()
    found = {(r.school_id, r.id): {**_incident(r), "steps": []} for r in rows
             if user.sees(r.district)}
    if not found:
        return {}
    steps = (await conn.execute(text(
        "SELECT school_id, incident_id, revision, action, actor, at, note FROM incident_steps "
        "WHERE (school_id, incident_id) IN (SELECT * FROM unnest(CAST(:s AS text[]), "
        "CAST(:i AS text[]))) ORDER BY school_id, incident_id, revision"), wanted)).all()
    for s in steps:
        if (s.school_id, s.incident_id) in found:
            found[(s.school_id, s.incident_id)]["steps"].append({
                "revision": s.revision, "action": s.action, "actor": s.actor, "at": s.at,
                "note": s.note})
    return found
