"""The whole broker cluster restarts under 20 connected school hubs.

The cluster stops (every node with `rabbitmqctl stop`, or all killed at once with
CAMPUS_HUB_CITY_RESTART=kill) and starts again: the schools reconnect, spread by their
backoff's jitter, and the incident steps each made while it was down arrive, in order per
school.

RabbitMQ 3.10 (Debian 12) refuses MQTT logins for ~100-110 s after a full restart (its MQTT
client-id Raft cluster: a restarting member asks its peers for the members with a 100 s
timeout while no leader can exist yet; docs/city.md), so this test takes ~2.5 minutes. It
restarts the session's cluster, so it runs last among the city tests (tests/city/conftest.py).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from city.school import HubSchool
from hub.plugins import PluginRegistry
from tests.city.conftest import Platform, wait_for
from tests.city.hubs import start_hub_schools
from tests.city.test_faults import _counts

SCHOOLS = 20
MODE = os.environ.get("CAMPUS_HUB_CITY_RESTART", "")
KILL = MODE == "kill"

pytestmark = pytest.mark.timeout(500)  # the cluster start allowance included


async def test_cluster_restart_schools_reconnect_and_backlog_arrives_in_order(
        platform: Platform, plugin_registry: PluginRegistry, tmp_path: Path) -> None:
    """Stop the whole cluster, raise/acknowledge/dispatch at every school meanwhile, start it:
    every school reconnects (not all at once) and its three steps arrive in order."""
    await platform.start_worker()
    schools = await start_hub_schools(platform, plugin_registry, tmp_path, "north", SCHOOLS,
                                      heartbeat=1.0)
    before = {s.school: s.uplink.connects for s in schools}
    await asyncio.to_thread(platform.cluster.halt, not KILL)
    await wait_for(lambda: _none_connected(schools), timeout=10)
    for school in schools:
        incident = await school.panic("main")
        assert school.hub is not None
        for service in ("acknowledge", "dispatch"):
            await school.hub.services.call("incident", service, {"incident_id": incident})
    assert await _counts(platform, schools) == (0, 0)
    started = time.monotonic()
    await asyncio.to_thread(platform.cluster.resume, 300, False)  # one node takes MQTT
    cluster_up = time.monotonic() - started
    reconnected: dict[str, float] = {}

    async def all_back() -> bool:
        for s in schools:
            if s.school not in reconnected and s.uplink.connects > before[s.school] \
                    and s.uplink.connected.is_set():
                reconnected[s.school] = time.monotonic() - started
        return len(reconnected) == SCHOOLS

    await wait_for(all_back, timeout=300, interval=0.02)
    await wait_for(lambda: _steps_at_least(platform, schools, 3 * SCHOOLS), timeout=30)
    async with platform.db.engine.connect() as conn:
        rows = (await conn.execute(text(
            "SELECT school_id, action FROM incident_steps WHERE school_id = ANY(:s) "
            "ORDER BY school_id, received_at, revision"),
            {"s": [s.school for s in schools]})).all()
    by_school: dict[str, list[str]] = {}
    for row in rows:
        by_school.setdefault(row.school_id, []).append(row.action)
    times = sorted(reconnected.values())
    print(f"cluster up {cluster_up:.1f} s; schools back {times[0]:.2f}..{times[-1]:.2f} s "
          f"(median {statistics.median(times):.2f})")
    assert {tuple(v) for v in by_school.values()} == {("raised", "acknowledged", "dispatched")}
    assert len(by_school) == SCHOOLS
    assert times[-1] - times[0] > 0.1  # jitter: not one storm at the same instant


async def _none_connected(schools: list[HubSchool]) -> bool:
    return not any(s.uplink.connected.is_set() for s in schools)


async def _steps_at_least(platform: Platform, schools: list[HubSchool], want: int) -> bool:
    return (await _counts(platform, schools))[1] >= want
