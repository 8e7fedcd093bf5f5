"""A panic from a school reaches the console; steps and broadcasts go down and come back."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp
import aiomqtt
from sqlalchemy import text

from tests.city.conftest import Platform, client_session, wait_for


async def _incident_rows(platform: Platform, school: str) -> list[tuple[str, int]]:
    async with platform.db.engine.connect() as conn:
        rows = (await conn.execute(text(
            "SELECT id, revision FROM incidents WHERE school_id = :s"), {"s": school})).all()
    return [(r[0], r[1]) for r in rows]


async def _applied(platform: Platform, school: str,
                   marker: str) -> list[tuple[str, int]] | None:
    rows = await _incident_rows(platform, school)
    return rows if any(i == marker for i, _rev in rows) else None


async def test_redelivered_messages_change_nothing(platform: Platform) -> None:
    """The same incident message delivered three times is one incident with one step (a
    later incident of the school, sent after the copies, shows they were all applied)."""
    await platform.start_worker()
    (school,) = await platform.add_schools("north", 1)
    school.cut()
    incident = school.raise_incident("panic", 1)
    topic, raw = school.outbox[-1]
    school.restore()
    await wait_for(lambda: _incident_rows(platform, school.school))
    school.cut()
    marker = school.raise_incident("intrusion", 2)  # queued behind the duplicates
    marker_topic, marker_raw = school.outbox[-1]
    host, _, port = platform.cluster.mqtt_servers()[1].rpartition(":")
    async with aiomqtt.Client(host, int(port), username=school.school,
                              password=school._password, identifier=school.school + "x") as c:
        for _ in range(2):
            await c.publish(topic, raw, qos=1)
        await c.publish(marker_topic, marker_raw, qos=1)
    rows = await wait_for(lambda: _applied(platform, school.school, marker.id))
    assert sorted(rows) == sorted([(incident.id, 1), (marker.id, 1)])
    async with platform.db.engine.connect() as conn:
        steps = (await conn.execute(text(
            "SELECT count(*) FROM incident_steps WHERE school_id = :s AND incident_id = :i"),
            {"s": school.school, "i": incident.id})).scalar()
    assert steps == 1


async def test_acknowledge_goes_down_and_the_guard_step_comes_up(platform: Platform) -> None:
    """Acknowledging at the platform reaches the school's timeline; its steps come back."""
    await platform.start_worker()
    (school,) = await platform.add_schools("north", 1)
    incident = school.raise_incident("panic", 1)
    await wait_for(lambda: _incident_rows(platform, school.school))
    async with client_session() as session:
        csrf = await platform.login(session, "police")
        async with session.post(
                f"{platform.url}/api/incidents/{school.school}/{incident.id}/steps",
                json={"action": "acknowledge", "note": "on our way"},
                headers={"X-CSRF-Token": csrf}) as resp:
            assert resp.status == 202, await resp.text()
            command = (await resp.json())["command"]
        await wait_for(lambda: _status_is(platform, school.school, incident.id, "acknowledged"))
        # The school's own guard notes something: it arrives as the next step.
        school.handle_command({"id": "local", "kind": "incident_step",
                               "incident_id": incident.id, "action": "note",
                               "actor": "guard", "note": "gate closed"})
        detail = await wait_for(lambda: _detail_with_steps(session, platform, school.school,
                                                           incident.id, 3))
        async with session.get(f"{platform.url}/api/commands/{command}") as resp:
            deliveries = (await resp.json())["deliveries"]
    assert incident.steps[1]["actor"] == "city:police"
    assert [(s["action"], s["actor"]) for s in detail["steps"]] == [
        ("raised", "hub"), ("acknowledged", "city:police"), ("note", "city:guard")]
    assert detail["steps"][1]["note"] == "on our way"
    assert deliveries[0]["ok"] is True and deliveries[0]["acked_at"] is not None


async def _status_is(platform: Platform, school: str, incident: str, status: str) -> bool:
    async with platform.db.engine.connect() as conn:
        row = (await conn.execute(text(
            "SELECT status, acknowledged_at FROM incidents WHERE school_id = :s AND id = :i"),
            {"s": school, "i": incident})).first()
    return row is not None and row[0] == status and row[1] is not None


