"""Captures through the real uplink outbox: an outage loses nothing within the backlog
bound and delivers in order after; kill -9 during the backlog loses nothing either.

The police platform is the views-library double (viid_double.py, from GA/T 1400.4). The
two-minute outage is driven by capture times (two minutes of captures) while the wall
clock outage lasts a few seconds; retry delays are configured short.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hub.testing.harness import wait_for

from .test_api import jpeg, uplink_yaml
from .test_uplink import uplink_status

ZoneInfo("UTC")   # loaded before any hub validates hub.time_zone on the loop
ROOT = Path(__file__).resolve().parents[4]


def site_yaml(url: str, bound: int) -> str:
    """The hub with a fast recorder and the uplink holding at most `bound` items."""
    return ("hub: {time_zone: UTC}\nrecorder: {commit_interval: 0.05}\n" + uplink_yaml(
        url, keepalive_interval="0.3", retry="{initial_delay: 0.05, max_delay: 0.3}",
        backlog=f"{{max_items: {bound}}}"))


async def fire_captures(hub: Any, count: int, start: float, step: float) -> None:
    for n in range(count):
        crop = await hub.snapshots.save(jpeg(64, 80, n), "camera.gate", kind="face_crop")
        scene = await hub.snapshots.save(jpeg(320, 180, n), "camera.gate",
                                         kind="face_capture")
        hub.bus.fire("face_captured", {
            "capture_id": f"{n:032x}", "camera": "camera.gate", "gate": None,
            "time": start + n * step, "scene_snapshot_id": scene, "crop_snapshot_id": crop,
            "box": [10, 10, 50, 70], "match": None, "track_id": None})


async def test_two_minute_outage_loses_nothing_and_delivers_in_order(hub_factory, platform):
    harness = await hub_factory(site_yaml(platform.url, 1000))
    uplink = harness.hub.components["uplinks"].get("views_library")
    await wait_for(lambda: uplink.registered.is_set())
    platform.down = "reset"
    start = time.time()
    await fire_captures(harness.hub, 60, start, 2.0)      # one capture every 2 s for 2 min
    await asyncio.sleep(1.0)
    assert platform.faces == []
    platform.down = None
    await wait_for(lambda: len(platform.faces) == 60, timeout=30)
    times = [r.body["FaceAppearTime"] for r in platform.faces]
    assert times == sorted(times) and len(set(times)) == 60
    assert platform.duplicates == 0 and platform.rejected == []


async def test_backlog_bound_drops_oldest_and_counts(hub_factory, platform):
    """Past the bound the oldest captures are dropped and counted: none lost unseen."""
    harness = await hub_factory(site_yaml(platform.url, 20))
    uplink = harness.hub.components["uplinks"].get("views_library")
    await wait_for(lambda: uplink.registered.is_set())
    platform.down = "503"
    await fire_captures(harness.hub, 30, time.time(), 1.0)
    await asyncio.sleep(1.0)
    platform.down = None

    deadline = time.monotonic() + 30
    while True:
        status = await uplink_status(harness)
        if len(platform.faces) + int(status.get("dropped") or 0) == 30 \
                and not status.get("backlog"):
            break
        assert time.monotonic() < deadline, (len(platform.faces), status)
        await asyncio.sleep(0.1)
    assert 0 < status["dropped"] <= 10, status
    times = [r.body["FaceAppearTime"] for r in platform.faces]
    assert times == sorted(times)                       # the newest kept, in order


async def test_kill_9_during_backlog_delivers_the_rest_once(tmp_path, platform):
    platform.delay = 0.1                       # a slow platform: the backlog builds up
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    module = "tests.plugins.uplinks.gat1400.hub_proc"
    first = await asyncio.create_subprocess_exec(
        sys.executable, "-m", module, str(tmp_path), platform.url, "40", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE)
    assert first.stdout is not None
    line = await asyncio.wait_for(first.stdout.readline(), 60)
    assert line.strip() == b"ready"
    await wait_for(lambda: len(platform.faces) >= 5, timeout=30)
    os.kill(first.pid, signal.SIGKILL)
    await first.wait()
    before = len(platform.faces)
    assert before < 40
    second = await asyncio.create_subprocess_exec(
        sys.executable, "-m", module, str(tmp_path), platform.url, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE)
    try:
        await wait_for(lambda: len(platform.faces) == 40, timeout=60)
        await asyncio.sleep(0.5)                      # nothing more arrives
    finally:
        second.kill()
        await second.wait()
    ids = [r.face_id for r in platform.faces]
    shots = {r.body["FaceAppearTime"] for r in platform.faces}   # one per capture
    assert len(ids) == len(set(ids)) == len(shots) == 40   # no capture twice, none lost
    assert platform.duplicates <= 1                  # at most the one in flight at the kill
