"""Voice intercom (语音对讲): the platform double INVITEs a speaker with s=Talk; its voice
plays on the speaker, and the gate's sound - the audio track of the ONVIF camera
simulator's RTSP stream (its G.711 switch: a 1 kHz tone) - comes back as PCMA RTP from the
hub's media port. The double is written from GB/T 28181 (no police platform runs here)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from hub.testing import wait_for
from plugins.uplinks.gb28181.audio import alaw_to_pcm
from plugins.uplinks.gb28181.device import Channel, Gb28181Device
from plugins.uplinks.gb28181.register import Registrar, RegistrationSettings
from plugins.uplinks.gb28181.rtp import parse_rtp
from plugins.uplinks.gb28181.sdp import parse_offer
from plugins.uplinks.gb28181.sip import SipEndpoint
from simulators.onvif_camera.server import CameraSimulator
from simulators.speaker.server import _measure

from .conftest import DOMAIN, HUB_ID, PLATFORM_ID, need
from .test_broadcast import TONE, Pieces, ffmpeg, tone

SPEAKER_ID = "34020000001370000001"
MUTE_ID = "34020000001370000002"  # a speaker with no microphone configured
SSRC = "0100000003"


@pytest.fixture
async def microphone() -> AsyncIterator[str]:
    """The camera simulator with its audio switch on; yields its RTSP URL."""
    need("ffmpeg")
    async with CameraSimulator(rtsp=True, control_port=None, width=320, height=180,
                               rtsp_audio="pcma") as sim:
        assert sim.ctx.rtsp_url, "the simulator's GStreamer RTSP server did not start"
        yield sim.ctx.rtsp_url


class MediaPort(asyncio.DatagramProtocol):
    """The platform's audio port: collects (source address, packet)."""

    def __init__(self) -> None:
        self.packets: list[tuple[Any, bytes]] = []

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.packets.append((addr, data))


def talk_sdp(port: int) -> bytes:
    """The platform's Talk offer: PCMA both ways from/to 127.0.0.1:port."""
    return ("v=0\r\no=34020000002000000002 0 0 IN IP4 127.0.0.1\r\ns=Talk\r\n"
            f"c=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {port} RTP/AVP 8\r\na=sendrecv\r\n"
            f"a=rtpmap:8 PCMA/8000\r\ny={SSRC}\r\nf=v/////a/1/8/1\r\n").encode()


async def test_talk_both_ways(double: Any, microphone: str) -> None:
    """s=Talk: the answer is sendrecv on the hub's port; the platform's 440 Hz plays on
    the speaker; the gate's 1 kHz comes back as PCMA (PT 8, the offer's SSRC, 20 ms
    packets) from that same port; BYE stops both. A speaker without a microphone answers
    recvonly (one-way)."""
    platform, port = double
    loop = asyncio.get_running_loop()
    ep = SipEndpoint("udp", ("127.0.0.1", 0), ("127.0.0.1", port))
    await ep.start()
    pieces = Pieces()
    channels = [Channel(SPEAKER_ID, "gate", "speaker", "speaker.gate", microphone_url=microphone),
                Channel(MUTE_ID, "yard", "speaker", "speaker.yard")]
    device = Gb28181Device(ep, Registrar(ep, RegistrationSettings(HUB_ID, DOMAIN, PLATFORM_ID,
                                                                  "x")),
                           civil_code="340200", name="hub", actions=pieces,
                           channels=lambda: channels)
    media, media_port = MediaPort(), 0
    transport, _ = await loop.create_datagram_endpoint(lambda: media,
                                                       local_addr=("127.0.0.1", 0))
    media_port = transport.get_extra_info("sockname")[1]
    try:
        platform.send_request(ep.local, "INVITE", SPEAKER_ID, call_id="talk1",
                              body=talk_sdp(media_port), content_type="application/sdp")
        ok = await platform.response("INVITE")
        assert ok.status_code == 200 and "a=sendrecv" in ok.body.decode()
        answer = parse_offer(ok.body.decode())
        assert answer.formats == (8,) and answer.session == "Talk"
        hub_tag = (ok.get_header("To") or "").split("tag=")[1]
        platform.send_request(ep.local, "ACK", SPEAKER_ID, call_id="talk1", to_tag=hub_tag)

        codes = await ffmpeg(*tone(), "-c:a", "pcm_alaw", "-f", "alaw", "-")
        for n, at in enumerate(range(0, len(codes), 160)):  # the police officer speaks
            header = bytes([0x80, 8]) + n.to_bytes(2, "big") + (n * 160).to_bytes(4, "big")
            transport.sendto(header + (7).to_bytes(4, "big") + codes[at:at + 160],
                             ("127.0.0.1", answer.port))
            await asyncio.sleep(0.005)
        # 1 s of the gate; ffmpeg must pull the microphone first (slow on a loaded machine)
        await wait_for(lambda: len(media.packets) >= 50, timeout=20)
        platform.send_request(ep.local, "BYE", SPEAKER_ID, call_id="talk1", to_tag=hub_tag,
                              cseq=2)
        assert (await platform.response("BYE")).status_code == 200
        await wait_for(lambda: "gb28181.broadcast_ended" in pieces.audits, timeout=5)
        sent = len(media.packets)
        await asyncio.sleep(0.3)
        assert len(media.packets) == sent  # nothing after BYE

        sources = {addr for addr, _ in media.packets}
        assert sources == {("127.0.0.1", answer.port)}  # symmetric RTP
        parsed = [parse_rtp(p) for _, p in media.packets]
        assert {(pt, ssrc) for pt, _, _, ssrc, _, _ in parsed} == {(8, int(SSRC))}
        assert {len(data) for *_, data in parsed} == {160}
        gate = alaw_to_pcm(b"".join(data for *_, data in parsed))
        heard = _measure(gate, 2, 1, 8000)
        assert heard is not None and abs(heard[1] - 1000) < 20 and heard[0] > 0.1
        spoken = _measure(pieces.pcm(), 2, 1, 8000)
        assert spoken is not None and abs(spoken[1] - TONE) < 10
        assert len(pieces.pcm()) == len(codes) * 2

        platform.send_request(ep.local, "INVITE", MUTE_ID, call_id="talk2",
                              body=talk_sdp(media_port), content_type="application/sdp")
        one_way = await platform.response("INVITE")
        assert one_way.status_code == 200 and "a=recvonly" in one_way.body.decode()
    finally:
        transport.close()
        await device.close()
        await ep.stop()
