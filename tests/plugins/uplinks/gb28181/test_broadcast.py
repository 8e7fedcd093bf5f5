"""Voice broadcast (GB/T 28181-2016 9.12): the platform double sends Notify Broadcast and
takes or makes the audio INVITE; the audio itself is G.711 A-law made by ffmpeg (not our
code). What the simulated speaker received is measured: duration, loudness and pitch."""

from __future__ import annotations

import asyncio
import io
import struct
import wave
from collections.abc import Callable
from typing import Any

import pytest

from hub.testing import wait_for, wait_for_state
from plugins.uplinks.gb28181.audio import PsAudioDemuxer, alaw_to_pcm
from plugins.uplinks.gb28181.broadcast import BroadcastSettings
from plugins.uplinks.gb28181.device import Channel, Gb28181Device
from plugins.uplinks.gb28181.ptz import PtzCommand
from plugins.uplinks.gb28181.register import Registrar, RegistrationSettings
from plugins.uplinks.gb28181.sdp import parse_offer
from plugins.uplinks.gb28181.sip import SipEndpoint
from simulators.speaker import SpeakerSimulator
from simulators.speaker.server import _measure

from .conftest import DOMAIN, HUB_ID, PLATFORM_ID, free_port, need, registered_uplink, uplink_yaml

SPEAKER_ID = "34020000001370000001"  # generated: type 137, sequence 1
VOICE_ID = "34020000001360000001"  # the platform's voice source (type 136)
SPEAKER = Channel(SPEAKER_ID, "gate", "speaker", "speaker.gate")
SECONDS, TONE = 1.5, 440


async def ffmpeg(*args: str) -> bytes:
    """Run ffmpeg; return its stdout; fail with its stderr."""
    proc = await asyncio.create_subprocess_exec(
        need("ffmpeg"), "-hide_banner", "-loglevel", "error", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)  # fmt: skip
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode(errors="replace")
    return out


def tone() -> list[str]:
    """A lavfi 440 Hz tone at half scale, 8 kHz, in 20 ms frames."""
    return ["-f", "lavfi", "-i", f"sine=frequency={TONE}:duration={SECONDS}:sample_rate=8000:"
            "samples_per_frame=160", "-af", "volume=-6dB", "-ac", "1", "-ar", "8000"]



def hub_yaml(speaker_url: str, platform_port: int) -> str:
    """A speaker and a gb28181 uplink exposing it."""
    return f"""
devices:
  - platform: http_speaker
    name: Gate speaker
    url: {speaker_url}
    token: tok
""" + uplink_yaml(platform_port, keepalive_interval="30", broadcast_chunk_seconds="0.5",
                  speakers="[{entity_id: speaker.gate_speaker, name: 校门广播}]")


def sender_sdp(port: int) -> Callable[[Any], str]:
    """The platform's answer: it sends PCMA from 127.0.0.1:port."""
    return lambda _req: ("v=0\r\no=34020000002000000002 0 0 IN IP4 127.0.0.1\r\ns=Play\r\n"
                         f"c=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {port} RTP/AVP 8\r\n"
                         "a=sendonly\r\na=rtpmap:8 PCMA/8000\r\ny=0100000001\r\n")


