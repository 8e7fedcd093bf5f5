"""Apply school messages to PostgreSQL, idempotently: a redelivered message changes nothing.

Every write is guarded by what the school stamped on the message: an incident's revision, a
heartbeat's or a device report's time; steps and history rows insert-or-ignore on their key.
Applied changes NOTIFY the consoles (channel `city`) in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from .protocol import Inbound, ProtocolError

_LOGGER = logging.getLogger(__name__)

__all__ = ["NOTIFY_CHANNEL", "apply_message", "epoch"]

NOTIFY_CHANNEL = "city"


def epoch(value: Any, field: str) -> float:
    """Return a time given as epoch seconds or ISO 8601 as epoch seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            pass
    raise ProtocolError(f"{field}: expected a time (epoch seconds or ISO 8601), got {value!r}")


async def _notify(conn: AsyncConnection, **payload: Any) -> None:
    await conn.execute(text("SELECT pg_notify(:c, :p)"),
                       {"c": NOTIFY_CHANNEL, "p": json.dumps(payload, separators=(",", ":"))})


async def _ensure_school(conn: AsyncConnection, school: str) -> None:
    # The broker only admits provisioned schools; this covers a school added to the broker
    # by hand: it appears under district "unassigned" until an admin places it.
    await conn.execute(text(
        "INSERT INTO schools (id, name, district, created_at, heartbeat_seq) "
        "VALUES (:s, :s, 'unassigned', :now, 0) ON CONFLICT (id) DO NOTHING"),
        {"s": school, "now": time.time()})


async def apply_message(conn: AsyncConnection, msg: Inbound) -> None:
    """Apply one message inside the caller's transaction."""
    handler = _HANDLERS[msg.kind]
    await handler(conn, msg)


async def _status(conn: AsyncConnection, msg: Inbound) -> None:
    await _ensure_school(conn, msg.school)
    await conn.execute(text("UPDATE schools SET link_status = :st, link_status_at = :now "
                            "WHERE id = :s"),
                       {"st": msg.body, "now": time.time(), "s": msg.school})
    await _notify(conn, t="school", school=msg.school)


async def _heartbeat(conn: AsyncConnection, msg: Inbound) -> None:
    at = epoch(msg.body.get("at"), "heartbeat.at")
    interval = float(msg.body.get("interval") or 30.0)
    await _ensure_school(conn, msg.school)
    row = (await conn.execute(text(
        "SELECT last_heartbeat_at FROM schools WHERE id = :s FOR UPDATE"),
        {"s": msg.school})).first()
    last = row[0] if row is not None else None
    if last is not None and at <= last:
        return  # a redelivery or an older heartbeat
    await conn.execute(text(
        "UPDATE schools SET last_heartbeat_at = :at, heartbeat_interval = :iv, "
        "heartbeat_seq = heartbeat_seq + 1 WHERE id = :s"),
        {"at": at, "iv": interval, "s": msg.school})
    gap = at - last if last is not None else 0.0
    day = dt.datetime.fromtimestamp(at, dt.UTC).date().isoformat()
    await conn.execute(text(
        "INSERT INTO school_uptime (school_id, day, online_seconds, heartbeats) "
        "VALUES (:s, :d, :g, 1) ON CONFLICT (school_id, day) DO UPDATE SET "
        "online_seconds = school_uptime.online_seconds + :g, "
        "heartbeats = school_uptime.heartbeats + 1"),
        {"s": msg.school, "d": day, "g": gap if 0 < gap <= 2 * interval else 0.0})
    if last is None or at - last > 1.5 * interval:
        await _notify(conn, t="school", school=msg.school)


async def _duties(conn: AsyncConnection, msg: Inbound) -> None:
    at = epoch(msg.body.get("at"), "duties.at")
    gates = msg.body.get("gates")
    if not isinstance(gates, dict):
        raise ProtocolError("duties.gates: expected an object of gates")
    await _ensure_school(conn, msg.school)
    for gate, duties in gates.items():
        await conn.execute(text(
            "INSERT INTO gate_duties (school_id, gate, at, duties) VALUES (:s, :g, :at, :d) "
            "ON CONFLICT (school_id, gate) DO UPDATE SET at = excluded.at, "
            "duties = excluded.duties WHERE gate_duties.at < excluded.at"),
            {"s": msg.school, "g": str(gate)[:64], "at": at, "d": json.dumps(duties)})
    await _notify(conn, t="duties", school=msg.school)


