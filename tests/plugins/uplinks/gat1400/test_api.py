"""The GA/T 1400 client against the views-library double (tests/.../viid_double.py).

The police platform cannot run here; the double is written from GA/T 1400.4 and is strict
(Digest, ids, times, envelopes, JPEGs). Real servers on 127.0.0.1.
"""

from __future__ import annotations

import datetime as dt

import aiohttp
import cv2
import numpy as np
import pytest

from plugins.uplinks.gat1400.api import (
    AuthFailed,
    NotRegistered,
    PlatformRefused,
    ViewsLibraryClient,
)
from plugins.uplinks.gat1400.builder import CaptureImages, FaceBuilder
from plugins.uplinks.gat1400.ids import IdFactory
from plugins.uplinks.gat1400.objects import Dialect, ape_object

from .viid_double import ViidDouble

HUB_ID = "32010000001180000001"     # a front-end host (type 118) registering
APE_ID = "32010000001320000007"     # an IP camera (type 132)
ZONE = dt.timezone(dt.timedelta(hours=8))


def uplink_yaml(url: str, **extra: str) -> str:
    """An `uplinks:` section: the gat1400 uplink views_library to the platform at `url`, as
    HUB_ID with camera.gate as APE_ID; `extra` adds keys (YAML values)."""
    lines = "".join(f"    {k}: {v}\n" for k, v in extra.items())
    return ("uplinks:\n  - type: gat1400\n    name: views_library\n"
            f'    url: {url}\n    device_id: "{HUB_ID}"\n    user: hub\n    password: s3cret\n'
            f'    cameras:\n      camera.gate: {{ape_id: "{APE_ID}", name: Gate}}\n{lines}')


def jpeg(width: int, height: int, seed: int = 1) -> bytes:
    """Return a real JPEG of noise (so it does not compress to nothing)."""
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 255, (height, width, 3), dtype=np.uint8)
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])
    assert ok
    return bytes(buf)


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as s:
        yield s


def client(session: aiohttp.ClientSession, platform: ViidDouble, password: str = "s3cret",
           **kw: object) -> ViewsLibraryClient:
    return ViewsLibraryClient(session, platform.url, HUB_ID, "hub", password,
                              Dialect(zone=ZONE, **kw), timeout=10.0)  # type: ignore[arg-type]


async def test_register_with_digest_then_keepalive(platform, session):
    c = client(session, platform)
    await c.register()
    assert HUB_ID in platform.registered
    await c.keepalive()
    assert len(platform.keepalives) == 1


async def test_wrong_password_is_auth_failed(platform, session):
    with pytest.raises(AuthFailed, match="wrong user or password"):
        await client(session, platform, password="nope").register()
    assert platform.registered == set()
    assert platform.refused_auth == 1


@pytest.mark.parametrize("answer", ["401", "status4"])
async def test_forgotten_device_is_told_on_keepalive(platform, session, answer):
    platform.forget_answer = answer
    c = client(session, platform)
    await c.register()
    platform.forget()
    with pytest.raises(NotRegistered):
        await c.keepalive()


async def test_clock_offset_is_measured(platform, session):
    platform.clock_offset = 90.0
    reading = await client(session, platform).clock()
    assert 88 < reading.offset < 92


async def test_face_upload_with_both_images_passes_the_strict_double(platform, session):
    c = client(session, platform)
    await c.register()
    await c.declare_apes([ape_object(ape_id=APE_ID, name="Gate camera", place="Gate 1")])
    builder = FaceBuilder(c.dialect, IdFactory())
    shot = dt.datetime(2026, 12, 5, 7, 30, 1, tzinfo=dt.UTC)
    face = builder.face(APE_ID, shot, (10, 20, 110, 140),
                        CaptureImages(crop=jpeg(100, 120), scene=jpeg(640, 360, 2)))
    statuses = await c.upload_faces([face])
    assert [s.ok for s in statuses] == [True], platform.rejected
    got = platform.faces[0].body
    assert got["FaceAppearTime"] == "20261205153001"   # UTC+8, compact form
    sizes = {i["Type"]: (i["Width"], i["Height"]) for i in
             got["SubImageList"]["SubImageInfoObject"]}
    assert sizes == {"11": (100, 120), "14": (640, 360)}


async def test_a_non_finite_number_is_never_sent_as_bare_nan(platform, session):
    """A NaN or Infinity in an object (a score a detector could not compute, say) goes up as
    null, a lone surrogate as U+FFFD: the strict platform takes the upload instead of
    refusing the whole body (before: bare NaN, and a UnicodeEncodeError)."""
    c = client(session, platform)
    await c.register()
    await c.declare_apes([ape_object(ape_id=APE_ID, name="Gate camera")])
    face = FaceBuilder(c.dialect, IdFactory()).face(
        APE_ID, dt.datetime.now(dt.UTC), (0, 0, 10, 10),
        CaptureImages(crop=jpeg(32, 32), scene=jpeg(64, 48)))
    face["FaceQuality"], face["Similarity"] = float("nan"), float("inf")
    face["Remark"] = "a\ud800b"
    assert (await c.upload_faces([face]))[0].ok, platform.rejected
    got = platform.faces[0].body
    assert got["FaceQuality"] is None and got["Similarity"] is None
    assert got["Remark"] == "a\ufffdb"


async def test_dashed_time_form_and_plain_json_when_configured(platform, session):
    platform.time_form, platform.content_type, platform.envelope = (
        "dashed", "application/json", "List")
    c = client(session, platform, time_format="dashed", content_type="application/json",
               envelope="List")
    await c.register()
    await c.declare_apes([ape_object(ape_id=APE_ID, name="Gate camera")])
    face = FaceBuilder(c.dialect, IdFactory()).face(
        APE_ID, dt.datetime.now(dt.UTC), (0, 0, 10, 10),
        CaptureImages(crop=jpeg(32, 32), scene=jpeg(64, 48)))
    assert (await c.upload_faces([face]))[0].ok, platform.rejected
    assert "-" in platform.faces[0].body["FaceAppearTime"]


async def test_upload_from_undeclared_ape_is_refused(platform, session):
    c = client(session, platform)
    await c.register()
    face = FaceBuilder(c.dialect, IdFactory()).face(
        APE_ID, dt.datetime.now(dt.UTC), (0, 0, 10, 10),
        CaptureImages(crop=jpeg(32, 32), scene=jpeg(64, 48)))
    with pytest.raises(PlatformRefused, match="never declared"):
        await c.upload_faces([face])


async def test_platform_wanting_digest_on_every_request(platform, session):
    """A variant: keepalive and uploads are challenged too; the client answers each."""
    platform.digest_everywhere = True
    c = client(session, platform)
    await c.register()
    await c.keepalive()
    await c.declare_apes([ape_object(ape_id=APE_ID, name="Gate camera")])
    face = FaceBuilder(c.dialect, IdFactory()).face(
        APE_ID, dt.datetime.now(dt.UTC), (0, 0, 10, 10),
        CaptureImages(crop=jpeg(32, 32), scene=jpeg(64, 48)))
    assert (await c.upload_faces([face]))[0].ok, platform.rejected
    platform.forget()
    with pytest.raises(NotRegistered):
        await c.keepalive()
