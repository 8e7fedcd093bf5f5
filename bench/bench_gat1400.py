"""GA/T 1400 uplink figures: sustained uploads/s, backlog drain after an outage, latency.

    CAMPUS_HUB_MODELS=... .venv/bin/python bench/bench_gat1400.py [--uploads 400]
        [--outage-captures 4000] [--recognition]

Everything on 127.0.0.1: a hub with the gat1400 uplink, the views-library double of the
tests (tests/plugins/uplinks/gat1400/viid_double.py: Digest, strict checks, every JPEG
decoded), captures with a ~30 KB scene and a face crop. With --recognition the hub's
onnx_face recognizer processes real faces at 5 fps meanwhile (the gate's own load).

The outbox of issue 11 was not on main when these figures were taken: items are built at
enqueue (`build`) and delivered the way the outbox does (`deliver`, one camera's items in
order, one at a time), so the outbox's own database work is not in these figures.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hub.testing.harness import make_hub, wait_for
from hub.uplinks import UplinkItem
from plugins.uplinks.gat1400.uplink import Gat1400Uplink
from tests.plugins.uplinks.gat1400.test_api import uplink_yaml
from tests.plugins.uplinks.gat1400.viid_double import ViidDouble

RECOGNITION = """
recognition:
  platform: onnx_face
  options: {workers: 1}
