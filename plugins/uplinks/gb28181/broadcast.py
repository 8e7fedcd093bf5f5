"""Voice broadcast (语音广播, GB/T 28181-2016 9.12): the police speak through a gate speaker.

The platform sends a Notify Broadcast (SourceID: its voice source, TargetID: the speaker's
ID); the hub answers with a Response Broadcast (Result OK or ERROR). Then the audio call
is set up one of two ways, per `broadcast_invite`:

- "device" (the 2016 text, most platforms): the hub sends INVITE to the SourceID with a
  recvonly audio offer (PCMA 8, PCMU 0, PS 96), the platform answers with where it sends
  from, the hub ACKs, the platform streams RTP to the hub's port.
- "platform": the platform sends INVITE to the speaker's ID with a sendonly audio offer;
  the hub answers recvonly with its port (some platforms skip the Notify then).

Media over UDP, or RTP over TCP (RFC 4571) with either side connecting (a=setup).

Either side ends it with BYE; the hub also does after `idle_timeout` without audio. A
speaker plays one broadcast at a time: a second is answered ERROR (Notify) or 486 (INVITE)
until the first ends.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiosipua import SipRequest, SipResponse, generate_tag

from . import manscdp
from .audio import AudioReceiver
from .sdp import MediaOffer, SdpError, parse_offer
from .sip import SipEndpoint, SipTimeout, header_tag, header_uri, make_response, uri_user
from .talk import MicSender

if TYPE_CHECKING:
    from .device import Channel, HubActions
    from .register import Registrar

_LOGGER = logging.getLogger(__name__)

__all__ = ["Broadcast", "BroadcastSettings", "Broadcasts", "audio_sdp"]

_FORMATS = {8: "PCMA/8000", 0: "PCMU/8000", 96: "PS/90000"}


@dataclass(frozen=True, slots=True)
class BroadcastSettings:
    """Who sends the INVITE, how long a silence ends it, how big each speaker piece is."""

    invite: str = "device"  # "device" or "platform"
    transport: str = "udp"  # the hub's own INVITE: "udp" or "tcp" (the hub listens)
    idle_timeout: float = 10.0
    chunk_seconds: float = 1.0


@dataclass(slots=True)
class Broadcast:
    """One running broadcast: its dialog and its audio port."""

    call_id: str
    channel: Channel
    source_id: str
    receiver: AudioReceiver
    local_uri: str
    local_tag: str
    remote_uri: str
    remote_tag: str
    encoding: str
    started_at: float = field(default_factory=time.time)
    ended: bool = False
    ack: SipRequest | None = None  # the hub's ACK, sent again for a retransmitted 200
    sender: MicSender | None = None  # a Talk call: the gate's sound to the platform

    def as_dict(self) -> dict[str, Any]:
        """What the panel and `campus-hub uplinks` show."""
        return {"speaker": self.channel.entity_id, "source_id": self.source_id,
                "encoding": self.encoding, "started_at": self.started_at,
                "seconds": round(self.receiver.seconds, 2), "packets": self.receiver.packets,
                "talk": self.sender is not None,
                "sent_packets": self.sender.packets if self.sender else 0}


def audio_sdp(device_id: str, host: str, port: int, ssrc: str,
              formats: tuple[int, ...] = (8, 0, 96), transport: str = "udp",
              direction: str = "recvonly", session: str = "Play") -> str:
    """An audio SDP (offer or answer) for the hub's broadcast port, recvonly (sendrecv for
    a Talk call); `transport` is the hub's side: udp, tcp_passive (it listens) or
    tcp_active (it connects)."""
    proto = "RTP/AVP" if transport == "udp" else "TCP/RTP/AVP"
    setup = [] if transport == "udp" else [
        f"a=setup:{'passive' if transport == 'tcp_passive' else 'active'}", "a=connection:new"]
    lines = ["v=0", f"o={device_id} 0 0 IN IP4 {host}", f"s={session}", f"c=IN IP4 {host}",
             "t=0 0", f"m=audio {port} {proto} {' '.join(str(f) for f in formats)}",
             f"a={direction}",
             *(f"a=rtpmap:{f} {_FORMATS.get(f, 'PS/90000')}" for f in formats), *setup,
             f"y={ssrc}", "f=v/////a/1/8/1"]
    return "\r\n".join(lines) + "\r\n"


class Broadcasts:
    """The broadcasts of one device: Notify handling, both INVITE variants, BYE."""

    def __init__(self, endpoint: SipEndpoint, registrar: Registrar, actions: HubActions,
                 channel: Callable[[str], Channel | None], speakers: Callable[[], list[Channel]],
                 settings: BroadcastSettings) -> None:
        self.endpoint, self.registrar, self.actions = endpoint, registrar, actions
        self.channel, self.speakers, self.settings = channel, speakers, settings
        self.sessions: dict[str, Broadcast] = {}
        self.started = 0
        self._ssrc = itertools.count(1)
        self._tasks: set[asyncio.Task[None]] = set()
        endpoint.on_stray_response = self._on_stray_response

    def _on_stray_response(self, resp: SipResponse) -> None:
        session = self.sessions.get(resp.call_id or "")
        cseq = resp.cseq
        if session is not None and session.ack is not None and cseq is not None \
                and cseq.method == "INVITE" and 200 <= resp.status_code < 300:
            self.endpoint.send(session.ack)  # our ACK was lost: the platform repeats its 200

    @property
    def domain(self) -> str:
        """The SIP domain of every URI."""
        return self.registrar.settings.domain

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _speaker(self, target_id: str) -> Channel | None:
        found = self.channel(target_id)
        if found is None and target_id == self.registrar.settings.device_id:
            found = next(iter(self.speakers()), None)  # the hub itself: its first speaker
        return found if found is not None and found.kind == "speaker" else None

    def _next_ssrc(self) -> str:
        return f"0{self.domain[3:8]}{next(self._ssrc) % 10000:04d}"

    # --- the Notify -----------------------------------------------------------------

    async def on_notify(self, msg: manscdp.ManscdpMessage) -> None:
        """Answer a Notify Broadcast; in the "device" variant, then INVITE the source."""
        source_id, target_id = msg.text("SourceID"), msg.text("TargetID") or msg.device_id
        speaker = self._speaker(target_id)
        busy = speaker is not None and self.busy(speaker)
        ok = speaker is not None and speaker.online and bool(source_id) and not busy
        details = {"source_id": source_id, "target_id": target_id, "accepted": ok,
                   "busy": busy}
        self.actions.audit("gb28181.broadcast_requested", speaker, details)
        body = manscdp.build("Response", "Broadcast", msg.sn, target_id,
                             [("Result", "OK" if ok else "ERROR")])
        try:
            resp = await self.registrar.send_message(body)
        except (SipTimeout, OSError) as err:
            _LOGGER.info("GB28181: broadcast answer not delivered: %s", err)
            return
        if ok and speaker is not None and self.settings.invite == "device" \
                and resp.status_code < 300:
            await self._invite(speaker, source_id)

    def _receiver(self, speaker: Channel, encoding: str,
                  transport: str = "udp") -> AudioReceiver:
        async def sink(wav: bytes) -> None:
            await self.actions.speaker_audio(speaker, wav)

        return AudioReceiver(sink, host=self.endpoint.listening[0], encoding=encoding,
                             chunk_seconds=self.settings.chunk_seconds,
                             idle_timeout=self.settings.idle_timeout, transport=transport)

    async def _invite(self, speaker: Channel, source_id: str) -> None:
        ep = self.endpoint
        mode = "tcp_passive" if self.settings.transport == "tcp" else "udp"
        receiver = self._receiver(speaker, "PCMA", mode)
        port = await receiver.start()
        ssrc = self._next_ssrc()
        local_uri, remote_uri = (f"sip:{speaker.id}@{self.domain}",
                                 f"sip:{source_id}@{self.domain}")
        local_tag = generate_tag()
        req = ep.new_request("INVITE", remote_uri, local_uri, remote_uri, from_tag=local_tag)
        host, sip_port = ep.local
        req.headers.set_single("Contact", f"<sip:{speaker.id}@{host}:{sip_port}>")
        req.headers.set_single("Subject", f"{source_id}:0,{speaker.id}:{ssrc}")
        req.headers.set_single("Content-Type", "application/sdp")
        req.body = audio_sdp(speaker.id, ep.listening[0], port, ssrc, transport=mode).encode()
        try:
            resp = await ep.request(req)
            if not 200 <= resp.status_code < 300:
                raise SdpError(f"INVITE answered {resp.status_code} {resp.reason_phrase}")
            answer = parse_offer(resp.body.decode(errors="replace"))
            if answer.transport == "tcp_active":  # the platform wants to be connected to
                if mode == "udp":
                    raise SdpError("the platform answered TCP to a UDP offer")
                receiver.transport = "tcp_active"
                await receiver.connect(answer.host, answer.port)
        except (SipTimeout, OSError, SdpError) as err:
            _LOGGER.info("GB28181: broadcast to %s not set up: %s", speaker.entity_id, err)
            self.actions.audit("gb28181.broadcast_failed", speaker,
                               {"source_id": source_id, "error": str(err)})
            await receiver.stop()
            return
        call_id = req.call_id or ""
        remote_tag = header_tag(resp.get_header("To"))
        ack = ep.new_request("ACK", header_uri(resp.get_header("Contact")) or remote_uri, local_uri,
                             remote_uri, call_id=call_id, from_tag=local_tag,
                             to_tag=remote_tag, cseq=1)
        ep.send(ack)
        receiver.encoding = answer.encoding(answer.payload_type) or "PCMA"
        self._begin(Broadcast(call_id, speaker, source_id, receiver, local_uri, local_tag,
                              remote_uri, remote_tag, receiver.encoding, ack=ack))

    # --- the platform's INVITE ------------------------------------------------------------

    async def on_invite(self, req: SipRequest, offer: MediaOffer,
                        channel_id: str) -> SipResponse:
        """Accept an audio INVITE for a speaker ("platform" variant, or a direct one)."""
        speaker = self._speaker(channel_id)
        if speaker is None or not speaker.online:
            return make_response(req, 404, "Not Found")
        if self.busy(speaker) and req.call_id not in self.sessions:
            return make_response(req, 486, "Busy Here")  # one voice on a speaker at a time
        chosen = next((f for f in offer.formats or (offer.payload_type,)
                       if offer.encoding(f) in ("PCMA", "PCMU", "PS")), None)
        if chosen is None:
            return make_response(req, 488, "Not Acceptable Here")
        receiver = self._receiver(speaker, offer.encoding(chosen), offer.transport)
        port = await receiver.start()
        if offer.transport == "tcp_active":  # the platform listens: connect once answered
            self._spawn(self._connect(receiver, offer.host, offer.port))
        sender = await self._talk(req, offer, speaker, receiver, offer.encoding(chosen))
        local_tag = generate_tag()
        sdp = audio_sdp(speaker.id, self.endpoint.listening[0], port or 9, offer.ssrc,
                        (chosen,), offer.transport,
                        "sendrecv" if sender else "recvonly", offer.session)
        resp = make_response(req, 200, "OK", to_tag=local_tag, body=sdp.encode(),
                             content_type="application/sdp")
        host, sip_port = self.endpoint.local
        resp.headers.set_single("Contact", f"<sip:{speaker.id}@{host}:{sip_port}>")
        remote_uri = header_uri(req.get_header("From"))
        self._begin(Broadcast(req.call_id or "", speaker, uri_user(remote_uri), receiver,
                              header_uri(req.get_header("To")), local_tag, remote_uri,
                              header_tag(req.get_header("From")), receiver.encoding, sender=sender))
        return resp

    async def _talk(self, req: SipRequest, offer: MediaOffer, speaker: Channel,
                    receiver: AudioReceiver, encoding: str) -> MicSender | None:
        """For a Talk INVITE (s=Talk), start sending the gate's sound; None: one-way."""
        if offer.session.lower() != "talk":
            return None
        if not speaker.microphone_url or encoding not in ("PCMA", "PCMU"):
            _LOGGER.info("GB28181: Talk to %s is one-way: %s", speaker.entity_id,
                         "no microphone configured" if not speaker.microphone_url
                         else f"{encoding} is not sent, only PCMA/PCMU")
            return None
        remote = (offer.host, offer.port)
        ssrc = int(offer.ssrc) if offer.ssrc.isdigit() else 0
        sender = MicSender(speaker.microphone_url, lambda p: receiver.send(p, remote),
                           encoding=encoding, ssrc=ssrc)
        try:
            await sender.start()
        except OSError as err:
            _LOGGER.info("GB28181: Talk to %s is one-way: %s", speaker.entity_id, err)
            return None
        return sender

    async def _connect(self, receiver: AudioReceiver, host: str, port: int) -> None:
        try:
            await receiver.connect(host, port)
        except (OSError, TimeoutError) as err:
            _LOGGER.info("GB28181: broadcast media connection to %s:%s failed: %s", host,
                         port, err)

    def busy(self, speaker: Channel) -> bool:
        """True while a broadcast plays on this speaker (a second one is refused)."""
        return any(s.channel.id == speaker.id for s in self.sessions.values())

    # --- running and ending ----------------------------------------------------------------

    def _begin(self, session: Broadcast) -> None:
        old = self.sessions.pop(session.call_id, None)
        if old is not None:
            self._spawn(self._finish(old, "replaced"))
        self.sessions[session.call_id] = session
        self.started += 1
        self.actions.audit("gb28181.broadcast_started", session.channel,
                           {"source_id": session.source_id, "encoding": session.encoding,
                            "talk": session.sender is not None})
        if session.sender is None:  # a Talk call lasts while the platform listens
            self._spawn(self._until_idle(session))

    async def _until_idle(self, session: Broadcast) -> None:
        await session.receiver.idle.wait()
        if self.sessions.get(session.call_id) is session:
            await self.hang_up(session.call_id, "no audio")

    def on_bye(self, req: SipRequest) -> SipResponse | None:
        """The platform ended a broadcast: 200, then play what is left; None if not ours."""
        session = self.sessions.pop(req.call_id or "", None)
        if session is None:
            return None
        self._spawn(self._finish(session, "ended by the platform"))
        return make_response(req, 200, "OK")

    async def hang_up(self, call_id: str, reason: str) -> None:
        """End a broadcast from the hub's side (BYE), e.g. no audio or the hub stops."""
        session = self.sessions.pop(call_id, None)
        if session is None:
            return
        ep = self.endpoint
        bye = ep.new_request("BYE", session.remote_uri, session.local_uri, session.remote_uri,
                             call_id=call_id, from_tag=session.local_tag,
                             to_tag=session.remote_tag, cseq=2)
        try:
            await ep.request(bye, timeout=4.0)
        except (SipTimeout, OSError) as err:
            _LOGGER.info("GB28181: broadcast BYE unanswered: %s", err)
        await self._finish(session, reason)

    async def _finish(self, session: Broadcast, reason: str) -> None:
        if session.ended:
            return
        session.ended = True
        if session.sender is not None:
            await session.sender.stop()
        await session.receiver.stop()
        self.actions.audit("gb28181.broadcast_ended", session.channel, {
            "source_id": session.source_id, "reason": reason,
            "seconds": round(session.receiver.seconds, 2), "packets": session.receiver.packets,
            "sent_packets": session.sender.packets if session.sender else 0,
        })  # fmt: skip

    async def close(self) -> None:
        """End every broadcast (the hub stops)."""
        for call_id in list(self.sessions):
            await self.hang_up(call_id, "hub stopping")
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
