"""GA/T 1400 ids, time fields and Digest: the checks say what is wrong, every form is read."""

from __future__ import annotations

import datetime as dt

import pytest

from plugins.uplinks.gat1400.digest import DigestChallenge, DigestVerifier, authorization
from plugins.uplinks.gat1400.ids import (
    IdFactory,
    check_device_id,
    check_image_id,
    check_object_id,
)
from plugins.uplinks.gat1400.objects import iter_objects, response_statuses, system_time
from plugins.uplinks.gat1400.times import format_time, parse_time

CST = dt.timezone(dt.timedelta(hours=8))


@pytest.mark.parametrize(("value", "role", "problem"), [
    ("32010000001320000007", "ape", None),
    ("41138130001312152683", "ape", None),          # a real APE id (Dengzhou)
    ("32010000001180000001", "system", None),
    ("3201000000132000000", "any", "20 digits"),
    ("3201000000132000000x", "any", "20 digits"),
    ("99010000001320000007", "any", "province"),
    ("32010000000990000007", "any", "type code"),
    ("32010000001320000007", "system", "not a system"),   # a camera cannot register as hub
    ("32010000002000000001", "ape", "not a collecting device"),
])
def test_device_id_structure(value, role, problem):
    found = check_device_id(value, role)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


def test_image_and_face_ids_nest_and_are_checked():
    ids = IdFactory()
    shot = dt.datetime(2026, 12, 5, 7, 30, 1)
    image = ids.image_id("32010000001320000007", shot)
    assert len(image) == 41 and check_image_id(image) is None
    assert image[20:36] == "0220261205073001"
    face = IdFactory.object_id(image)
    assert check_object_id(face, "06") is None
    assert "object type" in (check_object_id(face[:41] + "01" + face[43:], "06") or "")
    assert "time" in (check_image_id(image[:22] + "20261305073001" + image[36:]) or "")
    assert ids.image_id("32010000001320000007", shot) != image   # serial moves on


@pytest.mark.parametrize("text", [
    "20261205153001", "2026-12-05 15:30:01", "2026-12-05T15:30:01+08:00",
    "2026-12-05T07:30:01Z", "20261205153001000", "1796455801000", 1796455801000,
])
def test_every_time_form_is_read(text):
    assert parse_time(text, CST) == dt.datetime(2026, 12, 5, 7, 30, 1, tzinfo=dt.UTC)


def test_time_is_sent_in_the_configured_form():
    when = dt.datetime(2026, 12, 5, 7, 30, 1, tzinfo=dt.UTC)
    assert format_time(when, "compact", CST) == "20261205153001"
    assert format_time(when, "dashed", CST) == "2026-12-05 15:30:01"
    assert format_time(when, "iso", CST) == "2026-12-05T15:30:01+08:00"
    assert format_time(when, "epoch_ms", CST) == "1796455801000"
    with pytest.raises(ValueError, match="not a time"):
        parse_time("05.12.2026", CST)


def test_digest_round_trip_and_refusals():
    verifier = DigestVerifier("hub", {"viid": "pw"})
    challenge = DigestChallenge.from_header(verifier.challenge())
    good = authorization(challenge, "viid", "pw", "POST", "/VIID/SubscribeNotifications")
    assert verifier.verify(good, "POST", "/VIID/SubscribeNotifications") == ("viid", "")
    assert verifier.verify(good, "POST", "/VIID/SubscribeNotifications")[1] == (
        "nonce count replayed")
    bad = authorization(challenge, "viid", "wrong", "POST", "/VIID/SubscribeNotifications")
    assert verifier.verify(bad, "POST", "/VIID/SubscribeNotifications")[1] == "wrong password"
    other = authorization(challenge, "viid", "pw", "POST", "/VIID/Dispositions")
    assert "uri" in verifier.verify(other, "POST", "/VIID/SubscribeNotifications")[1]
    assert verifier.verify(None, "POST", "/x")[1] == "no Authorization header"


def test_envelopes_of_every_spelling_are_read():
    faces = [{"FaceID": "1"}, {"FaceID": "2"}]
    for body in ({"FaceListObject": {"FaceObject": faces}}, {"FaceList": {"FaceObject": faces}},
                 {"FaceObjectList": {"FaceObject": faces}}):
        assert list(iter_objects(body, "Face")) == faces
    assert list(iter_objects({"FaceListObject": {"FaceObject": faces[0]}}, "Face")) == faces[:1]
    single = {"ResponseStatusObject": {"StatusCode": "0", "Id": "x"}}
    listed = {"ResponseStatusListObject": {"ResponseStatusObject": [{"StatusCode": 4}]}}
    assert response_statuses(single)[0].ok and not response_statuses(listed)[0].ok
    assert system_time({"SystemTime": {"LocalTime": "20261205153001"}})[1] == "20261205153001"
