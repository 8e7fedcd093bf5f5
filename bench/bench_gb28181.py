"""GB/T 28181 benchmark: alarm MESSAGE latency, INVITE -> first RTP packet, CPU of muxing.

1. alarm: `Gb28181Device.send_alarm` to a platform double on 127.0.0.1 (UDP) that answers
   200 OK; latency from the call to the double having the MESSAGE (one clock).
2. live view: the ONVIF simulator's RTSP (640x360, 5 fps) already pulled by one viewer;
   a second INVITE -> its first RTP packet (the GOP cache lets it start at once).
3. CPU per stream: PS + RTP muxing of 1080p-sized access units (100 KB key frame every
   25 frames, 15 KB otherwise; 25 fps) measured as process CPU seconds per second of
   video. ffmpeg's `-c copy` pull is a separate process, measured with its own CPU time.

    .venv/bin/python bench/bench_gb28181.py [--alarms 500]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from datetime import datetime
from typing import Any

from aiosipua import SipMessage, SipRequest

from plugins.uplinks.gb28181.device import Alarm, Gb28181Device
from plugins.uplinks.gb28181.media import MediaSession
from plugins.uplinks.gb28181.ps import PsMuxer
from plugins.uplinks.gb28181.register import Registrar, RegistrationSettings
from plugins.uplinks.gb28181.rtp import RtpPacketizer
from plugins.uplinks.gb28181.sdp import parse_offer
from plugins.uplinks.gb28181.sip import SipEndpoint, make_response
from simulators.onvif_camera.server import CameraSimulator

HUB, PLATFORM, DOMAIN = "34020000002000000001", "34020000002000000002", "3402000000"


class Double(asyncio.DatagramProtocol):
    """Answers every request 200 and notes when each MESSAGE arrived."""

    def __init__(self) -> None:
        self.arrived: list[float] = []
        self.transport: Any = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: Any) -> None:
        msg = SipMessage.parse(data)
        if isinstance(msg, SipRequest):
            self.arrived.append(time.perf_counter())
            self.transport.sendto(bytes(make_response(msg, 200, "OK")), addr)


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (0-100)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q / 100))]


async def bench_alarm(count: int) -> None:
    loop = asyncio.get_running_loop()
    transport, double = await loop.create_datagram_endpoint(Double, local_addr=("127.0.0.1", 0))
    ep = SipEndpoint("udp", ("127.0.0.1", 0), transport.get_extra_info("sockname"))
    await ep.start()
    device = Gb28181Device(ep, Registrar(ep, RegistrationSettings(HUB, DOMAIN, PLATFORM, "x")),
                           civil_code="340200", name="hub", channels=list, actions=None)  # type: ignore[arg-type]
    latencies = []
    for _ in range(count):
        start = time.perf_counter()
        await device.send_alarm(Alarm("34020000001340000001", 1, 2, "panic", datetime.now()))
        latencies.append((double.arrived[-1] - start) * 1000)
    print(f"alarm MESSAGE at the platform: n={count} p50={statistics.median(latencies):.2f} ms "
          f"p99={pct(latencies, 99):.2f} ms")
    await ep.stop()
    transport.close()


async def first_packet(session: MediaSession) -> None:
    """Wait until the session sent its first packet (polled every millisecond)."""
    while True:
        if session.first_packet_at is not None:
            return
        await asyncio.sleep(0.001)


async def bench_invite() -> None:
    async with CameraSimulator(rtsp=True, control_port=None, width=640, height=360) as sim:
        assert sim.ctx.rtsp_url
        from plugins.uplinks.gb28181.source import SourcePool

        pool = SourcePool()
        sink = await asyncio.get_running_loop().create_datagram_endpoint(
            asyncio.DatagramProtocol, local_addr=("127.0.0.1", 0))
        offer = parse_offer(f"v=0\r\nc=IN IP4 127.0.0.1\r\nm=video "
                            f"{sink[0].get_extra_info('sockname')[1]} RTP/AVP 96\r\n")
        cold = time.perf_counter()
        first = MediaSession(offer, pool, sim.ctx.rtsp_url, "127.0.0.1")
        await first.prepare()
        first.start()
        await first_packet(first)
        print(f"INVITE -> first RTP, camera not yet pulled: {(time.perf_counter() - cold):.2f} s")
        await asyncio.sleep(3)
        cpu0 = os.times()
        warm = [MediaSession(offer, pool, sim.ctx.rtsp_url, "127.0.0.1") for _ in range(5)]
        for session in warm:
            t0 = time.monotonic()
            await session.prepare()
            session.start()
            await first_packet(session)
            print(f"INVITE -> first RTP, camera already streaming: "
                  f"{(session.first_packet_at - t0) * 1000:.1f} ms")
        await asyncio.sleep(10)
        cpu1 = os.times()
        used = (cpu1.user - cpu0.user + cpu1.system - cpu0.system) / 10
        print(f"hub process CPU with 6 viewers of one 640x360 5 fps camera: {used * 100:.2f} % "
              f"of one core; camera pulls: {len(pool._sources)}")
        for session in [first, *warm]:
            await session.stop()
        sink[0].close()


def bench_mux() -> None:
    muxer, rtp = PsMuxer(), RtpPacketizer(1)
    key = b"\x00\x00\x00\x01\x67" + b"\x11" * 20 + b"\x00\x00\x00\x01\x65" + b"\x22" * 100_000
    delta = b"\x00\x00\x00\x01\x41" + b"\x33" * 15_000
    frames = 25 * 20
    start = time.process_time()
    for n in range(frames):
        unit = key if n % 25 == 0 else delta
        for _ in rtp.packets(muxer.mux(unit, n * 3600, n % 25 == 0), n * 3600):
            pass
    cpu = (time.process_time() - start) / 20
    print(f"PS+RTP mux of a 1080p-sized 25 fps stream: {cpu * 100:.2f} % of one core per "
          f"stream (16 streams: {cpu * 1600:.0f} %)")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--alarms", type=int, default=500)
    args = parser.parse_args()
    await bench_alarm(args.alarms)
    bench_mux()
    await bench_invite()


if __name__ == "__main__":
    asyncio.run(main())
