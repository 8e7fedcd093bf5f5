"""A real school hub, through its own MQTT uplink, on the real cluster with the platform.

Panic at the hub -> the platform's console; acknowledge at the platform -> a step on the
hub's incident timeline (actor city:<user>, audited) and back up; a broadcast -> the school's
speaker (the speaker simulator) plays it and the school acknowledges; heartbeats and the
gate's five duties show on the console.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from hub.testing import wait_for as hub_wait_for
from simulators.speaker import SpeakerSimulator
from tests.city.conftest import Platform, client_session, wait_for
from tests.city.hubs import connected, hub_yaml

HubFactory = Callable[..., Any]


async def test_panic_acknowledge_and_broadcast_through_the_hub(
        platform: Platform, hub_factory: HubFactory, speaker: SpeakerSimulator) -> None:
    """The whole loop between a real hub and the platform, both ways."""
    await platform.start_worker()
    (school,) = await platform.add_schools("north", 1, start=False)
    site = school.school
    harness = await hub_factory(hub_yaml(platform, site, speaker_url=speaker.url))
    hub = harness.hub
    await connected(harness)
    async with client_session() as session:
        csrf = await platform.login(session, "police")

        async def school_row() -> dict[str, Any] | None:
            async with session.get(f"{platform.url}/api/schools") as resp:
                rows = {s["id"]: s for s in (await resp.json())["schools"]}
            row: dict[str, Any] | None = rows.get(site)
            if row is None or not row["online"]:
                return None
            gate = row["gates"].get("main", {})
            return row if gate.get("speaker", {}).get("online") else None

        row = await wait_for(school_row)
        gate = row["gates"]["main"]
        assert gate["panic"]["online"] is True and gate["cameras"] == {"online": 0, "total": 0}

        async with session.ws_connect(f"{platform.url}/api/live") as ws:
            await asyncio.sleep(0.2)
            hub.entities["alarm.panic_1"].press()
            while True:
                msg = json.loads((await ws.receive(timeout=10)).data)
                if msg["type"] == "alarm":
                    break
        (incident,) = hub.incidents.open_incidents()
        assert msg["incident"]["id"] == incident.id
        assert (msg["incident"]["school"], msg["incident"]["gate"]) == (site, "main")

        async with session.post(f"{platform.url}/api/incidents/{site}/{incident.id}/steps",
                                json={"action": "acknowledge", "note": "on our way"},
                                headers={"X-CSRF-Token": csrf}) as resp:
            assert resp.status == 202, await resp.text()
        step = await hub_wait_for(lambda: next(
            (s for s in incident.timeline if s.action == "acknowledged"), None), timeout=15)
        assert (step.actor, step.note) == ("city:police", "on our way")
        audits = [e.data for e in harness.of_type("audit_logged")
                  if e.data["action"] == "city.command"]
        assert audits and audits[0]["details"]["ok"] is True

        async def platform_status() -> str | None:
            async with session.get(f"{platform.url}/api/incidents/{site}/{incident.id}") as r:
                detail = await r.json()
            return detail if detail["status"] == "acknowledged" and any(
                s["actor"] == "city:police" for s in detail["steps"]) else None

        await wait_for(platform_status)

        async with session.post(f"{platform.url}/api/broadcasts",
                                headers={"X-CSRF-Token": csrf},
                                json={"scope": "school", "target": site,
                                      "text": "Please keep the gate clear"}) as resp:
            assert resp.status == 202, await resp.text()
            command = (await resp.json())["command"]

        async def acked() -> list[dict[str, Any]] | None:
            async with session.get(f"{platform.url}/api/commands/{command}") as resp:
                rows: list[dict[str, Any]] = (await resp.json())["deliveries"]
            return rows if all(r["acked_at"] for r in rows) else None

        deliveries = await wait_for(acked)
    assert [(d["school"], d["ok"]) for d in deliveries] == [(site, True)]
    assert [p.label for p in speaker.played] == ["tts"]
    assert [a["target"] for a in (e.data for e in harness.of_type("audit_logged"))
            if a["action"] == "speaker.broadcast"] == ["speaker.gate_speaker"]


async def test_a_bad_command_is_refused_in_its_ack(platform: Platform,
                                                  hub_factory: HubFactory) -> None:
    """A step for an incident the hub does not have is acked with ok false and the reason."""
    await platform.start_worker()
    (school,) = await platform.add_schools("north", 1, start=False)
    harness = await hub_factory(hub_yaml(platform, school.school))
    await connected(harness)
    async with client_session() as session:
        csrf = await platform.login(session, "admin")
        # A broadcast to a school without a speaker: refused with the reason.
        async with session.post(f"{platform.url}/api/broadcasts",
                                headers={"X-CSRF-Token": csrf},
                                json={"scope": "school", "target": school.school,
                                      "text": "hello"}) as resp:
            command = (await resp.json())["command"]

        async def acked() -> dict[str, Any] | None:
            async with session.get(f"{platform.url}/api/commands/{command}") as resp:
                rows = (await resp.json())["deliveries"]
            return rows[0] if rows[0]["acked_at"] else None

        delivery = await wait_for(acked)
    assert delivery["ok"] is False and "no speaker" in delivery["error"]