async def _incident(conn: AsyncConnection, msg: Inbound) -> None:
    body = msg.body
    inc, step = body.get("incident"), body.get("step")
    if not isinstance(inc, dict) or not isinstance(step, dict):
        raise ProtocolError("incident message: 'incident' and 'step' objects are required")
    revision = body.get("revision")
    if not isinstance(revision, int) or revision < 1:
        raise ProtocolError(f"incident message: revision must be a positive integer, "
                            f"got {revision!r}")
    step_at = epoch(step.get("at"), "step.at")
    acked = step_at if step.get("action") == "acknowledged" else None
    params = {
        "s": msg.school, "id": str(inc.get("id")), "cat": str(inc.get("category")),
        "prio": int(inc.get("priority") or 3), "st": str(inc.get("status")),
        "title": str(inc.get("title") or ""), "msg": str(inc.get("message") or ""),
        "gate": inc.get("gate"), "test": bool(inc.get("test")),
        "cls": inc.get("classification"),
        "created": epoch(inc.get("created_at"), "incident.created_at"),
        "updated": epoch(inc.get("updated_at"), "incident.updated_at"),
        "acked": acked, "rev": revision, "now": time.time(), "body": json.dumps(body),
        "a": str(step.get("action")), "actor": str(step.get("actor") or "")[:255],
        "at": step_at, "note": str(step.get("note") or ""), "c": NOTIFY_CHANNEL,
    }
    # One statement, one round trip (an alarm's whole way through the worker): the school
    # (see _ensure_school), the incident guarded by its revision, the step, and the NOTIFY
    # when the incident changed. The school is inserted only when missing: an INSERT that
    # meets the row of a school whose heartbeat the other lane's open transaction updated
    # would wait for that transaction (ON CONFLICT checks the newest row version).
    await conn.execute(text(_INCIDENT_SQL), params)


_INCIDENT_SQL = (
    "WITH school AS (INSERT INTO schools (id, name, district, created_at, heartbeat_seq) "
    "SELECT CAST(:s AS varchar), CAST(:s AS varchar), 'unassigned', "
    "CAST(:now AS double precision), 0 WHERE NOT EXISTS (SELECT 1 FROM schools "
    "WHERE id = CAST(:s AS varchar)) ON CONFLICT (id) DO NOTHING), "
    "step AS (INSERT INTO incident_steps (school_id, incident_id, revision, action, actor, at, "
    "note, received_at) VALUES (:s, :id, :rev, :a, :actor, :at, :note, :now) "
    "ON CONFLICT DO NOTHING), "
    "changed AS (INSERT INTO incidents (school_id, id, category, priority, status, title, "
    "message, gate, test, classification, created_at, updated_at, acknowledged_at, revision, "
    "received_at, body) VALUES (:s, :id, :cat, :prio, :st, :title, :msg, :gate, :test, "
    ":cls, :created, :updated, :acked, :rev, :now, :body) "
    "ON CONFLICT (school_id, id) DO UPDATE SET category = excluded.category, "
    "priority = excluded.priority, status = excluded.status, title = excluded.title, "
    "message = excluded.message, gate = excluded.gate, test = excluded.test, "
    "classification = excluded.classification, updated_at = excluded.updated_at, "
    "acknowledged_at = COALESCE(incidents.acknowledged_at, excluded.acknowledged_at), "
    "revision = excluded.revision, body = excluded.body "
    "WHERE incidents.revision < excluded.revision RETURNING (xmax = 0) AS inserted) "
    "SELECT pg_notify(:c, json_build_object('t', 'incident', 'school', CAST(:s AS varchar), "
    "'id', CAST(:id AS text), 'rev', CAST(:rev AS integer), 'new', inserted, "
    "'category', CAST(:cat AS text), 'priority', CAST(:prio AS integer))::text) FROM changed")


async def _device(conn: AsyncConnection, msg: Inbound) -> None:
    body = msg.body
    entity = str(body.get("entity_id") or ".".join(msg.rest[:-1]))[:255]
    at = epoch(body.get("at"), "availability.at")
    params = {"s": msg.school, "e": entity, "at": at, "av": bool(body.get("available")),
              "st": body.get("state"), "r": body.get("reason"), "n": body.get("name")}
    await _ensure_school(conn, msg.school)
    await conn.execute(text(
        "INSERT INTO device_status (school_id, entity_id, at, available, state, reason) "
        "VALUES (:s, :e, :at, :av, :st, :r) ON CONFLICT DO NOTHING"), params)
    await conn.execute(text(
        "INSERT INTO devices (school_id, entity_id, name, available, state, at) "
        "VALUES (:s, :e, :n, :av, :st, :at) ON CONFLICT (school_id, entity_id) DO UPDATE SET "
        "name = excluded.name, available = excluded.available, state = excluded.state, "
        "at = excluded.at WHERE devices.at < excluded.at"), params)


async def _ack(conn: AsyncConnection, msg: Inbound) -> None:
    body = msg.body
    command_id = str(body.get("id") or (msg.rest[0] if msg.rest else ""))
    at = epoch(body.get("at", time.time()), "ack.at")
    result = await conn.execute(text(
        "UPDATE command_deliveries SET acked_at = :at, ok = :ok, error = :err "
        "WHERE command_id = :c AND school_id = :s AND acked_at IS NULL"),
        {"at": at, "ok": bool(body.get("ok")), "err": body.get("error"), "c": command_id,
         "s": msg.school})
    if result.rowcount:
        await _notify(conn, t="ack", school=msg.school, command=command_id)


_HANDLERS = {
    "status": _status,
    "heartbeat": _heartbeat,
    "duties": _duties,
    "incidents": _incident,
    "devices": _device,
    "acks": _ack,
}
