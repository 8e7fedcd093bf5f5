"""GB/T 28181 through the whole hub: panic press -> Alarm MESSAGE at the platform, and the
CPU of N concurrent 1080p live views including each camera pull's own ffmpeg.

1. panic: a child process runs the Modbus I/O simulator and a platform double (UDP, answers
   REGISTER and MESSAGE 200, notes when each Alarm MESSAGE arrives, by DeviceID). The hub
   (real recorder: SQLite WAL in a temp folder, so each alarm is committed to the outbox
   before it is sent) scans the module every `--scan` s. Each press is a different input
   (an open incident of the same input would only get a step). Latency: press -> MESSAGE
   at the platform (time.monotonic, one machine); also the hub's own part: the input's
   state change -> MESSAGE.
2. streams: one GStreamer RTSP server encodes one 1080p 25 fps H.264 stream (shared media;
   its CPU is the cameras', reported apart); the hub opens N live views of N "cameras"
   (distinct URLs, so N separate ffmpeg `-c copy` pulls) sending RTP/PS over UDP to sockets
   nobody reads. CPU over `--seconds`: the hub process, and the ffmpeg pulls (/proc).

3. broadcast: Notify Broadcast to a hub with an http_speaker (the speaker simulator, here)
   and the gb28181 uplink; the hub INVITEs the double, which then sends 5 s of PCMA RTP in
   real time (20 ms packets). Delay: a piece's last sample sent -> the speaker has the
   piece; and its first sample -> the speaker has it (what the gate hears late), for
   `--chunks` piece lengths (broadcast_chunk_seconds).

    .venv/bin/python bench/bench_gb28181_hub.py [--presses 100] [--scan 0.1] [--streams 8]
        [--chunks 1.0 0.25]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import os
import random
import socket
import statistics
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

PLATFORM_ID = "34020000002000000002"
TICK = os.sysconf("SC_CLK_TCK")


# ------------------------------------------------------------------ child: Modbus + platform


def serve_peers(conn: Connection, inputs: int) -> None:
    """Child process entry: the I/O module simulator and the platform double."""
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(_serve(conn, inputs))


async def _serve(conn: Connection, inputs: int) -> None:
    from aiosipua import SipMessage, SipRequest

    from plugins.uplinks.gb28181 import manscdp
    from plugins.uplinks.gb28181.sip import make_response
    from simulators.modbus import IOModuleSimulator

    arrivals: dict[str, float] = {}

    class Platform(asyncio.DatagramProtocol):
        def connection_made(self, transport: Any) -> None:
            self.transport = transport

        def datagram_received(self, data: bytes, addr: Any) -> None:
            now = time.monotonic()
            msg = SipMessage.parse(data)
            if not isinstance(msg, SipRequest):
                return
            self.transport.sendto(bytes(make_response(msg, 200, "OK")), addr)
            if msg.method == "MESSAGE" and b"<CmdType>Alarm<" in msg.body:
                arrivals.setdefault(manscdp.parse(msg.body).device_id, now)

    sim = IOModuleSimulator(["no"] * inputs)
    await sim.start()
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(Platform, local_addr=("127.0.0.1", 0))
    conn.send({"modbus": sim.port, "platform": transport.get_extra_info("sockname")[1]})
    while True:
        command, *args = await loop.run_in_executor(None, conn.recv)
        if command == "press":
            sim.press(args[0])
            conn.send(time.monotonic())
        elif command == "release":
            sim.release(args[0])
            conn.send(None)
        elif command == "arrived":
            conn.send(arrivals.get(args[0]))
        elif command == "stop":
            break
    await sim.stop()
    transport.close()
    conn.send("stopped")


def hub_yaml(folder: Path, modbus: int, platform: int, inputs: int, scan: float) -> str:
    """The bench site: one I/O module of panic inputs, all exposed to the platform."""
    lines = ["hub:", "  site: bench", "recorder:",
             f"  db_url: sqlite+aiosqlite:///{folder}/bench.db", "devices:",
             "  - platform: modbus_io", "    name: Bench IO", "    host: 127.0.0.1",
             f"    port: {modbus}", f"    scan_interval: {scan}", "    inputs:"]
    lines += [f"      - {{name: Bench in{i:02d}, address: {i}, category: panic}}"
              for i in range(inputs)]
    lines += ["uplinks:", "  - type: gb28181", "    name: police_video",
              f"    platform_id: '{PLATFORM_ID}'", "    platform_host: 127.0.0.1",
              f"    platform_port: {platform}", "    local_port: 0",
              "    civil_code: '340200'", "    password: bench", "    alarm_inputs:"]
    lines += [f"      - {{entity_id: alarm.bench_in{i:02d}}}" for i in range(inputs)]
    return "\n".join(lines) + "\n"


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


async def bench_panic(presses: int, scan: float) -> None:
    from hub.testing import make_hub, wait_for

    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=serve_peers, args=(child, presses))
    proc.start()
    loop = asyncio.get_running_loop()

    async def call(*command: Any) -> Any:
        def rpc() -> Any:
            parent.send(command)
            return parent.recv()

        return await loop.run_in_executor(None, rpc)

    ports = await loop.run_in_executor(None, parent.recv)
    with tempfile.TemporaryDirectory() as tmp:
        harness = await make_hub(Path(tmp), hub_yaml(Path(tmp), ports["modbus"],
                                                     ports["platform"], presses, scan))
        hub = harness.hub
        try:
            uplink = hub.components["uplinks"].get("police_video")
            await wait_for(lambda: uplink.status()["state"] == "registered", timeout=30)
            ids = {c.entity_id: c.id for c in uplink._config.alarm_inputs}
            await wait_for(lambda: all((s := hub.states.get(e)) is not None
                                       and s.state == "idle" for e in ids), timeout=30)
            triggered: dict[str, float] = {}

            def on_state(event: Any) -> None:
                new = event.data.get("new_state")
                if new is not None and new.state == "triggered":
                    triggered.setdefault(event.data["entity_id"], time.monotonic())

            hub.bus.listen("state_changed", on_state)
            total, hub_part = [], []
            for i in range(presses):
                entity = f"alarm.bench_in{i:02d}"
                pressed = await call("press", i)
                deadline = time.monotonic() + 10
                while (arrived := await call("arrived", ids[entity])) is None:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"no alarm MESSAGE for {entity}")
                    await asyncio.sleep(0.002)
                total.append((arrived - pressed) * 1000)
                hub_part.append((arrived - triggered[entity]) * 1000)
                await call("release", i)
                await asyncio.sleep(random.uniform(0.02, 0.12))  # random phase to the scan
        finally:
            await hub.stop()
            await call("stop")
            proc.join(10)
    print(f"panic press -> Alarm MESSAGE at the platform, through the hub (Modbus scan "
          f"{scan * 1000:.0f} ms, recorder on SQLite): n={presses} "
          f"p50={statistics.median(total):.1f} ms p99={pct(total, 99):.1f} ms "
          f"max={max(total):.1f} ms")
    print(f"  of which input state change -> MESSAGE at the platform (the hub's part): "
          f"p50={statistics.median(hub_part):.1f} ms p99={pct(hub_part, 99):.1f} ms")


# ------------------------------------------------------------------ N 1080p live views

RTSP_SERVER = """
import sys, gi
gi.require_version("Gst", "1.0"); gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer
Gst.init(None)
server = GstRtspServer.RTSPServer(); server.set_address("127.0.0.1"); server.set_service("0")
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch("( videotestsrc is-live=true pattern=snow ! "
    "video/x-raw,width=1920,height=1080,framerate=25/1 ! x264enc tune=zerolatency "
    "speed-preset=ultrafast key-int-max=50 bitrate=4096 ! "
    "rtph264pay name=pay0 pt=96 config-interval=1 )")
