"""The fast JSON encoder the recorder uses writes what the standard one writes."""

from __future__ import annotations

import json

import orjson
import pytest

from hub.incidents import Incident, IncidentStatus, Priority, TimelineStep
from hub.jsonutil import JsonInputError, dumps, dumps_fast, loads_input
from hub.states import State


def test_fast_and_standard_encoders_agree() -> None:
    """States, incidents, enums, unicode and int keys encode to the same JSON both ways."""
    incident = Incident(
        "i1",
        "panic",
        Priority.CRITICAL,
        "school",
        "报警",
        source="alarm.p",
        status=IncidentStatus.ACKNOWLEDGED,
        timeline=[TimelineStep("raised", "hub", at=1.5)],
    )
    value = {
        "state": State("gate.a", "open", {"n": 1}, 1.0, 2.0),
        "incident": incident,
        "priority": Priority.HIGH,
        3: "three",
        "list": [1.5, None, True],
    }
    assert json.loads(dumps_fast(value)) == json.loads(dumps(value))
    assert json.loads(dumps_fast(value))["incident"]["priority_name"] == "critical"


def test_huge_integer_falls_back() -> None:
    """An integer orjson refuses is still encoded (by the standard encoder)."""
    assert dumps_fast({"big": 2**80}) == '{"big":1208925819614629174706176}'


def test_encoders_never_write_nan_or_infinity() -> None:
    """NaN and Infinity anywhere (hub objects included) are written as null by both encoders."""
    nan, inf = float("nan"), float("inf")
    state = State("sensor.t", "1", {"reading": nan}, 1.0, 2.0)
    value = {"a": nan, "b": [inf, -inf, 1.5], "state": state, "ok": "报警"}
    for encode in (dumps, dumps_fast):
        text = encode(value)
        assert "NaN" not in text and "Infinity" not in text
        decoded = orjson.loads(text)  # a strict parser accepts it
        assert decoded["a"] is None and decoded["b"] == [None, None, 1.5]
        assert decoded["state"]["attributes"]["reading"] is None and decoded["ok"] == "报警"
    assert dumps_fast({"big": 2**80, "x": nan}) == '{"big":1208925819614629174706176,"x":null}'


@pytest.mark.parametrize(("raw", "field"), [
    ('{"a": NaN}', "body.a"),
    ('{"a": [1, {"b": Infinity}]}', "body.a[1].b"),
    ('{"a": -1e400}', "body.a"),
    ('{"a": "x\\ud800"}', "body.a"),
    ('["\\udc00"]', "body[0]"),
    ('{"a": ', "body"),
    ("[" * 100_000 + "]" * 100_000, "body"),
])
def test_loads_input_refuses_naming_the_field(raw: str, field: str) -> None:
    """NaN, Infinity, out-of-range numbers, lone surrogates, bad or too deep JSON: refused."""
    with pytest.raises(JsonInputError) as info:
        loads_input(raw)
    assert info.value.field == field


def test_loads_input_accepts_ordinary_json() -> None:
    """Unicode text, surrogate pairs written as escapes, big and small numbers pass."""
    assert loads_input('{"n": "报警 \\ud83d\\ude00", "x": [1e308, -2, 0.5]}') == {
        "n": "报警 😀", "x": [1e308, -2, 0.5]}


def test_encoders_never_write_a_lone_surrogate() -> None:
    """Text with a lone surrogate (a plugin's surrogateescape'd bytes) is written with U+FFFD,
    so the document always encodes as UTF-8; ordinary text and pairs are unchanged."""
    value = {"name": "cam\udcff 门", "big": 2**80, "pair": "\ud83d\ude00"}
    text = dumps(value)
    text.encode("utf-8")
    assert orjson.loads(text) == {"name": "cam\ufffd 门", "big": 2**80, "pair": "😀"}
