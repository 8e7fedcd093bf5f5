"""Live view: SIPp sends the INVITE, the hub sends the ONVIF simulator's H.264 as RTP/PS, and
ffprobe (not our code) judges that the received program stream decodes at the camera's size."""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import struct
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from plugins.uplinks.gb28181.device import Channel, Gb28181Device
from plugins.uplinks.gb28181.ptz import PtzCommand
from plugins.uplinks.gb28181.register import Registrar, RegistrationSettings
from plugins.uplinks.gb28181.rtp import parse_rtp
from plugins.uplinks.gb28181.sip import SipEndpoint
from simulators.onvif_camera.server import CameraSimulator

from .conftest import DOMAIN, HUB_ID, PLATFORM_ID, free_port, need

CAMERA_ID = "34020000001320000001"
SSRC = "0100000001"
WIDTH, HEIGHT = 640, 360


class NoActions:
    """Live-view tests make no PTZ or alarm calls."""

    async def ptz(self, channel: Channel, command: PtzCommand) -> None:
        raise AssertionError("unexpected PTZ")

    async def reset_alarm(self, channel: Channel | None) -> None:
        raise AssertionError("unexpected reset")

    async def speaker_audio(self, channel: Channel, wav: bytes) -> None:
        raise AssertionError("unexpected audio")

    async def presets(self, channel: Channel) -> dict[str, str]:
        return {}

    def audit(self, action: str, channel: Channel | None, details: dict[str, Any]) -> None:
        pass


@pytest.fixture
async def camera() -> AsyncIterator[str]:
    """The ONVIF camera simulator serving H.264 over RTSP; yields its URL."""
    need("ffmpeg")
    async with CameraSimulator(rtsp=True, control_port=None, width=WIDTH, height=HEIGHT) as sim:
        assert sim.ctx.rtsp_url, "the simulator's GStreamer RTSP server did not start"
        yield sim.ctx.rtsp_url


@pytest.fixture
async def hevc_camera() -> AsyncIterator[str]:
    """The simulator with its H.265 switch on (GStreamer x265enc); yields its RTSP URL."""
    need("ffmpeg")
    async with CameraSimulator(rtsp=True, control_port=None, width=WIDTH, height=HEIGHT,
                               rtsp_codec="h265") as sim:
        assert sim.ctx.rtsp_url, "the simulator's H.265 RTSP server did not start"
        yield sim.ctx.rtsp_url


async def make_device(transport: str, url: str) -> Gb28181Device:
    """A device on loopback exposing one camera; no platform to register with."""
    ep = SipEndpoint(transport, ("127.0.0.1", 0), ("127.0.0.1", free_port()))  # type: ignore[arg-type]
    await ep.start()
    reg = Registrar(ep, RegistrationSettings(HUB_ID, DOMAIN, PLATFORM_ID, "x"))
    channels: Sequence[Channel] = [Channel(CAMERA_ID, "Gate", "camera", "camera.gate",
                                           stream_url=url)]
    return Gb28181Device(ep, reg, civil_code="340200", name="Hub", channels=lambda: channels,
                         actions=NoActions())


class Receiver:
    """The platform's media port: collects RTP packets (UDP, or RFC 4571 over TCP)."""

    def __init__(self) -> None:
        self.packets: list[tuple[float, bytes]] = []

    def add(self, packet: bytes) -> None:
        self.packets.append((asyncio.get_running_loop().time(), packet))

    async def udp(self, port: int) -> asyncio.DatagramTransport:
        receiver = self

        class Proto(asyncio.DatagramProtocol):
            def datagram_received(self, data: bytes, addr: Any) -> None:
                receiver.add(data)

        transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
            Proto, local_addr=("127.0.0.1", port))
        return transport

    async def tcp_reader(self, reader: asyncio.StreamReader) -> None:
        try:
            while True:
                (length,) = struct.unpack(">H", await reader.readexactly(2))
                self.add(await reader.readexactly(length))
        except (asyncio.IncompleteReadError, ConnectionError):
            return


def check_rtp(packets: list[tuple[float, bytes]], path: Path) -> None:
    """RTP rules of GB/T 28181: PT 96, SSRC = y=, one timestamp per frame, marker last."""
    payload = bytearray()
    parsed = [parse_rtp(p) for _, p in packets]
    for n, (pt, _seq, ts, ssrc, marker, data) in enumerate(parsed):
        assert pt == 96 and ssrc == int(SSRC)
        nxt = parsed[n + 1] if n + 1 < len(parsed) else None
        if nxt is not None:
            assert marker == (nxt[2] != ts), f"packet {n}: marker must end each frame"
        payload += data
    seqs = [p[1] for p in parsed]
    assert all((b - a) % 65536 == 1 for a, b in itertools.pairwise(seqs))
    path.write_bytes(bytes(payload))


async def trace_tail(platform: Any) -> str:
    """The last 3000 characters of SIPp's message trace (why a call failed)."""
    def read() -> str:
        return platform.trace.read_text(errors="replace") if platform.trace.exists() else ""

    return (await asyncio.to_thread(read))[-3000:]


