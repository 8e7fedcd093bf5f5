"""The daily report's figures on known data: per school, per district, as JSON and as CSV.

Rows are written straight into the platform's database for two past UTC days, so every
figure is known: incidents by category and day, time to acknowledge, panic tests, off-post
warnings, school availability (heartbeats) and device availability (status history).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import secrets
from pathlib import Path
from typing import Any

from sqlalchemy import text

from hub.alarm import AlarmInput
from hub.plugins import PluginRegistry
from hub.recognition.const import CATEGORY_GUARD_OFF_POST
from tests.city.conftest import Platform, client_session, wait_for
from tests.city.hubs import start_hub_schools

DAY1 = dt.date(2026, 3, 2)
T0 = dt.datetime.combine(DAY1, dt.time(), dt.UTC).timestamp()  # DAY1 00:00 UTC
H = 3600.0


def _incident(school: str, category: str, at: float, acked_after: float | None = None,
              test: bool = False) -> dict[str, Any]:
    return {"s": school, "id": secrets.token_hex(8), "c": category, "t": test, "at": at,
            "ack": None if acked_after is None else at + acked_after}


async def _load(platform: Platform, a: str, b: str, c: str, days_later: int = 0) -> None:
    """Three schools (A, B in north; C in south) and their two days from T0 + days_later."""
    t0 = T0 + days_later * 24 * H
    day1, day2 = (DAY1 + dt.timedelta(days=days_later + i) for i in (0, 1))
    incidents = [
        _incident(a, "panic", t0 + 10 * H, 20), _incident(a, "panic", t0 + 33 * H, 100),
        _incident(a, "intrusion", t0 + 36 * H), _incident(a, "guard_off_post", t0 + 8 * H, 400),
        _incident(a, "panic", t0 + 11 * H, 3, test=True),
        _incident(b, "panic", t0 + 14 * H, 5),
        _incident(c, "panic", t0 + 30 * H, 50), _incident(c, "panic", t0 + 50 * H, 1),  # day 3
    ]
    statuses = [  # (school, entity, at, available)
        (a, "alarm.panic_main", t0 - H, True), (a, "alarm.panic_main", t0 + 24 * H, False),
        (a, "alarm.panic_main", t0 + 36 * H, True), (a, "camera.gate", t0 + 12 * H, True),
        (b, "alarm.panic_main", t0 - 30 * H, False), (b, "alarm.panic_main", t0 - 2 * H, True),
    ]
    async with platform.db.engine.begin() as conn:
        await conn.execute(text(
            "INSERT INTO schools (id, name, district, created_at, heartbeat_seq) "
            "VALUES (:id, :n, :d, 0, 0)"),
            [{"id": a, "n": "School A", "d": "north"}, {"id": b, "n": "School B", "d": "north"},
             {"id": c, "n": "School C", "d": "south"}])
        await conn.execute(text(
            "INSERT INTO incidents (school_id, id, category, priority, status, title, message, "
            "test, created_at, updated_at, acknowledged_at, revision, received_at, body) "
            "VALUES (:s, :id, :c, 1, 'raised', '', '', :t, :at, :at, :ack, 1, :at, '{}')"),
            incidents)
        await conn.execute(text(
            "INSERT INTO school_uptime (school_id, day, online_seconds, heartbeats) "
            "VALUES (:s, :d, :sec, 1)"),
            [{"s": s, "d": d.isoformat(), "sec": sec} for s, d, sec in (
                (a, day1, 86400.0), (a, day2, 43200.0), (b, day1, 86400.0),
                (b, day2, 90000.0))])  # more than a day's seconds counts as the whole day
        await conn.execute(text(
            "INSERT INTO device_status (school_id, entity_id, at, available) "
            "VALUES (:s, :e, :at, :up)"),
            [{"s": s, "e": e, "at": at, "up": up} for s, e, at, up in statuses])


async def test_daily_report_figures_per_school_and_district(platform: Platform) -> None:
    """Known incidents, heartbeats and device history give the expected report and CSV."""
    tag = secrets.token_hex(3)
    a, b, c = f"ra{tag}", f"rb{tag}", f"rc{tag}"
    await _load(platform, a, b, c)
    query = {"first": "2026-03-02", "last": "2026-03-03"}
    async with client_session() as session:
        await platform.login(session, "admin")
        async with session.get(f"{platform.url}/api/reports/daily", params=query) as resp:
            report = await resp.json()
        async with session.get(f"{platform.url}/api/reports/daily",
                               params={**query, "format": "csv"}) as resp:
            assert resp.headers["Content-Type"].startswith("text/csv")
            rows = list(csv.DictReader(io.StringIO(await resp.text())))
    schools = {r["school"]: r for r in report["schools"] if r["school"] in (a, b, c)}
    assert {k: schools[a][k] for k in ("incidents", "panics", "panic_tests", "off_post",
                                       "tta_median", "tta_max", "availability", "devices",
                                       "device_availability")} == {
        "incidents": 4, "panics": 2, "panic_tests": 1, "off_post": 1, "tta_median": 100.0,
        "tta_max": 400.0, "availability": 75.0, "devices": 2,
        # panic button up 24 h + 12 h of 48 h, camera up all 36 h since its first report
        "device_availability": round(100 * (36 + 36) / (48 + 36), 1)}
    assert (schools[b]["incidents"], schools[b]["tta_median"], schools[b]["availability"],
            schools[b]["device_availability"]) == (1, 5.0, 100.0, 100.0)
    assert (schools[c]["incidents"], schools[c]["availability"], schools[c]["devices"],
            schools[c]["device_availability"]) == (1, 0.0, 0, None)
    days = {d["day"]: d["categories"] for d in report["per_day"]}
    assert days == {"2026-03-02": {"panic": 2, "guard_off_post": 1},
                    "2026-03-03": {"panic": 2, "intrusion": 1}}
    assert [h["count"] for h in report["tta_histogram"]] == [1, 1, 1, 1, 0, 1]
    north = next(d for d in report["districts"] if d["district"] == "north")
    assert {k: north[k] for k in ("schools", "incidents", "panics", "panic_tests", "off_post",
                                  "availability", "devices", "device_availability")} == {
        "schools": 2, "incidents": 5, "panics": 3, "panic_tests": 1, "off_post": 1,
        "availability": 87.5, "devices": 3, "device_availability": round(100 * 120 / 132, 1)}
    by_level = {(r["level"], r["school"] or r["district"]): r for r in rows}
    assert by_level[("school", a)]["tta_median_s"] == "100.0"
    assert by_level[("school", a)]["off_post_warnings"] == "1"
    assert by_level[("school", c)]["device_availability_pct"] == ""
    assert by_level[("district", "north")]["incidents"] == "5"
    assert by_level[("district", "north")]["device_availability_pct"] == "90.9"


async def test_a_district_officer_reports_on_their_district_only(platform: Platform) -> None:
    """North's officer asking for south's district or the whole city gets north only."""
    tag = secrets.token_hex(3)
    a, b, c = f"ra{tag}", f"rb{tag}", f"rc{tag}"
    await _load(platform, a, b, c, days_later=10)
    query = {"first": "2026-03-12", "last": "2026-03-13"}
    async with client_session() as session:
        await platform.login(session, "north")
        async with session.get(f"{platform.url}/api/reports/daily",
                               params={**query, "district": "south"}) as resp:
            asked_south = await resp.json()
        async with session.get(f"{platform.url}/api/reports/daily",
                               params={**query, "format": "csv"}) as resp:
            rows = list(csv.DictReader(io.StringIO(await resp.text())))
        async with session.get(f"{platform.url}/api/reports/daily",
                               params={**query, "school": c}) as resp:
            assert resp.status == 404
    assert {s["district"] for s in asked_south["schools"]} == {"north"}
    assert [d["district"] for d in asked_south["districts"]] == ["north"]
    assert c not in {s["school"] for s in asked_south["schools"]}
    assert {r["district"] for r in rows} == {"north"}


async def test_a_real_hubs_off_post_warning_and_panic_test_are_in_todays_report(
        platform: Platform, plugin_registry: PluginRegistry, tmp_path: Path) -> None:
    """A school's hub with the city uplink's defaults: an off-post warning (the watcher's
    incident) and a test of the panic button reach the platform, and today's report counts
    them in JSON and CSV (one off-post warning, one panic test, no panic); before, off-post
    warnings were never sent and the report said 0 for every real school."""
    await platform.start_worker()
    (school,) = await start_hub_schools(platform, plugin_registry, tmp_path, "north", 1)
    assert school.hub is not None
    warning = await school.hub.incidents.raise_incident(
        CATEGORY_GUARD_OFF_POST, source="camera.gate", gate="main", cameras=["camera.gate"],
        message="No guard seen on camera.gate for 10 min during duty")
    button = school.hub.entities["alarm.panic_main"]
    assert isinstance(button, AlarmInput)
    await button.test()  # what the panel's alarm.test service does

    async def stored() -> list[tuple[str, bool]] | None:
        async with platform.db.engine.connect() as conn:
            rows = [(r[0], bool(r[1])) for r in (await conn.execute(text(
                "SELECT category, test FROM incidents WHERE school_id = :s ORDER BY category"),
                {"s": school.school})).all()]
        return rows if len(rows) == 2 else None

    assert await wait_for(stored, timeout=20) == [(CATEGORY_GUARD_OFF_POST, False),
                                                   ("panic", True)]
    today = dt.datetime.now(dt.UTC).date().isoformat()
    query = {"first": today, "last": today, "school": school.school}
    async with client_session() as session:
        await platform.login(session, "admin")
        async with session.get(f"{platform.url}/api/reports/daily", params=query) as resp:
            (row,) = (await resp.json())["schools"]
        async with session.get(f"{platform.url}/api/reports/daily",
                               params={**query, "format": "csv"}) as resp:
            (csv_row,) = [r for r in csv.DictReader(io.StringIO(await resp.text()))
                          if r["level"] == "school"]
    assert warning.id
    assert (row["off_post"], row["panic_tests"], row["panics"], row["incidents"]) == (1, 1, 0, 1)
    assert (csv_row["off_post_warnings"], csv_row["panic_tests"], csv_row["panics"]) == (
        "1", "1", "0")