"""
BUILD_RATE = 1000 / (15 * 60)     # the morning rush: 1,000 faces in 15 minutes


def image(width: int, height: int, target: int, seed: int) -> bytes:
    """Return a JPEG of about `target` bytes (gradient + noise, like a camera scene)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([(x * 255 // width), (y * 255 // height), ((x + y) % 256)], -1)
    best = b""
    for noise in range(2, 80, 2):
        frame = np.clip(base + rng.normal(0, noise, base.shape), 0, 255).astype(np.uint8)
        _, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 80])
        best = bytes(buf)
        if len(best) >= target:
            break
    return best


async def captures(hub: Any, n: int, scene: bytes, crop: bytes) -> list[dict[str, Any]]:
    """Store n captures (crop + scene snapshots) and return their face_captured payloads."""
    out = []
    for _ in range(n):
        crop_id = await hub.snapshots.save(crop, "camera.gate", kind="face_crop")
        scene_id = await hub.snapshots.save(scene, "camera.gate", kind="face_capture")
        out.append({"capture_id": uuid.uuid4().hex, "camera": "camera.gate", "gate": None,
                    "time": time.time(), "scene_snapshot_id": scene_id,
                    "crop_snapshot_id": crop_id, "box": [100, 80, 200, 200], "match": None,
                    "track_id": None})
    return out


def enqueue(uplink: Gat1400Uplink, payload: dict[str, Any], n: int) -> UplinkItem:
    """Build the item as the outbox does at enqueue."""
    raw = UplinkItem(0, uplink.name, "face_capture", f"k{n}", "camera.gate", payload)
    built = uplink.build(raw)
    assert built is not None
    return UplinkItem(n, uplink.name, "face_capture", f"k{n}", "camera.gate", built,
                      created_at=time.monotonic())


async def drain(uplink: Gat1400Uplink, items: list[UplinkItem]) -> float:
    """Deliver in order (one camera: one at a time); return items per second."""
    started = time.perf_counter()
    for item in items:
        await uplink.deliver(item)
    return len(items) / (time.perf_counter() - started)


def _face_frames() -> list[bytes]:
    faces = Path(__file__).resolve().parents[2] / "shared" / "faces" / "known"
    return [p.read_bytes() for p in sorted(faces.glob("*/*.jpg"))[:20]]


async def recognition_load(hub: Any, stop: asyncio.Event) -> int:
    """Feed real faces to the recognizer at 5 fps until stopped; return frames done."""
    frames = await asyncio.to_thread(_face_frames)
    service, done = hub.components["recognition"], 0
    while not stop.is_set():
        await service.process(frames[done % len(frames)], "camera.yard")
        done += 1
        await asyncio.sleep(0.2)
    return done


async def through_outbox(hub: Any, platform: ViidDouble, scene: bytes, crop: bytes,
                         args: argparse.Namespace) -> None:
    """The same figures with `face_captured` events through the hub's uplink outbox."""
    payloads = await captures(hub, 200, scene, crop)
    fired = []
    base = len(platform.faces)
    for payload in payloads:
        fired.append(time.monotonic())
        hub.bus.fire("face_captured", payload)
        await asyncio.sleep(0.1)
    await wait_for(lambda: len(platform.faces) >= base + len(fired), timeout=60)
    got = [r.at for r in platform.faces[base:base + len(fired)]]
    q = statistics.quantiles([(g - f) * 1000 for f, g in zip(fired, got, strict=True)], n=100)
    print(f"outbox: capture event -> platform received: p50 {q[49]:.1f} ms, "
          f"p99 {q[98]:.1f} ms (n={len(fired)})")

    payloads = await captures(hub, args.uploads, scene, crop)
    base, started = len(platform.faces), time.perf_counter()
    for payload in payloads:
        hub.bus.fire("face_captured", payload)
    await wait_for(lambda: len(platform.faces) >= base + len(payloads), timeout=300)
    rate = len(payloads) / (time.perf_counter() - started)
    print(f"outbox: sustained {rate:.1f} captures/s ({len(payloads)} fired at once)")

    platform.down = "503"
    payloads = await captures(hub, args.outage_captures, scene, crop)
    base = len(platform.faces)
    for payload in payloads:
        hub.bus.fire("face_captured", payload)
    await asyncio.sleep(2)
    platform.down = None
    started = time.perf_counter()
    await wait_for(lambda: len(platform.faces) >= base + len(payloads), timeout=900)
    drained = len(payloads) / (time.perf_counter() - started)
    print(f"outbox: backlog of {len(payloads)} drained at {drained:.1f}/s in "
          f"{len(payloads) / drained:.1f} s: {drained / BUILD_RATE:.0f}x faster than it "
          f"built (1,000 / 15 min)")


async def main(args: argparse.Namespace) -> None:
    platform = ViidDouble(zone=dt.UTC)
    await platform.start()
    scene, crop = image(640, 360, 30_000, 1), image(160, 200, 8_000, 2)
    print(f"scene {len(scene)} B, crop {len(crop)} B")
    with tempfile.TemporaryDirectory() as tmp:
        yaml = "hub: {time_zone: UTC}\n" + uplink_yaml(
            platform.url, retry="{initial_delay: 0.05, max_delay: 0.5}")
        harness = await make_hub(Path(tmp), yaml + (RECOGNITION if args.recognition else ""))
        hub = harness.hub
        uplink = hub.components["uplinks"].get("views_library")
        await wait_for(lambda: uplink.registered.is_set(), timeout=10)
        stop, load = asyncio.Event(), None
        if args.recognition:
            load = asyncio.create_task(recognition_load(hub, stop))

        if args.outbox:
            await through_outbox(hub, platform, scene, crop, args)
            print(f"platform: {len(platform.faces)} received, {platform.duplicates} "
                  f"duplicates, {len(platform.rejected)} rejected")
            stop.set()
            if load is not None:
                print(f"recognition meanwhile: {await load} frames")
            await hub.stop()
            await platform.stop()
            return

        # 1. latency: one capture every 100 ms, enqueue -> the platform has it
        payloads = await captures(hub, 200, scene, crop)
        latencies = []
        for n, payload in enumerate(payloads):
            start = time.monotonic()
            await uplink.deliver(enqueue(uplink, payload, n))
            latencies.append((platform.faces[-1].at - start) * 1000)
            await asyncio.sleep(0.1)
        q = statistics.quantiles(latencies, n=100)
        print(f"capture -> platform received: p50 {q[49]:.1f} ms, p99 {q[98]:.1f} ms "
              f"(n={len(latencies)})")

        # 2. sustained uploads
        items = [enqueue(uplink, p, 1000 + n) for n, p in
                 enumerate(await captures(hub, args.uploads, scene, crop))]
        rate = await drain(uplink, items)
        print(f"sustained uploads: {rate:.1f} captures/s ({args.uploads} captures, "
              f"{rate * (len(scene) + len(crop)) * 4 / 3 / 1e6:.1f} MB/s of base64)")

        # 3. backlog after a 1-hour outage at the morning-rush rate
        backlog = [enqueue(uplink, p, 100_000 + n) for n, p in
                   enumerate(await captures(hub, args.outage_captures, scene, crop))]
        built_in = len(backlog) / BUILD_RATE
        drained = await drain(uplink, backlog)
        print(f"backlog of {len(backlog)} (built in {built_in / 60:.0f} min at "
              f"{BUILD_RATE:.2f}/s) drained at {drained:.1f}/s in "
              f"{len(backlog) / drained:.1f} s: {drained / BUILD_RATE:.0f}x faster than it "
              f"built")
        print(f"platform: {len(platform.faces)} received, {platform.duplicates} duplicates, "
              f"{len(platform.rejected)} rejected")
        if load is not None:
            stop.set()
            print(f"recognition meanwhile: {await load} frames")
        await hub.stop()
    await platform.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=400)
    parser.add_argument("--outage-captures", type=int, default=4000)
    parser.add_argument("--recognition", action="store_true")
    parser.add_argument("--outbox", action="store_true",
                        help="fire face_captured events through the hub's uplink outbox")
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    asyncio.run(main(parser.parse_args()))
