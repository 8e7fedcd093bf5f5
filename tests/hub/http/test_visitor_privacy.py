"""Visitors' ID and phone numbers: masked in the audit log and events, reads audited, expired."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import update

from hub.visitors.models import VisitorRow

from .helpers import Api

ID_NUMBER = "110101199001011234"
PHONE = "13812345678"
VISITOR = {"name": "Li Wei", "id_number": ID_NUMBER, "phone": PHONE,
           "reason": "parents' meeting", "host": "Ms Zhang", "gate": "main",
           "metal_result": "clear"}


async def _check_in(api: Api, **extra: Any) -> dict[str, Any]:
    status, body = await api.call("POST", "/api/services/visitor/check_in", role="guard",
                                  json={**VISITOR, **extra})
    assert status == 200, body
    result: dict[str, Any] = body["result"]
    return result


async def test_numbers_masked_in_audit_and_service_called(api: Api) -> None:
    """The audit log and a guard's service_called stream show only the last four digits."""
    assert api.session is not None
    ws = await api.session.ws_connect(api.url + "/api/websocket",
                                      headers={"Authorization": f"Bearer {api.tokens['guard']}"})
    await ws.receive_json(timeout=5)
    await ws.send_json({"id": 1, "type": "subscribe_events", "event_type": "service_called"})
    await _check_in(api)
    called = None
    while called is None:
        msg = await ws.receive_json(timeout=5)
        if msg.get("type") == "event" and msg["event"]["data"]["service"] == "check_in":
            called = msg["event"]["data"]["service_data"]
    await ws.close()
    assert called["id_number"] == "*" * 14 + "1234" and called["phone"] == "*******5678"
    status, audit = await api.call("GET", "/api/audit?limit=200")
    assert status == 200
    text = json.dumps(audit)
    assert ID_NUMBER not in text and PHONE not in text
    assert "*" * 14 + "1234" in text


async def test_visitor_reads_masked_and_audited(api: Api) -> None:
    """Guards and police see masked numbers; admins the full ones; every read is audited."""
    await _check_in(api, locker="2")
    for role in ("guard", "police"):
        status, log = await api.call("GET", "/api/visitors", role=role)
        assert status == 200 and log["items"][0]["id_number"] == "*" * 14 + "1234"
        assert log["items"][0]["phone"] == "*******5678"
    status, lockers = await api.call("GET", "/api/visitors/lockers", role="guard")
    assert ID_NUMBER not in json.dumps(lockers)
    status, log = await api.call("GET", "/api/visitors", role="admin")
    assert log["items"][0]["id_number"] == ID_NUMBER
    _, audit = await api.call("GET", "/api/audit?action=visitors.read&limit=50")
    readers = {entry["user"] for entry in audit["items"]}
    assert {"guard", "police", "admin"} <= readers
    visit_id = log["items"][0]["id"]
    assert all(entry["details"]["visits"] == [visit_id] for entry in audit["items"])


async def test_visits_past_retention_purged(api: Api) -> None:
    """A visit checked in 91 days ago is deleted with its photo; a recent one stays."""
    visitors = api.hub.components["visitors"]
    assert visitors.config.retention_days == 90
    _, photo = await api.call("POST", "/api/services/visitor/take_photo", role="guard",
                              json={"gate": "main"})
    snap = photo["result"]["snapshot_id"]
    old = await _check_in(api, photo=snap)
    recent = await _check_in(api, name="Wang Fang")
    async with visitors.db.session() as session:
        await session.execute(update(VisitorRow).where(VisitorRow.id == old["id"]).values(
            checked_in_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=91)))
        await session.commit()
    assert await visitors.purge() == 1
    _, log = await api.call("GET", "/api/visitors", role="admin")
    assert [v["id"] for v in log["items"]] == [recent["id"]]
    status, _ = await api.call("GET", f"/api/snapshots/{snap}", role="guard")
    assert status == 404
    _, audit = await api.call("GET", "/api/audit?action=visitors.purged")
    assert audit["items"][0]["details"] == {"visits": 1, "retention_days": 90}
