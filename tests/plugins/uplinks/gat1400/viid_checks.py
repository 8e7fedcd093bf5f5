"""Strict checks of what a device sends a GA/T 1400 views library (for the platform double).

Written from GA/T 1400.3/1400.4 independently of the hub's plugin: a 20-digit device code
(GB/T 28181 appendix D), 41-digit image ids and 48-digit Face ids that nest inside each
other, times in the platform's configured form, base64 JPEGs that decode and whose Width
and Height are true, and every field a Face object needs.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from typing import Any

import cv2
import numpy as np

PROVINCES = {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35",
             "36", "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54",
             "61", "62", "63", "64", "65", "71", "81", "82"}
TIME_PATTERNS = {
    "compact": (re.compile(r"^\d{14}$"), "%Y%m%d%H%M%S"),
    "dashed": (re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$"), "%Y-%m-%d %H:%M:%S"),
    "iso": (re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$"), None),
}
FACE_REQUIRED = ("FaceID", "InfoKind", "SourceID", "DeviceID", "LeftTopX", "LeftTopY",
                 "RightBtmX", "RightBtmY", "LocationMarkTime", "FaceAppearTime",
                 "FaceDisAppearTime", "IsDriver", "IsForeigner", "IsSuspectedTerrorist",
                 "IsCriminalInvolved", "IsDetainees", "IsVictim", "IsSuspiciousPerson",
                 "SubImageList")
IMAGE_REQUIRED = ("ImageID", "EventSort", "DeviceID", "StoragePath", "Type", "FileFormat",
                  "ShotTime", "Width", "Height", "Data")


class Invalid(ValueError):
    """A field is wrong; the message names it."""


def device_code(value: Any, field: str, front_end: bool = False) -> str:
    """Check a 20-digit device code; front_end: a collecting device (type 111-199)."""
    if not isinstance(value, str) or not re.fullmatch(r"\d{20}", value):
        raise Invalid(f"{field}: not a 20-digit code: {value!r}")
    if value[:2] not in PROVINCES:
        raise Invalid(f"{field}: {value[:2]} is no province code")
    kind = int(value[10:13])
    if not 111 <= kind <= 599 or (front_end and kind > 199):
        raise Invalid(f"{field}: type code {kind:03d} is not allowed here")
    return value


def platform_time(value: Any, field: str, form: str, zone: dt.tzinfo) -> dt.datetime:
    """Check a time field is in exactly the platform's configured form."""
    pattern, fmt = TIME_PATTERNS[form]
    if not isinstance(value, str) or not pattern.match(value):
        raise Invalid(f"{field}: {value!r} is not in the {form} time form")
    if fmt is None:
        return dt.datetime.fromisoformat(value)
    return dt.datetime.strptime(value, fmt).replace(tzinfo=zone)


def image_id(value: Any, field: str, device: str) -> str:
    """Check a 41-digit image id made by `device`."""
    if not isinstance(value, str) or not re.fullmatch(r"\d{41}", value):
        raise Invalid(f"{field}: not a 41-digit image id: {value!r}")
    if value[:20] != device:
        raise Invalid(f"{field}: digits 1-20 {value[:20]} are not the device {device}")
    if value[20:22] not in ("01", "02", "03", "99"):
        raise Invalid(f"{field}: sub-type {value[20:22]} unknown")
    try:
        dt.datetime.strptime(value[22:36], "%Y%m%d%H%M%S")
    except ValueError:
        raise Invalid(f"{field}: digits 23-36 are no time") from None
    return value


def jpeg(value: Any, field: str) -> tuple[int, int]:
    """Check base64 JPEG data decodes; return (width, height)."""
    if not isinstance(value, str) or not value:
        raise Invalid(f"{field}: no base64 data")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid(f"{field}: not base64") from None
    if raw[:3] != b"\xff\xd8\xff":
        raise Invalid(f"{field}: not a JPEG")
    image = cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise Invalid(f"{field}: the JPEG does not decode")
    return int(image.shape[1]), int(image.shape[0])