async def test_broadcast_plays_on_the_speaker(double: Any, speaker: SpeakerSimulator,
                                              hub_factory: Any) -> None:
    """Notify Broadcast -> Response OK -> the hub INVITEs the voice source (and ACKs its
    repeated 200 again) -> ffmpeg sends
    1.5 s of a 440 Hz tone as PCMA RTP -> BYE: the speaker played 1.5 s at that pitch, and
    the audit log has the platform as the actor of every step."""
    platform, port = double
    h = await hub_factory(hub_yaml(speaker.url, port))
    await wait_for_state(h.hub, "speaker.gate_speaker", "idle")
    uplink = await registered_uplink(h.hub)
    hub_sip = uplink.endpoint.local
    platform.invite_sdp = sender_sdp(free_port())
    platform.repeat_invite_ok = True  # the 200 comes twice: the hub ACKs twice

    sn = platform.send(hub_sip, "Notify", "Broadcast", "",
                       [("SourceID", VOICE_ID), ("TargetID", SPEAKER_ID)])
    [answer] = await platform.answers(sn)
    assert (answer.cmd_type, answer.device_id, answer.text("Result")) == (
        "Broadcast", SPEAKER_ID, "OK")
    invite = await platform.request("INVITE")
    assert invite.uri == f"sip:{VOICE_ID}@{DOMAIN}"
    offer = parse_offer(invite.body.decode())
    assert offer.media == "audio" and 8 in offer.formats and offer.host == "127.0.0.1"
    first_ack = await platform.request("ACK")
    again = await platform.request("ACK")
    assert again.call_id == first_ack.call_id == invite.call_id

    await ffmpeg("-re", *tone(), "-c:a", "pcm_alaw", "-f", "rtp",
                 f"rtp://127.0.0.1:{offer.port}")
    hub_tag = invite.get_header("From").split("tag=")[1]
    platform.send_request(hub_sip, "BYE", SPEAKER_ID, call_id=invite.call_id,
                          to_tag=hub_tag, cseq=2)
    assert (await platform.response("BYE")).status_code == 200

    await wait_for(lambda: sum(p.duration for p in speaker.played) >= SECONDS - 0.05,
                   timeout=5)
    await asyncio.sleep(0.2)  # nothing more may come
    played = speaker.played
    assert SECONDS - 0.05 <= sum(p.duration for p in played) <= SECONDS + 0.05
    assert [p.duration for p in played] == [0.5, 0.5, 0.5]  # broadcast_chunk_seconds
    assert all(p.priority == "high" and p.sample_rate == 8000 for p in played)
    full = [p for p in played if p.duration >= 0.5]
    # lavfi sine is 1/8 of full scale, -6 dB more: RMS 0.125 * 0.501 / sqrt(2) = 0.0443
    assert full and all(p.rms is not None and 0.040 < p.rms < 0.049 for p in full)
    assert all(p.frequency is not None and abs(p.frequency - TONE) < 10 for p in full)
    audits = [e.data for e in h.of_type("audit_logged") if e.data["action"].startswith("gb")]
    assert [a["action"] for a in audits] == ["gb28181.broadcast_requested",
                                             "gb28181.broadcast_started",
                                             "gb28181.broadcast_ended"]
    assert {a["user"] for a in audits} == {"gb28181:police_video"}
    assert {a["target"] for a in audits} == {"speaker.gate_speaker"}
    assert audits[2]["details"]["seconds"] == pytest.approx(SECONDS, abs=0.05)
    assert uplink.status()["broadcasts"] == []


class Pieces:
    """The WAV pieces the device hands to the speaker, and the audit steps."""

    def __init__(self) -> None:
        self.wavs: list[bytes] = []
        self.audits: list[str] = []

    async def ptz(self, channel: Channel, command: PtzCommand) -> None:
        raise AssertionError("unexpected PTZ")

    async def reset_alarm(self, channel: Channel | None) -> None:
        raise AssertionError("unexpected reset")

    async def speaker_audio(self, channel: Channel, wav: bytes) -> None:
        self.wavs.append(wav)

    async def presets(self, channel: Channel) -> dict[str, str]:
        return {}

    def audit(self, action: str, channel: Channel | None, details: dict[str, Any]) -> None:
        self.audits.append(action)

    def pcm(self) -> bytes:
        """All audio received, as 16-bit PCM."""
        out = b""
        for data in self.wavs:
            with wave.open(io.BytesIO(data)) as wav:
                out += wav.readframes(wav.getnframes())
        return out


