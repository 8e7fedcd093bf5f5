"""The fast JSON encoder the recorder uses writes what the standard one writes."""

from __future__ import annotations

import json

from hub.incidents import Incident, IncidentStatus, Priority, TimelineStep
from hub.jsonutil import dumps, dumps_fast
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
