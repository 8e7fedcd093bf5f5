"""GA/T 1400 message bodies: the objects the hub sends and the envelopes platforms answer in.

Field names follow GA/T 1400.3/1400.4. Where platforms differ, the `Dialect` says what to
send; reading accepts every form met (see docs/police.md, "GA/T 1400").
"""

from __future__ import annotations

import base64
import datetime as dt
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from .times import TimeFormat, format_time

__all__ = [
    "IMAGE_TYPE_FACE",
    "IMAGE_TYPE_SCENE",
    "Dialect",
    "ResponseStatus",
    "SubImage",
    "ape_object",
    "face_object",
    "iter_objects",
    "jpeg_size",
    "list_body",
    "response_statuses",
    "sub_image",
    "subscribe_object",
    "system_time",
]

IMAGE_TYPE_FACE = "11"    # 人脸图
IMAGE_TYPE_SCENE = "14"   # 场景图
STATUS_OK = 0


@dataclass(frozen=True)
class Dialect:
    """What this platform expects: time form and zone, list envelope, media type."""

    zone: dt.tzinfo = dt.UTC
    time_format: TimeFormat = "compact"
    #: "ListObject": {"FaceListObject": {"FaceObject": [...]}} (the standard, most common);
    #: "List": {"FaceList": {"FaceObject": [...]}}.
    envelope: Literal["ListObject", "List"] = "ListObject"
    content_type: str = "application/VIID+JSON"
    event_sort: int = 4

    def time(self, when: dt.datetime | float) -> str:
        """Return `when` formatted for this platform."""
        return format_time(when, self.time_format, self.zone)


@dataclass(frozen=True)
class SubImage:
    """One image of an object: id, type (11 face, 14 scene), time, JPEG bytes."""

    image_id: str
    device_id: str
    image_type: str
    shot: dt.datetime
    jpeg: bytes = field(repr=False)


@dataclass(frozen=True)
class ResponseStatus:
    """One ResponseStatusObject: 0 is OK; 4 (invalid operation) often means 'not registered'."""

    code: int
    text: str = ""
    id: str = ""
    url: str = ""

    @property
    def ok(self) -> bool:
        """Return True for StatusCode 0."""
        return self.code == STATUS_OK


def jpeg_size(data: bytes) -> tuple[int, int]:
    """Return (width, height) of a baseline or progressive JPEG; ValueError if it is none."""
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG (no SOI marker)")
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise ValueError(f"broken JPEG: no marker at byte {pos}")
        marker = data[pos + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2:pos + 4])
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD,
                      0xCE, 0xCF):
            height, width = struct.unpack(">HH", data[pos + 5:pos + 9])
            return width, height
        pos += 2 + length
    raise ValueError("broken JPEG: no frame header")


def sub_image(image: SubImage, dialect: Dialect) -> dict[str, Any]:
    """Return a SubImageInfoObject with the JPEG inline (base64)."""
    width, height = jpeg_size(image.jpeg)
    return {
        "ImageID": image.image_id,
        "EventSort": dialect.event_sort,
        "DeviceID": image.device_id,
        "StoragePath": "",
        "Type": image.image_type,
        "FileFormat": "Jpeg",
        "ShotTime": dialect.time(image.shot),
        "Width": width,
        "Height": height,
        "Data": base64.b64encode(image.jpeg).decode("ascii"),
    }


def face_object(*, face_id: str, source_id: str, device_id: str,
                box: tuple[int, int, int, int], appear: dt.datetime,
                disappear: dt.datetime | None, images: list[SubImage],
                dialect: Dialect) -> dict[str, Any]:
    """Return a FaceObject of an automatically captured face (InfoKind 1)."""
    left, top, right, bottom = box
    return {
        "FaceID": face_id,
        "InfoKind": 1,
        "SourceID": source_id,
        "DeviceID": device_id,
        "LeftTopX": left,
        "LeftTopY": top,
        "RightBtmX": right,
        "RightBtmY": bottom,
        "LocationMarkTime": dialect.time(appear),
        "FaceAppearTime": dialect.time(appear),
        "FaceDisAppearTime": dialect.time(disappear or appear),
        # The hub does not judge these; the views library does (0 = no, as cameras send).
        "IsDriver": 0,
        "IsForeigner": 0,
        "IsSuspectedTerrorist": 0,
        "IsCriminalInvolved": 0,
        "IsDetainees": 0,
        "IsVictim": 0,
        "IsSuspiciousPerson": 0,
        "SubImageList": {"SubImageInfoObject": [sub_image(i, dialect) for i in images]},
    }


