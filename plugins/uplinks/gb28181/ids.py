"""GB/T 28181 device IDs (annex D, coding rule A): 20 digits in five fields.

centre code (8: the civil code of the administrative area, GB/T 2260, zero-padded), industry
(2), type (3), network (1), sequence (6). Example: 34020000 00 132 0 000001 is an IP camera
(132) of a social-security road access (00) in Hefei (340200), on the video private network (0).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "TYPE_ALARM_INPUT",
    "TYPE_CAMERA",
    "TYPE_PLATFORM",
    "TYPE_SPEAKER",
    "DeviceId",
    "generate_id",
    "parse_id",
]

#: centre signalling server: what a lower-level platform (the hub) registers as
TYPE_PLATFORM = "200"
#: network camera (IPC)
TYPE_CAMERA = "132"
#: alarm input device
TYPE_ALARM_INPUT = "134"
#: voice output device (the gate loudspeaker)
TYPE_SPEAKER = "137"
#: type codes the hub gives out; others are accepted in configured IDs
KNOWN_TYPES = {
    "111": "DVR", "112": "video server", "113": "encoder", "118": "NVR", "131": "camera",
    "132": "IP camera", "134": "alarm input", "135": "alarm output", "136": "voice input",
    "137": "voice output", "200": "centre signalling server", "215": "business group",
    "216": "virtual organisation",
}  # fmt: skip
_ID = re.compile(r"^\d{20}$")


@dataclass(frozen=True, slots=True)
class DeviceId:
    """A parsed 20-digit ID."""

    centre: str
    industry: str
    type: str
    network: str
    sequence: str

    def __str__(self) -> str:
        return self.centre + self.industry + self.type + self.network + self.sequence


def parse_id(value: str) -> DeviceId:
    """Split a 20-digit ID into its fields; raise ValueError naming what is wrong."""
    if not _ID.match(value):
        raise ValueError(f"expected 20 digits, got {value!r} ({len(value)} characters)")
    centre = value[:8]
    if centre[:2] == "00":
        raise ValueError(f"{value}: the centre code {centre} has no province (first two digits)")
    return DeviceId(centre, value[8:10], value[10:13], value[13], value[14:])


def check_id(value: str, expected_type: str | None = None) -> str:
    """Return `value` if it is a valid ID (of `expected_type` when given), else raise."""
    parsed = parse_id(value)
    if parsed.type not in KNOWN_TYPES:
        raise ValueError(f"{value}: type code {parsed.type} is not a GB/T 28181 device type")
    if expected_type is not None and parsed.type != expected_type:
        raise ValueError(f"{value}: type code {parsed.type} ({KNOWN_TYPES[parsed.type]}), "
                         f"expected {expected_type} ({KNOWN_TYPES[expected_type]})")
    return value


def generate_id(civil_code: str, type_code: str, sequence: int, *, industry: str = "00",
                network: str = "0") -> str:
    """Build an ID from the civil code (6 or 8 digits), the type and a sequence number."""
    if not re.fullmatch(r"\d{6}|\d{8}", civil_code):
        raise ValueError(f"civil code: expected 6 or 8 digits, got {civil_code!r}")
    if not 0 <= sequence <= 999_999:
        raise ValueError(f"sequence {sequence} is outside 0-999999")
    return check_id(f"{civil_code.ljust(8, '0')}{industry}{type_code}{network}{sequence:06d}",
                     type_code)