async def _detail_with_steps(session: aiohttp.ClientSession, platform: Platform, school: str,
                             incident: str, count: int) -> dict[str, object] | None:
    async with session.get(f"{platform.url}/api/incidents/{school}/{incident}") as resp:
        detail = await resp.json()
    return detail if len(detail["steps"]) >= count else None


async def test_broadcast_to_a_district_is_acknowledged_per_school(platform: Platform) -> None:
    """A broadcast to a district reaches each of its schools (not others) and each acks."""
    await platform.start_worker()
    district = f"d{time.time_ns() % 100000}"
    inside = await platform.add_schools(district, 3)
    (outside,) = await platform.add_schools("elsewhere", 1)
    async with client_session() as session:
        csrf = await platform.login(session, "admin")
        async with session.post(f"{platform.url}/api/broadcasts", headers={"X-CSRF-Token": csrf},
                                json={"scope": "district", "target": district,
                                      "text": "Please keep the gate clear"}) as resp:
            assert resp.status == 202, await resp.text()
            out = await resp.json()

        async def all_acked() -> list[dict[str, object]] | None:
            async with session.get(f"{platform.url}/api/commands/{out['command']}") as resp:
                rows: list[dict[str, object]] = (await resp.json())["deliveries"]
            return rows if all(r["acked_at"] for r in rows) else None

        deliveries = await wait_for(all_acked)
    assert sorted(d["school"] for d in deliveries) == sorted(s.school for s in inside)
    assert all(d["ok"] for d in deliveries)
    assert all(s.broadcasts[0]["text"] == "Please keep the gate clear" for s in inside)
    assert outside.broadcasts == []


async def test_district_officer_sees_only_their_district(platform: Platform) -> None:
    """A district officer cannot read another district's schools or incidents (list or by id)."""
    await platform.start_worker()
    (north,) = await platform.add_schools("north", 1)
    (south,) = await platform.add_schools("south", 1)
    hidden = south.raise_incident("panic", 1)
    north.raise_incident("intrusion", 2)
    await wait_for(lambda: _incident_rows(platform, south.school))
    await wait_for(lambda: _incident_rows(platform, north.school))
    async with client_session() as session:
        csrf = await platform.login(session, "north")
        async with session.get(f"{platform.url}/api/schools") as resp:
            districts = {s["district"] for s in (await resp.json())["schools"]}
        async with session.get(f"{platform.url}/api/incidents") as resp:
            schools = {i["school"] for i in (await resp.json())["incidents"]}
        async with session.get(
                f"{platform.url}/api/incidents/{south.school}/{hidden.id}") as resp:
            by_id = resp.status
        async with session.post(
                f"{platform.url}/api/incidents/{south.school}/{hidden.id}/steps",
                json={"action": "acknowledge"}, headers={"X-CSRF-Token": csrf}) as resp:
            step = resp.status
        async with session.post(f"{platform.url}/api/broadcasts", headers={"X-CSRF-Token": csrf},
                                json={"scope": "school", "target": south.school,
                                      "text": "x"}) as resp:
            cast = resp.status
        async with session.get(f"{platform.url}/api/reports/daily",
                               params={"school": south.school}) as resp:
            report = resp.status
    assert districts == {"north"}
    assert south.school not in schools and north.school in schools
    assert (by_id, step, cast, report) == (404, 404, 400, 404)


async def test_every_api_route_needs_a_session_and_a_role(platform: Platform) -> None:
    """No session: 401 everywhere; a viewer may read but not act; writes need the CSRF token."""
    routes = [("GET", "/api/me"), ("GET", "/api/schools"), ("GET", "/api/incidents"),
              ("GET", "/api/incidents/a/b"), ("POST", "/api/incidents/a/b/steps"),
              ("POST", "/api/broadcasts"), ("GET", "/api/commands/x"),
              ("GET", "/api/reports/daily"), ("GET", "/api/live"), ("POST", "/api/logout")]
    async with client_session() as session:
        for method, path in routes:
            async with session.request(method, platform.url + path) as resp:
                assert resp.status == 401, (method, path, resp.status)
        csrf = await platform.login(session, "viewer")
        async with session.post(f"{platform.url}/api/broadcasts", headers={"X-CSRF-Token": csrf},
                                json={"scope": "all", "text": "x"}) as resp:
            assert resp.status == 403
        async with session.post(f"{platform.url}/api/incidents/a/b/steps",
                                headers={"X-CSRF-Token": csrf},
                                json={"action": "acknowledge"}) as resp:
            assert resp.status == 403
    async with client_session() as session:
        await platform.login(session, "admin")
        async with session.post(f"{platform.url}/api/broadcasts",
                                json={"scope": "all", "text": "x"}) as resp:
            assert resp.status == 403  # no CSRF header
    async with client_session() as session, session.post(
            f"{platform.url}/api/login", json={"username": "admin", "password": "wrong"}) as resp:
        assert resp.status == 401


