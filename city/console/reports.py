"""The daily report: per school and per district, incidents, response times, availability.

`availability` is the share of the period a school was heard from (heartbeats);
`device_availability` the share of device-time its devices reported themselves available.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import statistics
from collections import defaultdict
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from .auth import ConsoleUser, Role

__all__ = ["TTA_BUCKETS", "build_report", "report_csv"]

# Time-to-acknowledge histogram: upper bounds in seconds (the last bucket is open).
TTA_BUCKETS = (10, 30, 60, 120, 300)


def _day(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).date().isoformat()


def _days(first: dt.date, last: dt.date) -> list[str]:
    return [(first + dt.timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


async def build_report(conn: AsyncConnection, user: ConsoleUser, first: dt.date,
                       last: dt.date, district: str | None = None,
                       school: str | None = None) -> dict[str, Any]:
    """Return the report for UTC days first..last for the schools the user may see."""
    if user.role == Role.DISTRICT_OFFICER:
        district = user.district
    start = dt.datetime.combine(first, dt.time(), dt.UTC).timestamp()
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), dt.UTC).timestamp()
    scope = {"d": district, "sc": school}
    where = ("(CAST(:d AS text) IS NULL OR s.district = :d) AND "
             "(CAST(:sc AS text) IS NULL OR s.id = :sc)")
    schools = (await conn.execute(text(
        f"SELECT s.id, s.name, s.district FROM schools s WHERE {where} ORDER BY s.district, "
        "s.name"), scope)).all()
    incidents = (await conn.execute(text(
        "SELECT i.school_id, i.category, i.test, i.created_at, i.acknowledged_at "
        f"FROM incidents i JOIN schools s ON s.id = i.school_id WHERE {where} "
        "AND i.created_at >= :a AND i.created_at < :b"), {**scope, "a": start, "b": end})).all()
    uptime = (await conn.execute(text(
        "SELECT u.school_id, u.day, u.online_seconds FROM school_uptime u JOIN schools s "
        f"ON s.id = u.school_id WHERE {where} AND u.day >= :fa AND u.day <= :fb"),
        {**scope, "fa": first.isoformat(), "fb": last.isoformat()})).all()
    devices = await _device_seconds(conn, scope, where, start, end)
    days = _days(first, last)
    now = dt.datetime.now(dt.UTC).timestamp()
    day_seconds = {d: max(1.0, min(86400.0, now - dt.datetime.fromisoformat(d).replace(
        tzinfo=dt.UTC).timestamp())) for d in days}
    per_day: dict[str, dict[str, int]] = {d: defaultdict(int) for d in days}
    tta: list[float] = []
    rows: dict[str, dict[str, Any]] = {
        s.id: {"school": s.id, "name": s.name, "district": s.district, "incidents": 0,
               "panics": 0, "panic_tests": 0, "off_post": 0, "tta": [], "online": 0.0,
               "devices": devices.get(s.id, (0, 0.0, 0.0))}
        for s in schools}
    for inc in incidents:
        row = rows[inc.school_id]
        if inc.test:
            row["panic_tests"] += inc.category == "panic"
            continue
        per_day[_day(inc.created_at)][inc.category] += 1
        row["incidents"] += 1
        row["panics"] += inc.category == "panic"
        row["off_post"] += inc.category == "guard_off_post"
        if inc.acknowledged_at is not None:
            seconds = max(0.0, inc.acknowledged_at - inc.created_at)
            tta.append(seconds)
            row["tta"].append(seconds)
    for up in uptime:
        rows[up.school_id]["online"] += min(up.online_seconds, day_seconds.get(up.day, 86400))
    total_seconds = sum(day_seconds.values())
    school_rows = [_finish(r, total_seconds) for r in rows.values()]
    districts = _districts(school_rows)
    for row in school_rows:
        del row["_device_seconds"]
    return {"first": first.isoformat(), "last": last.isoformat(), "district": district,
            "school": school,
            "per_day": [{"day": d, "categories": dict(per_day[d])} for d in days],
            "tta_histogram": _histogram(tta),
            "schools": school_rows, "districts": districts}


async def _device_seconds(conn: AsyncConnection, scope: dict[str, Any], where: str,
                          start: float, end: float) -> dict[str, tuple[int, float, float]]:
    """Return {school: (devices, seconds available, seconds known)} over [start, end).

    A device's state at `start` is its last report before it; before its first report at
    all, its state is unknown and not counted. The period ends at `end` or now.
    """
    end = min(end, dt.datetime.now(dt.UTC).timestamp())
    params = {**scope, "a": start, "b": end}
    before = (await conn.execute(text(
        "SELECT DISTINCT ON (d.school_id, d.entity_id) d.school_id, d.entity_id, d.at, "
        f"d.available FROM device_status d JOIN schools s ON s.id = d.school_id WHERE {where} "
        "AND d.at < :a ORDER BY d.school_id, d.entity_id, d.at DESC"), params)).all()
    during = (await conn.execute(text(
        "SELECT d.school_id, d.entity_id, d.at, d.available FROM device_status d JOIN schools s "
        f"ON s.id = d.school_id WHERE {where} AND d.at >= :a AND d.at < :b "
        "ORDER BY d.school_id, d.entity_id, d.at"), params)).all()
    changes: dict[tuple[str, str], list[tuple[float, bool]]] = defaultdict(list)
    for row in before:
        changes[(row.school_id, row.entity_id)].append((start, bool(row.available)))
    for row in during:
        changes[(row.school_id, row.entity_id)].append((row.at, bool(row.available)))
    out: dict[str, tuple[int, float, float]] = {}
    for (school, _entity), points in changes.items():
        up = known = 0.0
        for (at, available), (following, _next) in zip(points, [*points[1:], (end, False)],
                                                       strict=True):
            span = max(0.0, following - at)
            known += span
            up += span if available else 0.0
        count, was_up, was_known = out.get(school, (0, 0.0, 0.0))
        out[school] = (count + 1, was_up + up, was_known + known)
    return out


def _finish(row: dict[str, Any], total_seconds: float) -> dict[str, Any]:
    tta = row.pop("tta")
    online = row.pop("online")
    devices, up, known = row.pop("devices")
    return {**row, "tta_median": statistics.median(tta) if tta else None,
            "tta_max": max(tta) if tta else None,
            "availability": round(100.0 * min(1.0, online / total_seconds), 1),
            "devices": devices, "device_availability": _percent(up, known),
            "_device_seconds": (up, known)}


def _percent(part: float, whole: float) -> float | None:
    return round(100.0 * part / whole, 1) if whole > 0 else None


def _histogram(values: list[float]) -> list[dict[str, Any]]:
    counts = [0] * (len(TTA_BUCKETS) + 1)
    for value in values:
        index = next((i for i, bound in enumerate(TTA_BUCKETS) if value <= bound),
                     len(TTA_BUCKETS))
        counts[index] += 1
    labels = [f"≤{b}s" for b in TTA_BUCKETS] + [f">{TTA_BUCKETS[-1]}s"]
    return [{"bucket": label, "count": n} for label, n in zip(labels, counts, strict=True)]


def _districts(schools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in schools:
        groups[row["district"]].append(row)
    out = []
    for district, members in sorted(groups.items()):
        out.append({"district": district, "schools": len(members),
                    **{k: sum(m[k] for m in members)
                       for k in ("incidents", "panics", "panic_tests", "off_post", "devices")},
                    "availability": round(statistics.fmean(m["availability"]
                                                           for m in members), 1),
                    "device_availability": _percent(
                        sum(m["_device_seconds"][0] for m in members),
                        sum(m["_device_seconds"][1] for m in members))})
    return out


def report_csv(report: dict[str, Any]) -> str:
    """Return the report's per-school and per-district rows as CSV."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["level", "district", "school", "name", "incidents", "panics",
                     "panic_tests", "off_post_warnings", "tta_median_s", "tta_max_s",
                     "availability_pct", "devices", "device_availability_pct", "first_day",
                     "last_day"])
    for r in report["schools"]:
        writer.writerow(["school", r["district"], r["school"], r["name"], r["incidents"],
                         r["panics"], r["panic_tests"], r["off_post"],
                         _num(r["tta_median"]), _num(r["tta_max"]), r["availability"],
                         r["devices"], _num(r["device_availability"]), report["first"],
                         report["last"]])
    for d in report["districts"]:
        writer.writerow(["district", d["district"], "", "", d["incidents"], d["panics"],
                         d["panic_tests"], d["off_post"], "", "", d["availability"],
                         d["devices"], _num(d["device_availability"]), report["first"],
                         report["last"]])
    return out.getvalue()


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"
