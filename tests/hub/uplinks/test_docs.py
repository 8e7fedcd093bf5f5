"""docs/police.md and the published schema say what the hub does (examples run, tables match)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any

import jsonschema  # type: ignore[import-untyped]

from hub.incidents import IncidentStatus
from hub.testing import wait_for
from hub.uplinks.schema import IncidentMessage, json_schema
from plugins.uplinks.sia.dc09 import CANCEL_CODE, DEFAULT_CODES, FALLBACK_CODES, TEST_CODE
from plugins.uplinks.webhook.signing import signature_headers
from tests.hub.uplinks.receiver import ROOT, SECRET, FaultyReceiver, webhook_yaml

HubFactory = Callable[..., Any]
DOC = ROOT / "docs" / "police.md"
SCHEMA = ROOT / "docs" / "schemas" / "incident-message.schema.json"


def _block(marker: str, language: str) -> str:
    text = DOC.read_text()
    start = text.index(f"<!-- {marker}")
    match = re.search(rf"```{language}\n(.*?)```", text[start:], re.S)
    assert match is not None, marker
    return match.group(1)


def _published() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA.read_text())
    return schema


def test_published_schema_is_generated_from_the_models() -> None:
    """docs/schemas/incident-message.schema.json equals what hub.uplinks.schema generates."""
    assert _published() == json_schema()
    jsonschema.Draft202012Validator.check_schema(_published())


def test_verify_example_in_docs_works() -> None:
    """The Python verification example in docs/police.md accepts the hub's signature only."""
    namespace: dict[str, Any] = {}
    exec(_block("verify-example", "python"), namespace)  # the documented code, as written
    verify = namespace["verify"]
    body = b'{"idempotency_key":"x-r1"}'
    headers = signature_headers(SECRET.encode(), body, "x-r1")
    assert verify(SECRET.encode(), body, headers) is True
    assert verify(SECRET.encode(), body + b" ", headers) is False
    assert verify(b"wrong-secret-0000000", body, headers) is False
    stale = signature_headers(SECRET.encode(), body, "x-r1", now=time.time() - 301)
    assert verify(SECRET.encode(), body, stale) is False


def test_sia_table_in_docs_matches_the_code() -> None:
    """The SIA mapping table in docs/police.md is the one the transmitter uses."""
    rows = re.findall(r"^\| ([a-z_ ]+?) \| ([A-Z]{2}) \| ([A-Z]{2}) \|$", DOC.read_text(), re.M)
    table = {name: (alarm, restore) for name, alarm, restore in rows}
    fallback = table.pop("any other category")
    assert table == DEFAULT_CODES and fallback == FALLBACK_CODES
    assert f"`{CANCEL_CODE}` (cancel report)" in DOC.read_text()
    assert f"`{TEST_CODE}` (manual test)" in DOC.read_text()


async def test_real_messages_match_the_schema(
    hub_factory: HubFactory, receiver: FaultyReceiver
) -> None:
    """Every message of a watch-list incident's life validates against the published schema."""
    h = await hub_factory(webhook_yaml(receiver.url))
    entry = {"category": "wanted", "source": "city police", "expires": "2027-01-01"}
    incident = await h.hub.incidents.raise_incident(
        "watchlist_match", source="camera.gate", gate="north", cameras=["camera.gate"],
        data={"watchlist": entry, "score": 0.71})
    await h.hub.incidents.add_step(incident.id, "note", note="officer on the way")
    await h.hub.incidents.transition(incident.id, IncidentStatus.RESOLVED)
    await wait_for(lambda: len(receiver.messages) == 3)
    validator = jsonschema.Draft202012Validator(_published())
    for message in receiver.messages:
        validator.validate(message)
        IncidentMessage.model_validate(message)  # strict: no field the schema does not name
    first = receiver.messages[0]["incident"]
    assert first["watchlist"] == entry and first["details"] == {"score": 0.71}


async def test_automation_example_forwards_more(
    hub_factory: HubFactory, receiver: FaultyReceiver
) -> None:
    """The documented automation sends metal-detector incidents through uplinks.forward."""
    automation = _block("automation-example", "yaml")
    h = await hub_factory(webhook_yaml(receiver.url) + automation)
    incident = await h.hub.incidents.raise_incident("metal_detected", source="alarm.arch")
    await wait_for(lambda: receiver.messages, timeout=5)
    assert receiver.messages[0]["incident"]["id"] == incident.id
    assert receiver.messages[0]["event"] == "forward"