def ape_object(*, ape_id: str, name: str, place: str = "", place_code: str = "",
               longitude: float | None = None, latitude: float | None = None,
               ip: str = "", port: int = 0, model: str = "", online: bool = True,
               ) -> dict[str, Any]:
    """Return an APEObject declaring one collecting device."""
    body: dict[str, Any] = {"ApeID": ape_id, "Name": name, "Model": model or "Campus Hub",
                            "IPAddr": ip, "Port": port, "Place": place,
                            "IsOnline": "1" if online else "2", "FunctionType": "2"}
    if place_code:
        body["PlaceCode"] = place_code
    if longitude is not None and latitude is not None:
        body["Longitude"], body["Latitude"] = longitude, latitude
    return body


def subscribe_object(*, subscribe_id: str, title: str, detail: str, resources: list[str],
                     receive_addr: str, begin: dt.datetime, end: dt.datetime,
                     applicant: str, org: str, dialect: Dialect) -> dict[str, Any]:
    """Return a SubscribeObject asking for `detail` notifications to `receive_addr`."""
    return {"SubscribeID": subscribe_id, "Title": title, "SubscribeDetail": detail,
            "ResourceURI": ",".join(resources), "ApplicantName": applicant,
            "ApplicantOrg": org, "BeginTime": dialect.time(begin),
            "EndTime": dialect.time(end), "ReceiveAddr": receive_addr, "OperateType": 0}


def list_body(kind: str, objects: list[dict[str, Any]], dialect: Dialect) -> dict[str, Any]:
    """Return the list envelope of `kind` objects (e.g. Face -> FaceListObject.FaceObject)."""
    return {f"{kind}{dialect.envelope}": {f"{kind}Object": objects}}


def iter_objects(body: Any, kind: str) -> Iterator[dict[str, Any]]:
    """Yield the `kind` objects of a body in any envelope platforms use.

    Accepts {"<kind>ListObject"|"<kind>List"|"<kind>ObjectList": {"<kind>Object": [...]}},
    the same with a single object instead of a list, and a bare {"<kind>Object": ...}.
    """
    if not isinstance(body, dict):
        return
    for key in (f"{kind}ListObject", f"{kind}List", f"{kind}ObjectList", None):
        container = body.get(key) if key is not None else body
        if not isinstance(container, dict):
            continue
        found = container.get(f"{kind}Object")
        if isinstance(found, dict):
            yield found
            return
        if isinstance(found, list):
            yield from (o for o in found if isinstance(o, dict))
            return


def response_statuses(body: Any) -> list[ResponseStatus]:
    """Return the statuses of an answer (single or list envelope, any spelling met)."""
    if not isinstance(body, dict):
        return []
    raw: list[Any] = []
    for key in ("ResponseStatusListObject", "ResponseStatusList"):
        container = body.get(key)
        if isinstance(container, dict):
            found = container.get("ResponseStatusObject")
            raw.extend(found if isinstance(found, list) else [found])
    for key in ("ResponseStatusObject", "ResponseStatus"):
        if isinstance(body.get(key), dict):
            raw.append(body[key])
    return [_status(s) for s in raw if isinstance(s, dict)]


def _status(raw: dict[str, Any]) -> ResponseStatus:
    try:
        code = int(raw.get("StatusCode", -1))
    except (TypeError, ValueError):
        code = -1
    return ResponseStatus(code, str(raw.get("StatusString", "") or ""),
                          str(raw.get("Id", "") or ""), str(raw.get("RequestURL", "") or ""))


def system_time(body: Any) -> tuple[str, Any]:
    """Return (server id, local time value) of a /VIID/System/Time answer."""
    if isinstance(body, dict):
        for key in ("SystemTimeObject", "SystemTime"):
            obj = body.get(key)
            if isinstance(obj, dict) and "LocalTime" in obj:
                return str(obj.get("VIIDServerID", "")), obj["LocalTime"]
        if "Time" in body:
            return "", body["Time"]
    raise ValueError("no SystemTimeObject.LocalTime in the answer")
