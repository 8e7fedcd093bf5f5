"""RTP packets carrying PS (payload type 96, 90 kHz) as GB/T 28181 sends them: every packet
of one frame shares its timestamp, the last one has the marker bit; over TCP each packet is
framed by a two-byte length (RFC 4571)."""

from __future__ import annotations

import struct
from collections.abc import Iterator

__all__ = ["RtpPacketizer", "frame_rfc4571", "parse_rtp"]

MAX_PAYLOAD = 1400
PS_PAYLOAD_TYPE = 96


class RtpPacketizer:
    """Sequence numbers and SSRC of one outgoing stream."""

    def __init__(self, ssrc: int, payload_type: int = PS_PAYLOAD_TYPE,
                 max_payload: int = MAX_PAYLOAD) -> None:
        self.ssrc = ssrc & 0xFFFFFFFF
        self.payload_type = payload_type
        self.max_payload = max_payload
        self.seq = 0

    def packets(self, payload: bytes, timestamp: int) -> Iterator[bytes]:
        """Split one frame's payload into RTP packets; the marker bit is set on the last."""
        chunks = range(0, len(payload), self.max_payload)
        last = chunks[-1] if chunks else 0
        for offset in chunks:
            marker = 0x80 if offset == last else 0
            header = struct.pack(">BBHII", 0x80, marker | self.payload_type, self.seq,
                                 timestamp & 0xFFFFFFFF, self.ssrc)
            self.seq = (self.seq + 1) & 0xFFFF
            yield header + payload[offset:offset + self.max_payload]


def frame_rfc4571(packet: bytes) -> bytes:
    """Prefix an RTP packet with its 16-bit length for RTP over TCP (RFC 4571)."""
    return struct.pack(">H", len(packet)) + packet


def parse_rtp(packet: bytes) -> tuple[int, int, int, int, bool, bytes]:
    """(payload type, sequence, timestamp, ssrc, marker, payload) of an RTP packet."""
    if len(packet) < 12 or packet[0] >> 6 != 2:
        raise ValueError("not an RTP version 2 packet")
    first, second, seq, ts, ssrc = struct.unpack(">BBHII", packet[:12])
    offset = 12 + 4 * (first & 0x0F)
    if first & 0x10:  # header extension
        (length,) = struct.unpack(">H", packet[offset + 2:offset + 4])
        offset += 4 + 4 * length
    payload = packet[offset:]
    if first & 0x20 and payload:  # padding
        payload = payload[:-payload[-1]]
    return second & 0x7F, seq, ts, ssrc, bool(second & 0x80), payload
