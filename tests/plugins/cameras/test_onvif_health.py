"""The onvif plugin's health check against cameras that lack optional operations (issue 10.11)."""

from __future__ import annotations

import asyncio

from hub.testing.harness import HubHarness, wait_for, wait_for_state
from simulators.onvif_camera import OPEN_NONE, CameraSimulator

from .conftest import HubFactory, onvif_yaml, state_of

ENTITY = "camera.gate"


def _outages(h: HubHarness) -> int:
    """How often the camera went from up to unavailable."""
    changes = [(e.data["old_state"], e.data["new_state"]) for e in h.of_type("state_changed")]
    return sum(
        1 for old, new in changes
        if old is not None and old.state != "unavailable" and new.state == "unavailable"
    )  # fmt: skip


async def test_camera_without_gethostname_stays_available(hub_factory: HubFactory) -> None:
    """A camera lacking GetHostname (and answering faults) is alive; only no answer is an outage.

    Events are off, so the health check is the only call while idle; it runs every 0.1 s.
    """
    sim = CameraSimulator(
        open_operations=OPEN_NONE, control_port=None, missing_operations=frozenset({"GetHostname"})
    )
    async with sim:
        h = await hub_factory(onvif_yaml(sim, events="false", scan_interval=0.1))
        await wait_for_state(h.hub, ENTITY, "streaming")
        assert sim.http is not None
        requests = sim.http.requests
        checks = requests["GetSystemDateAndTime"]
        await wait_for(lambda: requests["GetSystemDateAndTime"] >= checks + 5)
        assert _outages(h) == 0
        # A firmware that faults even the mandatory call still answers: alive.
        sim.config.missing_operations = frozenset({"GetHostname", "GetSystemDateAndTime"})
        await asyncio.sleep(0.6)
        assert _outages(h) == 0 and state_of(h, ENTITY).state == "streaming"
        await sim.go_down()
        await wait_for_state(h.hub, ENTITY, "unavailable", timeout=5)