def ffprobe(path: Path) -> dict[str, Any]:
    """ffprobe's view of a program stream file: codec, size, frames decoded."""
    import subprocess

    out = subprocess.run(
        [need("ffprobe"), "-v", "error", "-f", "mpeg", "-count_frames", "-select_streams", "v:0",
         "-show_entries", "stream=codec_name,width,height,nb_read_frames", "-of", "json",
         str(path)], capture_output=True, check=True, text=True).stdout  # fmt: skip
    stream: dict[str, Any] = json.loads(out)["streams"][0]
    return stream


@pytest.mark.parametrize(("sip", "media"), [("udp", "udp"), ("tcp", "tcp_active"),
                                            ("udp", "tcp_passive")])
async def test_invite_streams_ps_that_ffprobe_decodes(sipp: Any, camera: str, tmp_path: Path,
                                                      sip: str, media: str) -> None:
    """INVITE -> >= 5 s of the camera's H.264 at its size, in PS over RTP; BYE stops it."""
    device = await make_device(sip, camera)
    receiver = Receiver()
    rtp_port = free_port(socket.SOCK_DGRAM if media == "udp" else socket.SOCK_STREAM)
    closers: list[Any] = []
    readers: list[asyncio.Task[None]] = []
    if media == "udp":
        closers.append(await receiver.udp(rtp_port))
    elif media == "tcp_active":  # the platform listens (a=setup:passive), the hub connects
        server = await asyncio.start_server(
            lambda r, w: readers.append(asyncio.create_task(receiver.tcp_reader(r))),
            "127.0.0.1", rtp_port)
        closers.append(server)
    variables = {"channel": CAMERA_ID, "platform": PLATFORM_ID, "rtp_port": str(rtp_port),
                 "proto": "RTP/AVP" if media == "udp" else "TCP/RTP/AVP",
                 "setup": "active" if media == "tcp_passive" else "passive", "ssrc": SSRC}
    try:
        platform = await sipp("invite.xml", transport=sip, target=device.endpoint.listening[1],
                              variables=variables)
        if media == "tcp_passive":  # the platform connects to the port the answer names
            async with asyncio.timeout(15):
                while True:  # the session appears when the INVITE is answered
                    if device.sessions:
                        break
                    await asyncio.sleep(0.05)
            session = next(iter(device.sessions.values()))
            reader, writer = await asyncio.open_connection("127.0.0.1", session.local_port)
            closers.append(writer)
            readers.append(asyncio.create_task(receiver.tcp_reader(reader)))
        assert platform.proc is not None
        async with asyncio.timeout(40):
            code = await platform.proc.wait()
        assert code == 0, f"SIPp's call failed; its trace ends:\n{await trace_tail(platform)}"
        ended_with = len(receiver.packets)
        await asyncio.sleep(1.0)
        assert len(receiver.packets) == ended_with, "packets kept coming after BYE"
        assert not device.sessions and device.pool._sources == {}
    finally:
        for closer in closers:
            closer.close()
        for task in readers:
            task.cancel()
        await device.close()
        await device.endpoint.stop()
    check_rtp(receiver.packets, tmp_path / "received.ps")
    stream = ffprobe(tmp_path / "received.ps")
    assert (stream["codec_name"], stream["width"], stream["height"]) == ("h264", WIDTH, HEIGHT)
    assert int(stream["nb_read_frames"]) >= 25  # 5 s at the simulator's 5 fps


async def test_h265_camera_streams_hevc_in_ps(sipp: Any, hevc_camera: str,
                                              tmp_path: Path) -> None:
    """An H.265 camera: the PS stream map says 0x24 and ffprobe decodes hevc at the camera's
    size from what arrived over RTP (3 s watched, copied, never re-encoded)."""
    device = await make_device("udp", hevc_camera)
    receiver = Receiver()
    rtp_port = free_port()
    closer = await receiver.udp(rtp_port)
    scenario = tmp_path / "invite_3s.xml"
    text = (Path(__file__).with_name("sipp") / "invite.xml").read_text()
    scenario.write_text(text.replace('<pause milliseconds="6500" />',
                                     '<pause milliseconds="3000" />'))
    variables = {"channel": CAMERA_ID, "platform": PLATFORM_ID, "rtp_port": str(rtp_port),
                 "proto": "RTP/AVP", "setup": "passive", "ssrc": SSRC}
    try:
        platform = await sipp(str(scenario), target=device.endpoint.listening[1],
                              variables=variables)
        assert platform.proc is not None
        async with asyncio.timeout(30):
            code = await platform.proc.wait()
        assert code == 0, f"SIPp's call failed; its trace ends:\n{await trace_tail(platform)}"
        answers = [t for _, t in await asyncio.to_thread(platform.responses, "INVITE")]
    finally:
        closer.close()
        await device.close()
        await device.endpoint.stop()
    assert answers and "f=v/5/" in answers[0]  # annex F video codec 5: H.265
    check_rtp(receiver.packets, tmp_path / "received.ps")
    ps = (tmp_path / "received.ps").read_bytes()
    assert b"\x24\xe0" in ps  # the stream map: stream type 0x24 (HEVC) for stream 0xE0
    stream = ffprobe(tmp_path / "received.ps")
    assert (stream["codec_name"], stream["width"], stream["height"]) == ("hevc", WIDTH, HEIGHT)
    assert int(stream["nb_read_frames"]) >= 10  # 3 s at 5 fps, from the first key frame