def face(obj: Any, index: int, form: str, zone: dt.tzinfo) -> dict[str, Any]:
    """Check one FaceObject; return a summary (ids, times, image types and sizes)."""
    where = f"FaceObject[{index}]"
    if not isinstance(obj, dict):
        raise Invalid(f"{where}: not an object")
    missing = [k for k in FACE_REQUIRED if k not in obj]
    if missing:
        raise Invalid(f"{where}: missing {', '.join(missing)}")
    device = device_code(obj["DeviceID"], f"{where}.DeviceID", front_end=True)
    source = image_id(obj["SourceID"], f"{where}.SourceID", device)
    face_id = obj["FaceID"]
    if not isinstance(face_id, str) or not re.fullmatch(r"\d{48}", face_id):
        raise Invalid(f"{where}.FaceID: not 48 digits")
    if face_id[:41] != source or face_id[41:43] != "06":
        raise Invalid(f"{where}.FaceID: must be SourceID + 06 (face) + serial")
    if obj["InfoKind"] not in (0, 1, 2):
        raise Invalid(f"{where}.InfoKind: must be 0, 1 or 2")
    box = [obj[k] for k in ("LeftTopX", "LeftTopY", "RightBtmX", "RightBtmY")]
    if not all(isinstance(v, int) and v >= 0 for v in box) or box[0] >= box[2] \
            or box[1] >= box[3]:
        raise Invalid(f"{where}: LeftTop/RightBtm is not a box: {box}")
    for key in ("IsDriver", "IsForeigner", "IsSuspectedTerrorist", "IsCriminalInvolved",
                "IsDetainees", "IsVictim", "IsSuspiciousPerson"):
        if obj[key] not in (0, 1, 2):
            raise Invalid(f"{where}.{key}: must be 0, 1 or 2")
    appear = platform_time(obj["FaceAppearTime"], f"{where}.FaceAppearTime", form, zone)
    platform_time(obj["FaceDisAppearTime"], f"{where}.FaceDisAppearTime", form, zone)
    platform_time(obj["LocationMarkTime"], f"{where}.LocationMarkTime", form, zone)
    images = sub_images(obj["SubImageList"], where, device, form, zone)
    types = sorted(i["Type"] for i in images)
    if "11" not in types or "14" not in types:
        raise Invalid(f"{where}.SubImageList: needs a face image (11) and a scene (14)")
    scene = next(i for i in images if i["Type"] == "14")
    if scene["ImageID"] != source:
        raise Invalid(f"{where}.SourceID: must be the scene image's ImageID")
    return {"FaceID": face_id, "DeviceID": device, "appear": appear, "images": images}


def sub_images(value: Any, where: str, device: str, form: str,
               zone: dt.tzinfo) -> list[dict[str, Any]]:
    """Check a SubImageList; return the images with their decoded sizes."""
    items = value.get("SubImageInfoObject") if isinstance(value, dict) else None
    if not isinstance(items, list) or not items:
        raise Invalid(f"{where}.SubImageList.SubImageInfoObject: not a non-empty list")
    out = []
    for n, img in enumerate(items):
        field = f"{where}.SubImageList.SubImageInfoObject[{n}]"
        if not isinstance(img, dict):
            raise Invalid(f"{field}: not an object")
        missing = [k for k in IMAGE_REQUIRED if k not in img]
        if missing:
            raise Invalid(f"{field}: missing {', '.join(missing)}")
        image_id(img["ImageID"], f"{field}.ImageID", device)
        device_code(img["DeviceID"], f"{field}.DeviceID", front_end=True)
        if img["Type"] not in ("11", "14") or img["FileFormat"] != "Jpeg":
            raise Invalid(f"{field}: Type must be 11/14 and FileFormat Jpeg")
        if not isinstance(img["EventSort"], int):
            raise Invalid(f"{field}.EventSort: not an integer")
        platform_time(img["ShotTime"], f"{field}.ShotTime", form, zone)
        width, height = jpeg(img["Data"], f"{field}.Data")
        if (img["Width"], img["Height"]) != (width, height):
            raise Invalid(f"{field}: Width/Height {img['Width']}x{img['Height']} but the "
                          f"JPEG is {width}x{height}")
        out.append({"ImageID": img["ImageID"], "Type": img["Type"], "size": (width, height),
                    "bytes": len(base64.b64decode(img["Data"]))})
    return out
