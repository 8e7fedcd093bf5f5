"""MPEG-2 program stream (ISO/IEC 13818-1) muxing of H.264/H.265 access units, as GB/T
28181 annex C carries them: pack header on every frame; system header and program stream
map before each key frame; one or more PES packets (stream id 0xE0) holding the frame with
its PTS/DTS. Nothing is decoded: the camera's own access units go in as they are.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

__all__ = ["STREAM_TYPE_H264", "STREAM_TYPE_H265", "PsMuxer", "annexb_nal_units",
           "is_keyframe"]

STREAM_TYPE_H264 = 0x1B
STREAM_TYPE_H265 = 0x24
VIDEO_STREAM_ID = 0xE0
PES_MAX_PAYLOAD = 0xFFFF - 13  # PES_packet_length counts 3 flag bytes + 10 of PTS/DTS
MUX_RATE = 0x3FFF  # in 50 bytes/s units: only an upper bound for the decoder's buffer


def _crc32_mpeg(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def _pack_header(scr: int) -> bytes:
    scr &= (1 << 33) - 1
    return b"\x00\x00\x01\xba" + bytes([
        0x44 | ((scr >> 27) & 0x38) | ((scr >> 28) & 0x03),
        (scr >> 20) & 0xFF,
        ((scr >> 12) & 0xF8) | 0x04 | ((scr >> 13) & 0x03),
        (scr >> 5) & 0xFF,
        ((scr << 3) & 0xF8) | 0x04,  # SCR extension 0
        0x01,
        (MUX_RATE >> 14) & 0xFF, (MUX_RATE >> 6) & 0xFF, ((MUX_RATE << 2) & 0xFC) | 0x03,
        0xF8,  # reserved, no stuffing
    ])  # fmt: skip


def _system_header() -> bytes:
    body = bytes([
        0x80 | ((MUX_RATE >> 15) & 0x7F), (MUX_RATE >> 7) & 0xFF, ((MUX_RATE << 1) & 0xFE) | 1,
        0x04,  # audio_bound 1, fixed 0, CSPS 0
        0xE1,  # audio lock, video lock, marker, video_bound 1
        0xFF,  # packet rate restriction off, reserved
        VIDEO_STREAM_ID, 0xE0 | 0x20 | (0x400 >> 8), 0x400 & 0xFF,  # scale 1 (KiB), 1 MiB
    ])  # fmt: skip
    return b"\x00\x00\x01\xbb" + struct.pack(">H", len(body)) + body


def _stream_map(stream_type: int) -> bytes:
    entries = bytes([stream_type, VIDEO_STREAM_ID, 0, 0])
    body = bytes([0xE0, 0xFF]) + struct.pack(">H", 0) + struct.pack(">H", len(entries)) + entries
    head = b"\x00\x00\x01\xbc" + struct.pack(">H", len(body) + 4) + body
    return head + struct.pack(">I", _crc32_mpeg(head))


def _timestamp(prefix: int, ts: int) -> bytes:
    ts &= (1 << 33) - 1
    return bytes([(prefix << 4) | ((ts >> 29) & 0x0E) | 1, (ts >> 22) & 0xFF,
                  ((ts >> 14) & 0xFE) | 1, (ts >> 7) & 0xFF, ((ts << 1) & 0xFE) | 1])


def _pes(payload: bytes, pts: int | None) -> bytes:
    if pts is None:
        header = bytes([0x80, 0x00, 0x00])
    else:  # PTS and DTS (no B-frames from cameras' live profiles: DTS = PTS)
        header = bytes([0x84, 0xC0, 10]) + _timestamp(0x3, pts) + _timestamp(0x1, pts)
    return (b"\x00\x00\x01" + bytes([VIDEO_STREAM_ID])
            + struct.pack(">H", len(header) + len(payload)) + header + payload)


def annexb_nal_units(data: bytes) -> Iterator[bytes]:
    """Split an Annex-B byte string at its start codes; yield each NAL unit (no start code)."""
    starts: list[int] = []
    i = data.find(b"\x00\x00\x01")
    while i >= 0:
        starts.append(i + 3)
        i = data.find(b"\x00\x00\x01", i + 3)
    for n, start in enumerate(starts):
        end = starts[n + 1] - 3 if n + 1 < len(starts) else len(data)
        if n + 1 < len(starts) and data[end - 1] == 0:
            end -= 1  # four-byte start code
        if end > start:
            yield data[start:end]


def is_keyframe(access_unit: bytes, h265: bool) -> bool:
    """True when the access unit holds an IDR/IRAP picture."""
    for nal in annexb_nal_units(access_unit):
        kind = (nal[0] >> 1) & 0x3F if h265 else nal[0] & 0x1F
        if (h265 and 16 <= kind <= 21) or (not h265 and kind == 5):
            return True
    return False


class PsMuxer:
    """Turn one access unit (Annex-B) and its 90 kHz timestamp into one PS chunk."""

    def __init__(self, h265: bool = False) -> None:
        self.h265 = h265
        self.stream_type = STREAM_TYPE_H265 if h265 else STREAM_TYPE_H264

    def mux(self, access_unit: bytes, pts: int, keyframe: bool | None = None) -> bytes:
        """The PS bytes of one frame: pack header, [system header, PSM], PES packets."""
        if keyframe is None:
            keyframe = is_keyframe(access_unit, self.h265)
        parts = [_pack_header(pts)]
        if keyframe:
            parts += [_system_header(), _stream_map(self.stream_type)]
        for offset in range(0, len(access_unit), PES_MAX_PAYLOAD):
            parts.append(_pes(access_unit[offset:offset + PES_MAX_PAYLOAD],
                              pts if offset == 0 else None))
        return b"".join(parts)