def ps_audio(codes: bytes, pts: int, first: bool) -> bytes:
    """G.711A in a program stream as platforms send it (annex C, written here from the
    standard): pack header; on the first, a stream map with type 0x90 for stream 0xC0;
    then one PES (0xC0) with a PTS."""
    scr = pts
    pack = b"\x00\x00\x01\xba" + bytes([
        0x44 | ((scr >> 27) & 0x38) | ((scr >> 28) & 0x03), (scr >> 20) & 0xFF,
        ((scr >> 12) & 0xF8) | 0x04 | ((scr >> 13) & 0x03), (scr >> 5) & 0xFF,
        ((scr << 3) & 0xF8) | 0x04, 0x01, 0x01, 0x89, 0xC3, 0xF8])  # fmt: skip
    out = pack
    if first:
        entries = bytes([0x90, 0xC0, 0, 0])
        body = b"\xe0\xff\x00\x00" + struct.pack(">H", len(entries)) + entries
        out += b"\x00\x00\x01\xbc" + struct.pack(">H", len(body) + 4) + body + b"\0\0\0\0"
    stamp = bytes([0x21 | ((pts >> 29) & 0x0E), (pts >> 22) & 0xFF, ((pts >> 14) & 0xFE) | 1,
                   (pts >> 7) & 0xFF, ((pts << 1) & 0xFE) | 1])
    header = b"\x80\x80\x05" + stamp
    return out + b"\x00\x00\x01\xc0" + struct.pack(">H", len(header) + len(codes)) + header \
        + codes


async def bare_device(port: int, broadcast: BroadcastSettings | None = None,
                      channel: Channel = SPEAKER) -> tuple[SipEndpoint, Gb28181Device, Pieces]:
    """A Gb28181Device with one channel on its own SIP endpoint towards the platform at
    `port`, not registered; the caller closes the device, then stops the endpoint."""
    ep = SipEndpoint("udp", ("127.0.0.1", 0), ("127.0.0.1", port))
    await ep.start()
    pieces = Pieces()
    reg = Registrar(ep, RegistrationSettings(HUB_ID, DOMAIN, PLATFORM_ID, "x"))
    device = Gb28181Device(ep, reg, civil_code="340200", name="hub", actions=pieces,
                           channels=lambda: [channel], broadcast=broadcast)
    return ep, device, pieces


async def test_platform_invite_with_ps_wrapped_audio(double: Any) -> None:
    """broadcast_invite: platform: the platform INVITEs the speaker with PS/90000 only; the
    hub answers recvonly on its port; PS-wrapped A-law (some PES split over two RTP packets)
    decodes to the tone ffmpeg made; BYE ends it."""
    platform, port = double
    ep, device, pieces = await bare_device(
        port, BroadcastSettings(invite="platform", chunk_seconds=0.5))
    try:
        sn = platform.send(ep.local, "Notify", "Broadcast", "",
                           [("SourceID", VOICE_ID), ("TargetID", SPEAKER_ID)])
        assert (await platform.answers(sn))[0].text("Result") == "OK"
        with pytest.raises(TimeoutError):  # this variant: the hub waits for the INVITE
            await platform.request("INVITE", timeout=0.3)
        sdp = ("v=0\r\no=p 0 0 IN IP4 127.0.0.1\r\ns=Play\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
               "m=audio 9 RTP/AVP 96\r\na=sendonly\r\na=rtpmap:96 PS/90000\r\n"
               "y=0100000002\r\n")
        platform.send_request(ep.local, "INVITE", SPEAKER_ID, call_id="bc1", body=sdp.encode(),
                              content_type="application/sdp")
        ok = await platform.response("INVITE")
        assert ok.status_code == 200
        answer = parse_offer(ok.body.decode())
        assert answer.formats == (96,) and "a=recvonly" in ok.body.decode()
        hub_tag = ok.get_header("To").split("tag=")[1]
        platform.send_request(ep.local, "ACK", SPEAKER_ID, call_id="bc1", to_tag=hub_tag)

        codes = await ffmpeg(*tone(), "-c:a", "pcm_alaw", "-f", "alaw", "-")
        sock_transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
            asyncio.DatagramProtocol, remote_addr=("127.0.0.1", answer.port))
        seq = 0
        for n, at in enumerate(range(0, len(codes), 160)):
            ps = ps_audio(codes[at:at + 160], n * 1800, n == 0)
            parts = [ps[:40], ps[40:]] if n % 5 == 4 else [ps]  # a PES over two packets
            for part in parts:
                sock_transport.sendto(struct.pack(">BBHII", 0x80, 96, seq, n * 1800, 2) + part)
                seq += 1
            await asyncio.sleep(0.002)
        sock_transport.close()
        await asyncio.sleep(0.1)
        platform.send_request(ep.local, "BYE", SPEAKER_ID, call_id="bc1", to_tag=hub_tag,
                              cseq=2)
        assert (await platform.response("BYE")).status_code == 200
        await wait_for(lambda: "gb28181.broadcast_ended" in pieces.audits, timeout=3)
        pcm = pieces.pcm()
        assert len(pcm) == len(codes) * 2 and pcm == alaw_to_pcm(codes)
        measured = _measure(pcm, 2, 1, 8000)
        assert measured is not None and abs(measured[1] - TONE) < 10
        assert pieces.audits == ["gb28181.broadcast_requested", "gb28181.broadcast_started",
                                 "gb28181.broadcast_ended"]
    finally:
        await device.close()
        await ep.stop()


