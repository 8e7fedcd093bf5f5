"""The acceptance check of issue 10 item 1 on the demo site itself: config/demo.yaml (its
latched panic buttons), every simulated device, and the reference police receiver.

The demo's panic button pressed, resolved, pressed again raises two incidents and two police
alarms; pressed five times more while that incident is open, it records five presses on it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hub import Context, Incident
from hub.testing.harness import wait_for, wait_for_state
from simulators.site import Site, SiteOptions
from tests.hub.uplinks.receiver import SECRET, FaultyReceiver, start_receiver
from tests.simulators.demo_config import demo_yaml

GUARD = Context(user_id="guard")


def _demo_yaml(site: Site, police_url: str) -> str:
    """config/demo.yaml on this test's simulators, without face recognition; the demo's own
    police webhook uplink points at this test's receiver (same secret as the test's)."""
    text = re.sub(r"\nrecognition:\n(  .*\n|    .*\n)*", "\n", demo_yaml(site))
    assert "\nrecognition:" not in text and "latch: true" in text
    demo_url = "url: http://127.0.0.1:15040/campus-hub"
    demo_secret = "secret: demo-police-webhook-secret"
    assert demo_url in text and demo_secret in text  # the demo forwards to the police
    text = text.replace(demo_url, f"url: {police_url}").replace(demo_secret, f"secret: {SECRET}")
    return text.replace("    secret:", "    retry: {max_attempts: 5, initial_delay: 0.05, "
                        "max_delay: 0.4}\n    secret:", 1)


async def _press(site: Site) -> None:
    """A short press of panic_1 (0.3 s and until the hub's scans read it), then released."""
    await site.tap("panic_1", hold=0.3)


def _panics(hub: Any) -> list[Incident]:
    return [i for i in hub.incidents.all() if i.category == "panic"]


def _sent(police: FaultyReceiver, event: str) -> list[dict[str, Any]]:
    return [m for m in police.messages if m["event"] == event]


@pytest.mark.timeout(120)
async def test_demo_panic_press_resolve_press_and_five_more(
    hub_factory: Callable[..., Any], tmp_path: Path
) -> None:
    """Two incidents and two police alarms; five presses during the open one are five
    `repeated` steps on it and five police updates; the button stays latched until reset."""
    police, runner = await start_receiver()
    site = Site(SiteOptions(travel_time=0.2, auto_close=0.5, cameras=1))
    await site.start()
    try:
        hub = (await hub_factory(_demo_yaml(site, police.url))).hub
        await wait_for_state(hub, "alarm.panic_1", "idle", timeout=15)
        await wait_for_state(hub, "locker.gate_lockers_12", "free", timeout=5)  # the demo's bank
        await _press(site)
        [first] = await wait_for(lambda: _panics(hub), timeout=5)
        await hub.services.call("incident", "resolve", {"incident_id": first.id}, GUARD)
        assert hub.states.get("alarm.panic_1").state == "triggered"  # latched
        await _press(site)
        await wait_for(lambda: len(_panics(hub)) == 2, timeout=5)
        second = next(i for i in _panics(hub) if i.id != first.id)
        await wait_for(lambda: len(_sent(police, "raised")) == 2, timeout=10)
        assert {m["incident"]["id"] for m in _sent(police, "raised")} == {first.id, second.id}
        for _ in range(5):
            await _press(site)
        await wait_for(lambda: [s.action for s in second.timeline].count("repeated") == 5,
                       timeout=10)
        await wait_for(lambda: len(_sent(police, "repeated")) == 5, timeout=10)
        assert len(_panics(hub)) == 2 and second.is_open
        assert hub.states.get("alarm.panic_1").attributes["trigger_count"] == 7
        await hub.services.call("alarm", "reset", {"entity_id": "alarm.panic_1"}, GUARD)
        await wait_for_state(hub, "alarm.panic_1", "idle")
    finally:
        await site.stop()
        await runner.cleanup()
