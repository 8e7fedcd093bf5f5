"""Partitions spread over the live workers, with real school hubs on the real cluster.

A worker added to a running one gets its share of the partitions (it used to get none:
single-active-consumer kept every partition with the first worker), also on a quiet platform
(claims on a timer), and a killed worker's partitions go back to the others; a partition
queue the broker deletes (and provisioning brings back) is consumed again; meanwhile every
school's messages arrive once and in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy import text

from city.broker import definitions, partition_of, provision, queue_name
from city.config import PlatformConfig
from city.partitions import owner, workers_holding
from city.school import HubSchool
from city.sim import SimSchool
from hub.plugins import PluginRegistry
from tests.city.conftest import PASSWORD, Platform, wait_for
from tests.city.hubs import start_hub_schools


async def test_an_added_worker_gets_its_partitions_and_a_killed_ones_come_back(
        platform: Platform, plugin_registry: PluginRegistry, tmp_path: Path) -> None:
    """Second worker started later: both hold partitions within seconds; it is killed -9: the
    first holds all again. No heartbeat or panic is lost, doubled or applied out of order."""
    # Both workers are processes, as in production (in this process they would share the
    # event loop with the school hubs).
    db_url = platform.config.database_url
    await platform.start_worker_process()
    (first,) = await wait_for(lambda: _members(db_url, 1), timeout=30)
    schools = await start_hub_schools(platform, plugin_registry, tmp_path, "north", 4,
                                      heartbeat=0.5, per_partition=True)
    partitions = platform.config.broker.partitions
    used = {partition_of(s.school, partitions) for s in schools}
    assert used == set(range(partitions))

    async def held() -> dict[str, list[int]]:
        return {w: [p for p in ps if p in used]
                for w, ps in (await workers_holding(db_url)).items()}

    raised: list[tuple[HubSchool, str]] = []

    async def panics() -> None:  # one panic every 0.5 s, from each school in turn
        while True:
            for school in schools:
                raised.append((school, await school.panic()))
                await asyncio.sleep(0.5)

    traffic = asyncio.create_task(panics())
    try:
        await _until_held(held, {first: sorted(used)})
        second = await platform.start_worker_process()
        members = await wait_for(lambda: _members(db_url, 2), timeout=30)
        joined_at = time.monotonic()  # the second worker's session is up
        want = {w: sorted(p for p in used if owner(p, members) == w) for w in members}
        await _until_held(held, want)
        spread_after = time.monotonic() - joined_at

        second.send_signal(signal.SIGKILL)
        await second.wait()
        killed_at = time.monotonic()
        await _until_held(held, {first: sorted(used)})
        back_after = time.monotonic() - killed_at
    finally:
        traffic.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await traffic
    print(f"\nspread {spread_after:.1f} s after the 2nd worker joined, "
          f"all back {back_after:.1f} s after kill -9")

    # Everything the broker acknowledged to the hubs is applied, in order: a heartbeat
    # applied after a newer one is dropped by its time guard, so a school's count of applied
    # heartbeats would fall short of what its hub sent.
    await asyncio.gather(*(s.stop() for s in schools))
    beats = {s.school: s.uplink.heartbeats for s in schools}

    # Every panic press (a new incident or a 'repeated' step of the open one) is stored once.
    sent = 0
    for school, incident_id in set(raised):
        assert school.hub is not None
        incident = await school.hub.incidents.get(incident_id)
        sent += sum(step.action in ("raised", "repeated") for step in incident.timeline)
    ids = sorted({incident_id for _school, incident_id in raised})
    seqs: dict[str, int] = {}
    stored = 0
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        async with platform.db.engine.connect() as conn:
            seqs = {r[0]: r[1] for r in (await conn.execute(text(
                "SELECT id, heartbeat_seq FROM schools WHERE id = ANY(:s)"),
                {"s": list(beats)})).all()}
            stored = int((await conn.execute(text(
                "SELECT count(*) FROM incident_steps WHERE incident_id = ANY(:i) "
                "AND action IN ('raised', 'repeated')"), {"i": ids})).scalar()
                or 0)
        if all(seqs[s] >= n for s, n in beats.items()) and stored == sent:
            break
        await asyncio.sleep(0.1)
    assert stored == sent
    # (+1: a heartbeat whose PUBACK the stopping hub no longer waited for)
    assert all(n <= seqs[s] <= n + 1 for s, n in beats.items()), (beats, seqs)
    assert spread_after < 15 and back_after < 15


async def _until_held(read: Callable[[], Awaitable[dict[str, list[int]]]],
                      want: dict[str, list[int]], timeout: float = 15.0) -> None:
    """Wait until the workers hold exactly `want` (workers holding nothing left out)."""
    want = {w: ps for w, ps in want.items() if ps}
    deadline = time.monotonic() + timeout
    while True:
        got = {w: ps for w, ps in (await read()).items() if ps}
        if got == want:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"partitions held {got}, want {want} within {timeout} s")
        await asyncio.sleep(0.05)


async def _members(db_url: str, count: int) -> list[str] | None:
    members = sorted(await workers_holding(db_url))
    return members if len(members) == count else None


def _fast(config: PlatformConfig) -> PlatformConfig:
    """The platform's configuration with the workers' rounds 5x shorter (the test's clock)."""
    broker = config.broker.model_copy(update={"rebalance_interval": 0.2, "handover_pause": 1.0})
    return config.model_copy(update={"broker": broker})


async def _burst(sims: list[SimSchool], beats: int) -> None:
    """Each school: a panic, then `beats` heartbeats (each newer than the last)."""
    for sim in sims:
        sim.raise_incident()
    for _ in range(beats):
        for sim in sims:
            sim.heartbeat()
        await asyncio.sleep(0.01)


async def _applied(platform: Platform, sims: list[SimSchool], beats: int,
                   incidents: int) -> bool:
    """True once every school has exactly `beats` heartbeats and `incidents` raised steps
    applied (an older heartbeat applied after a newer one is dropped: a shortfall)."""
    async with platform.db.engine.connect() as conn:
        seqs: dict[str, int] = {r[0]: r[1] for r in (await conn.execute(text(
            "SELECT id, heartbeat_seq FROM schools WHERE id = ANY(:s)"),
            {"s": [s.school for s in sims]})).all()}
        steps: dict[str, int] = {r[0]: r[1] for r in (await conn.execute(text(
            "SELECT school_id, count(*) FROM incident_steps WHERE school_id = ANY(:s) "
            "GROUP BY school_id"), {"s": [s.school for s in sims]})).all()}
    assert all(n <= beats for n in seqs.values()), seqs
    assert all(n <= incidents for n in steps.values()), steps
    return all(seqs.get(s.school) == beats and steps.get(s.school) == incidents for s in sims)


async def test_an_idle_partition_moves_to_an_added_worker_without_traffic(
        platform: Platform) -> None:
    """A worker joins a quiet platform: it holds its share within seconds although no message
    comes; traffic before and after the handover is applied once each and in order."""
    db_url, config = platform.config.database_url, _fast(platform.config)
    await platform.start_worker(config)
    sims = await platform.add_schools("north", 4, heartbeat=3600, per_partition=True)
    every = [*range(config.broker.partitions + 1)]  # (the alarm queue is the last)
    await _burst(sims, 9)  # (+1 heartbeat each at connect)
    await wait_for(lambda: _applied(platform, sims, 10, 1), timeout=20)
    (first,) = await wait_for(lambda: _members(db_url, 1), timeout=10)
    await _until_held(lambda: workers_holding(db_url), {first: every})

    published = sum(s.published for s in sims)  # quiet from here
    await platform.start_worker(config)
    members = await wait_for(lambda: _members(db_url, 2), timeout=10)
    joined_at = time.monotonic()
    await _until_held(lambda: workers_holding(db_url),
                      {w: [p for p in every if owner(p, members) == w] for w in members})
    spread_after = time.monotonic() - joined_at
    assert sum(s.published for s in sims) == published  # no school sent anything meanwhile

    await _burst(sims, 10)
    await wait_for(lambda: _applied(platform, sims, 20, 2), timeout=20)
    print(f"\nidle partitions spread {spread_after:.1f} s after the 2nd worker joined")
    assert spread_after < 5


async def test_a_partition_queue_deleted_and_provisioned_again_is_consumed_again(
        platform: Platform) -> None:
    """The broker cancels the consumers of a deleted partition queue: once provisioning brings
    it back, a worker consumes it again (none keeps its lock idle) and nothing else stops."""
    db_url, config = platform.config.database_url, _fast(platform.config)
    workers = [await platform.start_worker(config), await platform.start_worker(config)]
    sims = await platform.add_schools("north", 4, heartbeat=3600, per_partition=True)
    await _burst(sims, 4)
    await wait_for(lambda: _applied(platform, sims, 5, 1), timeout=20)
    partition = partition_of(sims[0].school, config.broker.partitions)
    name = queue_name(partition)

    await asyncio.to_thread(platform.cluster.api, None, "DELETE", f"/api/queues/%2F/{name}")
    await provision(config.broker.management_urls, definitions(
        {s.school: PASSWORD + s.school for s in sims}, config.broker.topic_prefix,
        config.broker.partitions))
    await _burst(sims, 5)
    await wait_for(lambda: _applied(platform, sims, 10, 2), timeout=20)
    # ... and its owner holds it again (claims), not a worker without a consumer there
    members = sorted(await workers_holding(db_url))
    await _until_held(lambda: workers_holding(db_url),
                      {w: [p for p in range(config.broker.partitions + 1)
                           if owner(p, members) == w] for w in members}, timeout=10)
    print(f"\nconsumers registered again after the broker's cancel: "
          f"{[w.stats.recovered for w in workers]}, "
          f"reconnects {[w.stats.reconnects for w in workers]}")