async def test_broadcast_to_a_camera_is_refused(double: Any) -> None:
    """A TargetID that is not an exposed speaker is answered Result ERROR, with no INVITE."""
    platform, port = double
    ep, device, _ = await bare_device(
        port, channel=Channel("34020000001320000009", "cam", "camera", "camera.c"))
    try:
        sn = platform.send(ep.local, "Notify", "Broadcast", "",
                           [("SourceID", VOICE_ID), ("TargetID", "34020000001320000009")])
        [answer] = await platform.answers(sn)
        assert answer.text("Result") == "ERROR"
        with pytest.raises(TimeoutError):
            await platform.request("INVITE", timeout=0.3)
    finally:
        await device.close()
        await ep.stop()


async def test_silent_broadcast_is_hung_up(double: Any) -> None:
    """A second Notify while a broadcast runs on the speaker is answered ERROR (busy); no
    audio for idle_timeout after the ACK: the hub sends BYE and ends the broadcast."""
    platform, port = double
    ep, device, pieces = await bare_device(
        port, BroadcastSettings(invite="device", idle_timeout=0.8))
    platform.invite_sdp = sender_sdp(free_port())
    try:
        platform.send(ep.local, "Notify", "Broadcast", "",
                      [("SourceID", VOICE_ID), ("TargetID", HUB_ID)])  # the hub: 1st speaker
        invite = await platform.request("INVITE")
        await platform.request("ACK")
        sn = platform.send(ep.local, "Notify", "Broadcast", "",  # while it runs: busy
                           [("SourceID", VOICE_ID), ("TargetID", SPEAKER_ID)])
        assert (await platform.answers(sn))[0].text("Result") == "ERROR"
        bye = await platform.request("BYE", timeout=2)
        assert bye.call_id == invite.call_id
        await wait_for(lambda: "gb28181.broadcast_ended" in pieces.audits, timeout=2)
        assert device.broadcasts.sessions == {} and pieces.wavs == []
        assert pieces.audits.count("gb28181.broadcast_requested") == 2  # the busy one too
    finally:
        await device.close()
        await ep.stop()


def test_ps_demuxer_reads_the_stream_map() -> None:
    """A stream map naming 0x91 switches the decoder to u-law; stray bytes are skipped."""
    demux = PsAudioDemuxer()
    data = ps_audio(b"\x11" * 160, 0, True).replace(b"\x90\xc0", b"\x91\xc0")
    assert demux.feed(b"\x07\x07" + data[:30]) == []
    assert demux.feed(data[30:]) == [b"\x11" * 160]
    assert demux.stream_type == 0x91


