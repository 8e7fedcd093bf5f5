"""GA/T 1400 and GB/T 28181 identifiers: 20-digit device codes, 41-digit image ids, 48-digit
object ids; structure checks and generation (no hub imports).

A device code (GB/T 28181-2016 appendix D, rule A, used by GA/T 1400 for APEs, the views
library and the systems that register with it) is 20 digits:

    digits 1-8    centre code: the administrative division (province, city, district, unit)
    digits 9-10   industry code
    digits 11-13  type code: 111-130 front-end hosts (DVR, encoder, NVR...), 131-199 front-end
                  peripherals (131 camera, 132 IP camera...), 200-299 platform servers,
                  300-399 centre users, 400-499 end users, 500-599 extensions
    digit  14     network: 0-4 video surveillance network, 5 public-security network,
                  6 e-government, 7 Internet, 8 social resources, 9 reserved
    digits 15-20  serial number

An image (basic object) id is 41 digits (GA/T 2000.248): the device code of the capturing
device, a 2-digit sub-type (01 video clip, 02 image, 03 file, 99 other), the capture time
YYYYMMDDhhmmss and a 5-digit serial. An object id (Face, Person...) is 48 digits: the id of
the image it was found in, a 2-digit object type (01 person, 02 motor vehicle, 03 non-motor
vehicle, 04 thing, 05 scene, 06 face) and a 5-digit serial.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Final, Literal

__all__ = [
    "OBJECT_FACE",
    "PROVINCES",
    "DeviceCode",
    "IdFactory",
    "Role",
    "check_device_id",
    "check_image_id",
    "check_object_id",
    "parse_device_id",
]

#: Province-level codes of GB/T 2260 (the first two digits of every centre code).
PROVINCES: Final = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82",
})
IMAGE_SUBTYPES: Final = frozenset({"01", "02", "03", "99"})
SUBTYPE_IMAGE: Final = "02"
OBJECT_TYPES: Final = frozenset({"01", "02", "03", "04", "05", "06", "07", "08", "09", "10",
                                 "11", "12", "13", "14", "15", "16", "17", "18", "19", "99"})
OBJECT_FACE: Final = "06"

#: What a code of each role may be (type code ranges, inclusive).
Role = Literal["any", "ape", "system", "platform"]
_ROLE_TYPES: Final[dict[str, tuple[tuple[int, int], ...]]] = {
    "any": ((111, 599),),
    # a collecting device: a camera or another front-end device
    "ape": ((111, 199),),
    # the hub registering with the views library: a front-end host or a platform/gateway,
    # never a camera peripheral or a user code
    "system": ((111, 130), (200, 299), (500, 599)),
    # the views library itself
    "platform": ((200, 299), (500, 599)),
}
_ROLE_NAMES: Final = {
    "any": "a device or system code (type 111-599)",
    "ape": "a collecting device (type 111-199, e.g. 131 camera, 132 IP camera)",
    "system": "a system or gateway (type 111-130, 200-299 or 500-599)",
    "platform": "a platform (type 200-299 or 500-599)",
}


@dataclass(frozen=True, slots=True)
class DeviceCode:
    """A parsed 20-digit device code."""

    centre: str
    industry: str
    type_code: int
    network: int
    serial: str

    def __str__(self) -> str:
        return f"{self.centre}{self.industry}{self.type_code:03d}{self.network}{self.serial}"


def parse_device_id(value: str) -> DeviceCode:
    """Return the parts of a device code; ValueError says what is wrong with it."""
    if len(value) != 20 or not value.isascii() or not value.isdigit():
        raise ValueError(f"must be 20 digits (got {len(value)} characters: {value!r})")
    if value[:2] not in PROVINCES:
        raise ValueError(f"digits 1-2 must be a province code (GB/T 2260), got {value[:2]!r}")
    code = DeviceCode(value[:8], value[8:10], int(value[10:13]), int(value[13]), value[14:])
    if not 111 <= code.type_code <= 599:
        raise ValueError(f"digits 11-13 are the type code, 111-599; got {value[10:13]!r}")
    return code


def check_device_id(value: str, role: Role = "any") -> str | None:
    """Return what is wrong with a device code for this role, or None if it is good."""
    try:
        code = parse_device_id(value)
    except ValueError as exc:
        return str(exc)
    if not any(lo <= code.type_code <= hi for lo, hi in _ROLE_TYPES[role]):
        return f"type code {code.type_code:03d} (digits 11-13) is not {_ROLE_NAMES[role]}"
    return None


def check_image_id(value: str) -> str | None:
    """Return what is wrong with a 41-digit image id, or None."""
    if len(value) != 41 or not value.isascii() or not value.isdigit():
        return f"must be 41 digits (got {len(value)} characters)"
    problem = check_device_id(value[:20])
    if problem is not None:
        return f"digits 1-20 (device code): {problem}"
    if value[20:22] not in IMAGE_SUBTYPES:
        return f"digits 21-22 (sub-type) must be 01, 02, 03 or 99, got {value[20:22]!r}"
    try:
        dt.datetime.strptime(value[22:36], "%Y%m%d%H%M%S")
    except ValueError:
        return f"digits 23-36 must be a time YYYYMMDDhhmmss, got {value[22:36]!r}"
    return None


def check_object_id(value: str, object_type: str | None = None) -> str | None:
    """Return what is wrong with a 48-digit object id (of `object_type`, if given), or None."""
    if len(value) != 48 or not value.isascii() or not value.isdigit():
        return f"must be 48 digits (got {len(value)} characters)"
    problem = check_image_id(value[:41])
    if problem is not None:
        return f"digits 1-41 (source image id): {problem}"
    kind = value[41:43]
    if kind not in OBJECT_TYPES:
        return f"digits 42-43 (object type) unknown: {kind!r}"
    if object_type is not None and kind != object_type:
        return f"digits 42-43 (object type) must be {object_type}, got {kind!r}"
    return None


class IdFactory:
    """Makes image and object ids; serials never repeat within one second of one process.

    Ids are made once, when a capture is queued, and travel with it: a capture sent again
    after a restart keeps its ids, so the views library can drop the repeat.
    """

    def __init__(self, start: int = 0) -> None:
        self._serial = itertools.count(start)

    def image_id(self, device_id: str, shot: dt.datetime) -> str:
        """Return a new 41-digit image id for an image `device_id` took at `shot`."""
        serial = next(self._serial) % 100_000
        return f"{device_id}{SUBTYPE_IMAGE}{shot:%Y%m%d%H%M%S}{serial:05d}"

    @staticmethod
    def object_id(image_id: str, object_type: str = OBJECT_FACE, serial: int = 1) -> str:
        """Return the 48-digit id of the `serial`-th object of a type found in an image."""
        return f"{image_id}{object_type}{serial:05d}"