async def test_panic_burst_reaches_the_alarm_stream_ahead_of_a_heartbeat_backlog(
        platform: Platform) -> None:
    """Panics appear on the console's live stream as alarms with their school, gate and live
    view, at once: also when raised behind a backlog of heartbeats in their school's
    partition (they arrive before it is worked off), and a burst is read in a few queries."""
    import aio_pika
    from sqlalchemy import event

    (school,) = await platform.add_schools("north", 1)
    base, backlog = time.time() + 1000, 100
    connection = await aio_pika.connect(platform.cluster.amqp_url())
    async with connection:
        exchange = await (await connection.channel()).get_exchange("amq.topic")
        await asyncio.gather(*(exchange.publish(aio_pika.Message(json.dumps(
            {"site": school.school, "at": base + k, "interval": 1.0}).encode()),
            routing_key=f"campus.{school.school}.heartbeat") for k in range(backlog)))
    first = school.raise_incident("panic", 1, gate="north_gate")
    raised = {first.id} | {school.raise_incident("panic", 1).id for _ in range(19)}
    drill = school.raise_incident("panic", 1, test=True)  # a panic-button test: no alarm
    await wait_for(lambda: _true(not school.outbox))  # all 20 behind the heartbeats
    reads: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "FROM incidents i JOIN schools s" in statement:
            reads.append(statement)

    event.listen(platform.db.engine.sync_engine, "before_cursor_execute", note)
    try:
        async with client_session() as session:
            await platform.login(session, "police")
            async with session.ws_connect(f"{platform.url}/api/live") as ws:
                await asyncio.sleep(0.2)
                started = time.monotonic()
                await platform.start_worker()
                alarms: dict[str, dict[str, Any]] = {}
                drill_as = ""
                while alarms.keys() != raised:
                    msg = json.loads((await ws.receive(timeout=10)).data)
                    if msg["type"] == "alarm":
                        alarms[msg["incident"]["id"]] = msg["incident"]
                    if msg["type"] in ("alarm", "incident") and \
                            msg["incident"]["id"] == drill.id:
                        drill_as = msg["type"]
                elapsed = time.monotonic() - started
                while not drill_as:
                    msg = json.loads((await ws.receive(timeout=10)).data)
                    if msg["type"] == "incident" and msg["incident"]["id"] == drill.id:
                        drill_as = msg["type"]
                async with platform.db.engine.connect() as conn:
                    last = (await conn.execute(text(
                        "SELECT last_heartbeat_at FROM schools WHERE id = :s"),
                        {"s": school.school})).scalar()
    finally:
        event.remove(platform.db.engine.sync_engine, "before_cursor_execute", note)
    assert drill_as == "incident", "a panic-button test sounded the alarm wall"
    assert alarms[first.id]["school"] == school.school
    assert alarms[first.id]["gate"] == "north_gate"
    assert alarms[first.id]["live_view_url"] == f"http://127.0.0.1:1/live/{school.school}"
    assert elapsed < 3.0, f"{elapsed:.1f} s from the worker's start to the 20th alarm"
    assert last is None or last < base + backlog - 1, "the panics waited for the backlog"
    assert len(reads) <= 5, f"{len(reads)} incident reads for a burst of 20"

    async def drained() -> bool:  # leave no backlog to the next test
        async with platform.db.engine.connect() as conn:
            return bool((await conn.execute(text(
                "SELECT last_heartbeat_at FROM schools WHERE id = :s"),
                {"s": school.school})).scalar() == base + backlog - 1)

    await wait_for(drained, 60, 0.2)


async def _true(value: bool) -> bool:
    return value