def rtp_frames(codes: bytes) -> bytes:
    """PCMA in RTP (20 ms per packet), each framed by its length for TCP (RFC 4571)."""
    out = b""
    for n, at in enumerate(range(0, len(codes), 160)):
        packet = struct.pack(">BBHII", 0x80, 8, n, n * 160, 3) + codes[at:at + 160]
        out += struct.pack(">H", len(packet)) + packet
    return out


@pytest.mark.parametrize("side", ["hub_listens", "hub_connects"])
async def test_broadcast_over_tcp(double: Any, side: str) -> None:
    """RTP over TCP: the hub's own INVITE offers TCP/RTP/AVP a=setup:passive and the
    platform connects (broadcast_transport tcp), or the platform's INVITE says
    a=setup:passive and the hub connects to it; the A-law ffmpeg made arrives intact."""
    platform, port = double
    invite = "device" if side == "hub_listens" else "platform"
    ep, device, pieces = await bare_device(
        port, BroadcastSettings(invite=invite, transport="tcp"))
    codes = await ffmpeg(*tone(), "-c:a", "pcm_alaw", "-f", "alaw", "-")
    served: asyncio.Future[asyncio.StreamWriter] = asyncio.get_running_loop().create_future()
    server = await asyncio.start_server(lambda _r, w: served.set_result(w), "127.0.0.1", 0)
    try:
        if side == "hub_listens":
            platform.invite_sdp = lambda _req: (
                "v=0\r\no=p 0 0 IN IP4 127.0.0.1\r\ns=Play\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                "m=audio 9 TCP/RTP/AVP 8\r\na=sendonly\r\na=setup:active\r\n"
                "a=connection:new\r\ny=0100000003\r\n")
            platform.send(ep.local, "Notify", "Broadcast", "",
                          [("SourceID", VOICE_ID), ("TargetID", SPEAKER_ID)])
            req = await platform.request("INVITE")
            offer = parse_offer(req.body.decode())
            assert offer.transport == "tcp_active"  # seen from the platform: it connects
            assert "a=setup:passive" in req.body.decode()
            await platform.request("ACK")
            _, writer = await asyncio.open_connection("127.0.0.1", offer.port)
            call_id, hub_tag = req.call_id, (req.get_header("From") or "").split("tag=")[1]
        else:
            sdp = ("v=0\r\no=p 0 0 IN IP4 127.0.0.1\r\ns=Play\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                   f"m=audio {server.sockets[0].getsockname()[1]} TCP/RTP/AVP 8\r\n"
                   "a=sendonly\r\na=setup:passive\r\na=connection:new\r\ny=0100000004\r\n")
            platform.send_request(ep.local, "INVITE", SPEAKER_ID, call_id="tcp1",
                                  body=sdp.encode(), content_type="application/sdp")
            ok = await platform.response("INVITE")
            assert ok.status_code == 200 and "a=setup:active" in ok.body.decode()
            call_id, hub_tag = "tcp1", (ok.get_header("To") or "").split("tag=")[1]
            platform.send_request(ep.local, "ACK", SPEAKER_ID, call_id=call_id, to_tag=hub_tag)
            writer = await asyncio.wait_for(served, 3)
        writer.write(rtp_frames(codes))
        await writer.drain()
        writer.close()
        platform.send_request(ep.local, "BYE", SPEAKER_ID, call_id=call_id, to_tag=hub_tag,
                              cseq=2)
        assert (await platform.response("BYE")).status_code == 200
        await wait_for(lambda: "gb28181.broadcast_ended" in pieces.audits, timeout=3)
        assert pieces.pcm() == alaw_to_pcm(codes)
    finally:
        server.close()
        await device.close()
        await ep.stop()