factory.set_shared(True)
server.get_mount_points().add_factory("/stream1", factory)
server.attach(None)
print(server.get_bound_port(), flush=True)
GLib.MainLoop().run()
"""


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, in seconds (/proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


async def bench_streams(count: int, seconds: float) -> None:
    from plugins.uplinks.gb28181.media import MediaSession
    from plugins.uplinks.gb28181.sdp import parse_offer
    from plugins.uplinks.gb28181.source import SourcePool

    server = await asyncio.create_subprocess_exec(
        "/usr/bin/python3", "-c", RTSP_SERVER, stdout=asyncio.subprocess.PIPE)
    assert server.stdout is not None
    port = int((await server.stdout.readline()).decode())
    pool = SourcePool()
    sinks: list[socket.socket] = []
    sessions: list[MediaSession] = []
    try:
        for n in range(count):
            sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sink.bind(("127.0.0.1", 0))  # never read: the kernel drops what overflows
            sinks.append(sink)
            offer = parse_offer(f"v=0\r\nc=IN IP4 127.0.0.1\r\nm=video "
                                f"{sink.getsockname()[1]} RTP/AVP 96\r\ny=010000{n:04d}\r\n")
            # one "camera" each: the user part makes the URL (and the pull) distinct
            session = MediaSession(offer, pool, f"rtsp://cam{n}@127.0.0.1:{port}/stream1",
                                   "127.0.0.1")
            source = await session.prepare()
            session.start()
            sessions.append(session)
        print(f"{count} live views of {source.width}x{source.height} {source.codec} "
              f"({len(pool._sources)} ffmpeg pulls)")
        await asyncio.sleep(3)  # settle
        pids = [s._proc.pid for s in pool._sources.values() if s._proc is not None]
        hub0, wall0 = time.process_time(), time.monotonic()
        pulls0 = sum(cpu_seconds(p) for p in pids)
        cam0 = cpu_seconds(server.pid)
        packets0 = sum(s.packets for s in sessions)
        frames0 = sum(s.frames for s in pool._sources.values())
        await asyncio.sleep(seconds)
        wall = time.monotonic() - wall0
        hub = (time.process_time() - hub0) / wall
        pulls = (sum(cpu_seconds(p) for p in pids) - pulls0) / wall
        cam = (cpu_seconds(server.pid) - cam0) / wall
        rate = (sum(s.packets for s in sessions) - packets0) / wall / count
        fps = (sum(s.frames for s in pool._sources.values()) - frames0) / wall / count
        per = (hub + pulls) / count
        print(f"  hub process {hub * 100:.1f} % + ffmpeg pulls {pulls * 100:.1f} % of one core "
              f"= {per * 100:.2f} % per stream ({fps:.1f} fps, {rate:.0f} RTP packets/s, "
              f"~{rate * 1400 * 8 / 1e6:.1f} Mbit/s each); "
              f"projected 16 streams: {per * 1600:.0f} % of one core (2 cores = 200 %)")
        print(f"  (the simulated camera's own 1080p x264 encoding: {cam * 100:.0f} %, not "
              f"the hub's)")
    finally:
        for session in sessions:
            await session.stop()
        await pool.close()
        for sink in sinks:
            sink.close()
        server.terminate()
        await server.wait()


class BroadcastPlatform(asyncio.DatagramProtocol):
    """Answers every request 200 (an INVITE with a PCMA sendonly SDP); keeps the INVITE."""

    def __init__(self) -> None:
        self.invite: Any = None
        self.transport: Any = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: Any) -> None:
        from aiosipua import SipMessage, SipRequest

        from plugins.uplinks.gb28181.sip import make_response

        msg = SipMessage.parse(data)
        if not isinstance(msg, SipRequest) or msg.method == "ACK":
            return
        body = b""
        if msg.method == "INVITE":
            self.invite = msg
            body = (b"v=0\r\no=p 0 0 IN IP4 127.0.0.1\r\ns=Play\r\nc=IN IP4 127.0.0.1\r\n"
                    b"t=0 0\r\nm=audio 9 RTP/AVP 8\r\na=sendonly\r\ny=0100000001\r\n")
        self.transport.sendto(bytes(make_response(
            msg, 200, "OK", body=body, content_type="application/sdp" if body else None)),
            addr)


async def bench_broadcast(chunk: float, seconds: float = 5.0) -> None:
    import struct

    from hub.testing import make_hub, wait_for
    from plugins.uplinks.gb28181 import manscdp
    from plugins.uplinks.gb28181.sdp import parse_offer
    from simulators.speaker import SpeakerSimulator

    loop = asyncio.get_running_loop()
    transport, platform = await loop.create_datagram_endpoint(
        BroadcastPlatform, local_addr=("127.0.0.1", 0))
    speaker = SpeakerSimulator(token="t")
    await speaker.start()
    yaml = (f"recorder:\n  enabled: false\ndevices:\n  - platform: http_speaker\n"
            f"    name: Gate\n    url: {speaker.url}\n    token: t\nuplinks:\n"
            f"  - type: gb28181\n    name: police_video\n    platform_id: '{PLATFORM_ID}'\n"
            f"    platform_host: 127.0.0.1\n"
            f"    platform_port: {transport.get_extra_info('sockname')[1]}\n"
            f"    local_port: 0\n    civil_code: '340200'\n    password: x\n"
            f"    broadcast_chunk_seconds: {chunk}\n"
            f"    speakers: [{{entity_id: speaker.gate}}]\n")
    with tempfile.TemporaryDirectory() as tmp:
        hub = (await make_hub(Path(tmp), yaml)).hub
        try:
            uplink = hub.components["uplinks"].get("police_video")
            await wait_for(lambda: uplink.status()["state"] == "registered"
                           and hub.states.get("speaker.gate") is not None
                           and hub.states.get("speaker.gate").state == "idle", timeout=30)
            speaker_id = uplink._config.speakers[0].id
            notify = manscdp.build("Notify", "Broadcast", 1, speaker_id,
                                   [("SourceID", "34020000001360000001"),
                                    ("TargetID", speaker_id)])
            req = f"MESSAGE sip:{speaker_id}@3402000000 SIP/2.0\r\n".encode() + (
                "Via: SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bKb1\r\nFrom: <sip:p@3402000000>"
                ";tag=p\r\nTo: <sip:h@3402000000>\r\nCall-ID: b1\r\nCSeq: 1 MESSAGE\r\n"
                f"Content-Type: {manscdp.CONTENT_TYPE}\r\n"
                f"Content-Length: {len(notify)}\r\n\r\n").encode() + notify
            transport.sendto(req, uplink.endpoint.local)
            await wait_for(lambda: platform.invite is not None, timeout=10)
            port = parse_offer(platform.invite.body.decode()).port
            sent: list[float] = []
            tone = bytes([0xD5, 0x55] * 80)  # a loud square-ish A-law pattern
            start = time.monotonic()
            for n in range(int(seconds * 50)):
                await asyncio.sleep(max(0.0, start + n * 0.02 - time.monotonic()))
                transport.sendto(struct.pack(">BBHII", 0x80, 8, n, n * 160, 1) + tone,
                                 ("127.0.0.1", port))
                sent.append(time.time())
            samples = max(160, int(chunk * 8000))  # per piece, as the hub cuts them
            pieces = len(sent) * 160 // samples
            await wait_for(lambda: len(speaker.played) >= pieces, timeout=10)
        finally:
            await hub.stop()
            await speaker.stop()
            transport.close()
    played = speaker.played[:pieces]  # 160 samples per packet: piece k ends in packet i
    last = [(p.received_at - sent[((k + 1) * samples - 1) // 160]) * 1000
            for k, p in enumerate(played)]
    first = [(p.received_at - sent[k * samples // 160]) * 1000 for k, p in enumerate(played)]
    print(f"broadcast, {chunk:g} s pieces ({len(played)} to the speaker): "
          f"last sample -> speaker p50 {statistics.median(last):.1f} ms max {max(last):.1f} "
          f"ms; first sample -> speaker (the delay heard) p50 {statistics.median(first):.0f} "
          f"ms max {max(first):.0f} ms")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--presses", type=int, default=100)
    parser.add_argument("--scan", type=float, default=0.1)
    parser.add_argument("--streams", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--chunks", type=float, nargs="*", default=[1.0, 0.25])
    parser.add_argument("--skip", choices=["panic", "streams", "broadcast"], action="append",
                        default=[])
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if "panic" not in args.skip:
        await bench_panic(args.presses, args.scan)
    if "streams" not in args.skip:
        await bench_streams(args.streams, args.seconds)
    if "broadcast" not in args.skip:
        for chunk in args.chunks:
            await bench_broadcast(chunk)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    asyncio.run(main())
