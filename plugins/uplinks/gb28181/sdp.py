"""The SDP of a GB/T 28181 INVITE (clause 9.2 and annex F): c=, m=video with RTP/AVP or
TCP/RTP/AVP, a=rtpmap:96 PS/90000, a=setup (TCP: who connects), y= (the SSRC, 10 digits),
f= (media description), s=Play|Playback|Download."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MediaOffer", "SdpError", "answer_sdp", "parse_offer"]

#: f= video codec codes (annex F): 2 H.264, 5 H.265 (2022 edition)
_CODEC_CODE = {"h264": 2, "hevc": 5}


class SdpError(ValueError):
    """An offer the hub cannot serve; the text says which line."""


@dataclass(frozen=True, slots=True)
class MediaOffer:
    """What the platform asked for."""

    session: str  # Play, Playback, Download, Talk
    host: str
    port: int
    transport: str  # "udp", "tcp_active" (the hub connects), "tcp_passive" (the hub listens)
    payload_type: int
    ssrc: str
    media: str  # "video" or "audio"
    formats: tuple[int, ...] = ()  # every payload type of the m= line, in order
    rtpmap: tuple[tuple[int, str], ...] = ()  # (payload type, "PCMA/8000") of a=rtpmap lines

    def encoding(self, payload_type: int) -> str:
        """The encoding name of a payload type: rtpmap first, else the static RFC 3551 one."""
        for pt, name in self.rtpmap:
            if pt == payload_type:
                return name.split("/", 1)[0].upper()
        return {0: "PCMU", 8: "PCMA"}.get(payload_type, "PS" if payload_type >= 96 else "")


def parse_offer(text: str) -> MediaOffer:
    """Read an INVITE's SDP offer."""
    session, host, port, proto, media, setup, ssrc, pt = "Play", "", 0, "", "", "", "", 96
    formats: tuple[int, ...] = ()
    rtpmap: list[tuple[int, str]] = []
    for raw in text.splitlines():
        line = raw.strip()
        key, _, value = line.partition("=")
        if key == "s":
            session = value.strip()
        elif key == "c" and not host:
            host = value.split()[-1]
        elif key == "m" and not media:
            parts = value.split()
            if len(parts) < 4 or not parts[1].isdigit():
                raise SdpError(f"m= line {line!r}: expected 'video PORT RTP/AVP 96'")
            media, port, proto = parts[0], int(parts[1]), parts[2].upper()
            formats = tuple(int(p) for p in parts[3:] if p.isdigit())
            pt = formats[0] if formats else 96
        elif key == "a" and value.startswith("rtpmap:"):
            number, _, name = value[7:].partition(" ")
            if number.strip().isdigit():
                rtpmap.append((int(number), name.strip()))
        elif key == "a" and value.startswith("setup:"):
            setup = value[6:].strip().lower()
        elif key == "y":
            ssrc = value.strip()
    if not media or not host:
        raise SdpError("the offer has no c= address or no m= line")
    if proto == "RTP/AVP":
        transport = "udp"
    elif proto == "TCP/RTP/AVP":
        # the offerer's role: passive -> it listens and the hub connects (TCP active)
        transport = "tcp_passive" if setup == "active" else "tcp_active"
    else:
        raise SdpError(f"m= transport {proto!r}: expected RTP/AVP or TCP/RTP/AVP")
    if ssrc and not (ssrc.isdigit() and len(ssrc) == 10):
        raise SdpError(f"y={ssrc}: expected a 10-digit SSRC")
    return MediaOffer(session, host, port, transport, pt, ssrc or "0000000000", media, formats,
                      tuple(rtpmap))


def answer_sdp(offer: MediaOffer, device_id: str, host: str, port: int, *, codec: str = "h264",
               width: int = 0, height: int = 0, fps: float = 0) -> str:
    """The 200 OK's SDP: the hub sends PS from `host:port` with the offer's SSRC."""
    proto = "RTP/AVP" if offer.transport == "udp" else "TCP/RTP/AVP"
    lines = ["v=0", f"o={device_id} 0 0 IN IP4 {host}", f"s={offer.session}",
             f"c=IN IP4 {host}", "t=0 0", f"m={offer.media} {port} {proto} {offer.payload_type}",
             "a=sendonly" if offer.media == "video" else "a=recvonly",
             f"a=rtpmap:{offer.payload_type} PS/90000" if offer.media == "video"
             else f"a=rtpmap:{offer.payload_type} PCMA/8000"]
    if offer.transport != "udp":
        role = "active" if offer.transport == "tcp_active" else "passive"
        lines += [f"a=setup:{role}", "a=connection:new"]
    lines.append(f"y={offer.ssrc}")
    if offer.media == "video":
        lines.append(f"f=v/{_CODEC_CODE.get(codec, '')}/{_resolution(width, height)}/"
                     f"{round(fps) or ''}/1/a///")
    return "\r\n".join(lines) + "\r\n"


def _resolution(width: int, height: int) -> str:
    """Annex F resolution code: 5 720P, 6 1080P; others as WxH (2022 edition)."""
    return {(1280, 720): "5", (1920, 1080): "6"}.get((width, height),
                                                     f"{width}x{height}" if width else "")
