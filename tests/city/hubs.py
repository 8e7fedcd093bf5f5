"""A real hub per school for the city tests: its own MQTT uplink against the test cluster."""

from __future__ import annotations

import asyncio
from typing import Any

from city.school import HubSchool, school_config
from hub.hubkey import UPLINKS
from tests.city.conftest import PASSWORD, Platform


def hub_yaml(platform: Platform, school: str, *, speaker_url: str | None = None,
             heartbeat: float = 0.5, extra_devices: str = "") -> str:
    """Return a school hub's YAML: a panic button (and speaker) at gate `main`, the city uplink."""
    urls = "".join(f"\n      - mqtt://{server}" for server in platform.cluster.mqtt_servers())
    speaker = (f"  - platform: http_speaker\n    name: Gate speaker\n    gate: main\n"
               f"    url: {speaker_url}\n    token: tok\n" if speaker_url else "")
    return (f"hub:\n  site: {school}\n"
            f"devices:\n  - platform: acme_button\n    name: Panic 1\n    gate: main\n"
            f"{speaker}{extra_devices}"
            f"uplinks:\n  - type: mqtt\n    name: city\n    urls:{urls}\n"
            f"    username: {school}\n    password: {PASSWORD}{school}\n"
            f"    commands: true\n    heartbeat_interval: {heartbeat}\n"
            f"    reconnect_delay: 0.2\n    reconnect_max_delay: 2\n"
            f"    retry: {{initial_delay: 0.05, max_delay: 0.5}}\n")


async def connected(harness: Any, timeout: float = 30.0) -> Any:
    """Return the hub's city uplink once it is connected."""
    uplink = harness.hub.components[UPLINKS].get("city")
    await asyncio.wait_for(uplink.connected.wait(), timeout)
    return uplink


async def start_hub_schools(platform: Platform, registry: Any, data_dir: Any, district: str,
                            count: int, *, heartbeat: float = 0.5,
                            gates: tuple[str, ...] = ("main",),
                            servers: list[str] | None = None,
                            reconnect_max_delay: float = 3.0,
                            per_partition: bool = False) -> list[HubSchool]:
    """Register and provision `count` schools, start a real hub for each, wait connected."""
    sims = await platform.add_schools(district, count, start=False,
                                      per_partition=per_partition)
    schools = []
    for sim in sims:
        config = school_config(sim.school, PASSWORD + sim.school,
                               servers or platform.cluster.mqtt_servers(),
                               data_dir=data_dir / sim.school, heartbeat=heartbeat,
                               gates=gates, reconnect_delay=0.2,
                               reconnect_max_delay=reconnect_max_delay)
        school = HubSchool(sim.school, config, registry)
        platform.hubs.append(school)
        schools.append(school)
    await asyncio.gather(*(s.start() for s in schools))
    await asyncio.wait_for(asyncio.gather(*(s.uplink.connected.wait() for s in schools)), 60)
    return schools
