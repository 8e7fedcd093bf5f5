"""Camera figures: ONVIF call, snapshot and event latency, frame grab rates, discovery time.

Run: .venv/bin/python bench/bench_cameras.py [--cameras 8] [--seconds 5]
Everything runs on 127.0.0.1 against the ONVIF camera simulator.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from hub.discovery.wsdiscovery import probe
from plugins.cameras.onvif.api import OnvifClient
from plugins.cameras.rtsp.api import FrameGrabber
from simulators.onvif_camera import OPEN_NONE, CameraSimulator


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _report(label: str, values: list[float]) -> None:
    ms = [v * 1000 for v in values]
    print(f"{label:<44} n={len(ms):<4} p50={statistics.median(ms):7.2f} ms  "
          f"p99={_pct(ms, 0.99):7.2f} ms  max={max(ms):7.2f} ms")  # fmt: skip


async def _timed(n: int, call: Callable[[], Awaitable[Any]]) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        await call()
        out.append(time.perf_counter() - started)
    return out


async def _event_latency(sim: CameraSimulator, client: OnvifClient, n: int) -> list[float]:
    await client.subscribe(60)
    await client.pull(0.2)
    loop = asyncio.get_running_loop()
    out = []
    for i in range(n):
        sent = 0.0

        def fire(value: bool = i % 2 == 0) -> None:
            nonlocal sent
            sent = time.perf_counter()
            sim.trigger("input", value, "DI_1")

        loop.call_later(0.02, fire)
        events = await client.pull(2.0)
        assert events, "no event"
        out.append(time.perf_counter() - sent)
    return out


async def _grab_rate(url: str, seconds: float, consumer_fps: float) -> dict[str, float]:
    grabber = FrameGrabber(url, name="bench")
    started, cpu0 = time.perf_counter(), _cpu()
    grabber.start()
    first = await grabber.next_frame(timeout=20)
    first_after = time.perf_counter() - started
    taken, grabbed0 = 0, grabber.grabbed
    t0 = time.perf_counter()
    async for _ in grabber.frames(consumer_fps):
        taken += 1
        if time.perf_counter() - t0 >= seconds:
            break
    elapsed = time.perf_counter() - t0
    result = {
        "first_frame_s": first_after, "grab_fps": (grabber.grabbed - grabbed0) / elapsed,
        "consumer_fps": taken / elapsed, "dropped": grabber.dropped,
        "cpu_pct": 100 * (_cpu() - cpu0) / (time.perf_counter() - started),
        "width": first.image.shape[1], "height": first.image.shape[0],
    }  # fmt: skip
    await grabber.stop()
    return result


async def main(cameras: int, seconds: float) -> None:
    """Run every measurement and print the figures."""
    sims = [
        CameraSimulator(name=f"Cam {i}", serial=f"B{i:03d}", control_port=None, fps=25,
                        open_operations=OPEN_NONE, discovery=True, discovery_port=0)
        for i in range(cameras)
    ]  # fmt: skip
    for sim in sims:
        await sim.start()
    try:
        async with aiohttp.ClientSession() as session:
            clients = [OnvifClient("127.0.0.1", s.port, "admin", "admin", session) for s in sims]
            started = time.perf_counter()
            await asyncio.gather(*(c.connect() for c in clients))
            print(f"connect {cameras} cameras concurrently (services, identity, profiles): "
                  f"{(time.perf_counter() - started) * 1000:.0f} ms")  # fmt: skip
            client, sim = clients[0], sims[0]
            _report("ONVIF GetHostname (WS-UsernameToken)", await _timed(200, client.ping))
            uri = await client.snapshot_uri(client.profile().token)
            _report(
                "snapshot 640x360 JPEG, HTTP digest",
                await _timed(100, lambda: client.fetch_snapshot(uri)),
            )
            _report(
                "PullPoint event: trigger -> CameraEvent", await _event_latency(sim, client, 50)
            )
            targets = [("127.0.0.1", s.discovery.port) for s in sims if s.discovery]
            probes = await _timed(5, lambda: probe(targets, timeout=0.3))
            found = await probe(targets, timeout=0.3)
            window = statistics.median(probes)
            print(f"WS-Discovery unicast probe of {len(targets)} targets: found {len(found)} "
                  f"(listen window 0.3 s, {window:.2f} s per probe)")  # fmt: skip
            for c in clients:
                await c.close()
        mjpeg = await _grab_rate(sims[0].ctx.mjpeg_url, seconds, consumer_fps=5)
        print("MJPEG 640x360 @25 fps, consumer asks 5 fps:", _fmt(mjpeg))
    finally:
        for sim in sims:
            await sim.stop()
    async with CameraSimulator(control_port=None, fps=25, rtsp=True) as sim:
        if sim.ctx.rtsp_url:
            rtsp = await _grab_rate(sim.ctx.rtsp_url, seconds, consumer_fps=5)
            print("RTSP H.264 640x360 @25 fps (GStreamer), consumer 5 fps:", _fmt(rtsp))
        else:
            print("RTSP: GStreamer RTSP server not available, skipped")


def _fmt(result: dict[str, float]) -> str:
    return (f"first frame {result['first_frame_s']:.2f} s, grabbed {result['grab_fps']:.1f} fps, "
            f"delivered {result['consumer_fps']:.1f} fps, dropped {int(result['dropped'])}, "
            f"process CPU {result['cpu_pct']:.0f} % of one core (simulator included)")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cameras", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    asyncio.run(main(args.cameras, args.seconds))
