"""Every JSON input refuses NaN, Infinity and text that is not Unicode, naming the field;
every JSON output stays standard JSON (issue 10, items 2 and 3)."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest

from .helpers import Api

# Raw bodies: json.dumps cannot write a lone surrogate escape, so they are spelled out.
NON_FINITE = [("NaN", "nan"), ("Infinity", "inf"), ("-Infinity", "-inf"), ("1e999", "inf")]


def _strict(text: str) -> Any:
    """Parse as a strict receiver does (orjson refuses NaN, Infinity and lone surrogates)."""
    return orjson.loads(text)


async def _post(api: Api, path: str, raw: str, role: str | None = "guard") -> tuple[int, Any]:
    return await api.call("POST", path, role=role, data=raw.encode(),
                          headers={"Content-Type": "application/json"})


@pytest.mark.parametrize(("literal", "shown"), NON_FINITE)
async def test_service_call_refuses_non_finite_numbers(api: Api, literal: str,
                                                       shown: str) -> None:
    """incident.raise with NaN/Infinity in data: 400 naming the field; nothing raised."""
    body = '{"category": "panic", "data": {"readings": [1, {"level": LITERAL}]}}'.replace(
        "LITERAL", literal)
    status, answer = await _post(api, "/api/services/incident/raise", body)
    assert status == 400, answer
    assert answer["errors"][0]["field"] == "body.data.readings[1].level"
    assert shown in answer["message"]
    assert api.hub.incidents.all() == []


@pytest.mark.parametrize(("raw", "field"), [
    ('{"category": "panic", "message": "help \\ud800"}', "body.message"),
    ('{"category": "panic", "data": {"note": ["ok", "\\udfff x"]}}', "body.data.note[1]"),
    ('{"category": "panic", "data": {"\\ud800": 1}}', "body.data.?"),
])
async def test_service_call_refuses_lone_surrogates(api: Api, raw: str, field: str) -> None:
    """Text that cannot be encoded as UTF-8 is a 400 naming the field, before any audit."""
    audited: list[Any] = []
    api.hub.bus.listen("audit_logged", audited.append)
    status, answer = await _post(api, "/api/services/incident/raise", raw)
    assert status == 400, answer
    assert answer["errors"][0]["field"] == field
    assert "surrogate" in answer["errors"][0]["message"]
    assert api.hub.incidents.all() == []
    assert audited == []


async def test_body_model_routes_and_webhook_refuse_too(api: Api) -> None:
    """Routes with a body model (login) and the automation webhook use the same check."""
    status, answer = await _post(api, "/api/auth/login",
                                 '{"name": "guard\\ud800", "password": "x"}', role=None)
    assert status == 400 and answer["errors"][0]["field"] == "body.name", answer
    status, answer = await _post(api, "/api/webhook/anything", '{"x": [NaN]}')
    assert status == 400 and answer["errors"][0]["field"] == "body.x[0]", answer
    status, answer = await _post(api, "/api/webhook/anything", '{"x": ')
    assert status == 400 and answer["error"] == "invalid_json", answer


async def test_websocket_refuses_with_the_message_id(api: Api) -> None:
    """A WebSocket call_service with NaN is answered as an error for its id, naming the field."""
    assert api.session is not None
    ws = await api.session.ws_connect(api.url + "/api/websocket",
                                      headers={"Authorization": f"Bearer {api.tokens['guard']}"})
    await ws.receive_json(timeout=5)  # hello
    await ws.send_str('{"id": 7, "type": "call_service", "domain": "incident", '
                      '"service": "raise", "service_data": {"category": "panic", '
                      '"data": {"t": -Infinity}}}')
    answer = await ws.receive_json(timeout=5)
    assert answer["id"] == 7 and answer["success"] is False
    assert answer["error"]["errors"] == [{"field": "service_data.data.t",
                                          "message": answer["error"]["errors"][0]["message"]}]
    await ws.send_str('{"id": 8, "type": "call_service", "domain": "incident", '
                      '"service": "raise", "service_data": {"category": "panic", '
                      '"message": "\\ud800"}}')
    answer = await ws.receive_json(timeout=5)
    assert answer["id"] == 8 and answer["error"]["errors"][0]["field"] == "service_data.message"
    await ws.close()
    assert api.hub.incidents.all() == []


async def test_non_finite_from_a_plugin_is_written_as_null(api: Api) -> None:
    """An incident whose data holds NaN (a plugin's reading) leaves /api/incidents and the
    WebSocket as standard JSON, with null in its place; the other incidents still show."""
    await api.hub.incidents.raise_incident("intrusion", source="alarm.a", data={"v": 1.5})
    await api.hub.incidents.raise_incident("tamper", source="alarm.b",
                                           data={"v": float("nan"), "w": [float("inf")]})
    assert api.session is not None
    async with api.session.get(api.url + "/api/incidents",
                               headers={"Authorization": f"Bearer {api.tokens['guard']}"}) as resp:
        text = await resp.text()
    page = _strict(text)
    by_category = {item["category"]: item for item in page["items"]}
    assert set(by_category) == {"intrusion", "tamper"}
    assert by_category["tamper"]["data"]["v"] is None
    assert by_category["tamper"]["data"]["w"] == [None]
    assert by_category["intrusion"]["data"]["v"] == 1.5
    assert "NaN" not in text and "Infinity" not in text
    json.loads(text)


async def test_lone_surrogate_from_a_plugin_does_not_break_answers(api: Api) -> None:
    """A state attribute holding a lone surrogate (a device name decoded with
    surrogateescape) is shown with U+FFFD; /api/states still answers for every entity."""
    api.hub.states.set("sensor.odd", "on", {"friendly_name": "cam\udcff"})
    status, states = await api.call("GET", "/api/states", role="guard")
    assert status == 200
    odd = next(s for s in states if s["entity_id"] == "sensor.odd")
    assert odd["attributes"]["friendly_name"] == "cam\ufffd"
    assert any(s["entity_id"] == "gate.main_entrance" for s in states)
