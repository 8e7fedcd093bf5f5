"""The visitor check: metal detector pass, locker, photo, gate opens once, check-out, log."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import aiohttp

from hub.testing import wait_for_state
from simulators.modbus import MetalDetectorSimulator

from .helpers import SITE, Api, start_api

VISITOR = {"name": "Li Wei", "id_number": "110101199001011234", "reason": "parents' meeting",
           "host": "Ms Zhang", "gate": "main"}


async def _walk(api: Api, metal: bool) -> None:
    status, _ = await api.call("POST", "/api/services/testdev/walk",
                               json={"entity_id": "alarm.metal_detector", "metal": metal})
    assert status == 200


async def _check_in(api: Api, **extra: Any) -> tuple[int, Any]:
    status, body = await api.call("POST", "/api/services/visitor/check_in", role="guard",
                                  json={**VISITOR, **extra})
    return status, body["result"] if status == 200 else body


async def test_check_in_takes_detector_result_and_opens_gate(api: Api) -> None:
    """A clear pass is taken from the detector; the gate opens once; the log shows the visit."""
    await _walk(api, metal=False)
    status, metal = await api.call("GET", "/api/visitors/metal?gate=main", role="guard")
    assert status == 200 and metal["last_pass"]["result"] == "clear"
    status, photo = await api.call("POST", "/api/services/visitor/take_photo", role="guard",
                                   json={"gate": "main"})
    assert status == 200
    status, visit = await _check_in(api, photo=photo["result"]["snapshot_id"])
    assert status == 200, visit
    assert visit["metal_result"] == "clear" and visit["metal_source"] == "alarm.metal_detector"
    assert visit["gate_opened"] == "gate.main_entrance" and visit["checked_in_by"] == "guard"
    await wait_for_state(api.hub, "gate.main_entrance", "open")
    status, log = await api.call("GET", "/api/visitors?q=zhang", role="police")
    assert status == 200 and [v["name"] for v in log["items"]] == ["Li Wei"]
    status, out = await api.call("POST", "/api/services/visitor/check_out", role="guard",
                                 json={"visitor_id": visit["id"]})
    assert status == 200 and out["result"]["status"] == "out"
    status, again = await api.call("POST", "/api/services/visitor/check_out", role="guard",
                                   json={"visitor_id": visit["id"]})
    assert status == 422 and again["errors"][0]["field"] == "body.visitor_id"


async def test_no_pass_no_check_in(api: Api) -> None:
    """Without a pass through the detector the check-in names metal_result."""
    status, body = await _check_in(api)
    assert status == 422 and body["errors"][0]["field"] == "body.metal_result"


async def test_metal_needs_a_locker(api: Api) -> None:
    """After a metal alarm the items must go in a free locker."""
    await _walk(api, metal=True)
    status, body = await _check_in(api)
    assert status == 422 and body["errors"][0]["field"] == "body.locker"
    status, visit = await _check_in(api, locker="3", items="knife")
    assert status == 200 and visit["metal_result"] == "metal" and visit["locker"] == "3"
    status, body = await _check_in(api, name="Wang Fang", locker="3", metal_result="metal")
    assert status == 422 and "in use" in body["message"]
    status, lockers = await api.call("GET", "/api/visitors/lockers", role="guard")
    assert next(x for x in lockers if x["locker"] == "3")["visitor"]["name"] == "Li Wei"


async def test_chosen_gate_entity_opens(api: Api) -> None:
    """The guard picks which barrier opens; an unknown one is refused by name."""
    status, body = await _check_in(api, metal_result="clear", gate_entity="gate.nowhere")
    assert status == 422 and body["errors"][0]["field"] == "body.gate_entity"
    status, visit = await _check_in(api, metal_result="clear", gate_entity="gate.main_entrance")
    assert status == 200 and visit["gate_opened"] == "gate.main_entrance"
    assert visit["metal_source"] == "guard"


async def test_viewer_cannot_check_in(api: Api) -> None:
    """Checking visitors in is for guards and admins."""
    status, _ = await api.call("POST", "/api/services/visitor/check_in", role="viewer",
                               json={**VISITOR, "metal_result": "clear"})
    assert status == 403


async def test_modbus_metal_detector_passes(hub_factory: Any, tmp_path: Path) -> None:
    """The simulated Modbus arch (modbus_io plugin): clear and metal walks reach the form."""
    sim = MetalDetectorSimulator(alarm_hold=0.5)
    await sim.start()
    try:
        site = SITE.split("devices:")[0] + textwrap.dedent(f"""\
            devices:
              - platform: modbus_io
                name: Metal 1
                gate: main
                host: 127.0.0.1
                port: {sim.port}
                scan_interval: 0.05
                inputs:
                  - {{name: Metal 1 alarm, address: 0, category: metal_detected}}
                registers:
                  - {{name: passes, address: 0}}
            """)
        api = await start_api(hub_factory, tmp_path, site)
        async with aiohttp.ClientSession() as session:
            api.session = session
            await wait_for_state(api.hub, "sensor.metal_1_passes", "0")

            async def last() -> Any:
                _, body = await api.call("GET", "/api/visitors/metal?gate=main", role="guard")
                return body["last_pass"]

            assert await last() is None
            sim.walk()
            await wait_for_state(api.hub, "sensor.metal_1_passes", "1")
            assert (await last())["result"] == "clear"
            sim.walk(metal=True, zone=2)
            await wait_for_state(api.hub, "alarm.metal_1_alarm", "triggered")
            await wait_for_state(api.hub, "sensor.metal_1_passes", "2")
            assert (await last())["result"] == "metal"
    finally:
        await sim.stop()
