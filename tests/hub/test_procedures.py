"""Procedures: an incident carries its checklist; each tick is a step with who and when."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from hub import Context
from hub.exceptions import ServiceValidationError
from hub.incidents.procedure import procedure_for, remaining

HubFactory = Callable[..., Any]


async def test_panic_checklist_ticked_in_order_with_who(hub_factory: HubFactory) -> None:
    """The default panic checklist travels with the incident; ticks are timeline steps in
    the order made, each with the guard; what is left shrinks; a second tick is refused."""
    h = await hub_factory("hub: {}\n")
    incident = await h.hub.incidents.raise_incident("panic", source="alarm.p1")
    ids = [item["id"] for item in incident.data["procedure"]]
    assert ids == ["see_gate", "close_gate", "call_police", "call_head", "protect"]
    assert incident.data["procedure"][1] == {"id": "close_gate", "text": "Keep the gate closed",
                                             "zh": "保持校门关闭"}
    anna, ben = Context(user_id="guard-anna"), Context(user_id="guard-ben")
    await h.hub.services.call("incident", "check_step",
                              {"incident_id": incident.id, "item": "close_gate"}, anna)
    await h.hub.services.call("incident", "check_step",
                              {"incident_id": incident.id, "item": "see_gate",
                               "note": "two men at the gate"}, ben)
    ticks = [s for s in incident.timeline if s.action == "procedure_checked"]
    assert [(s.data["item"], s.actor, s.note) for s in ticks] == [
        ("close_gate", "guard-anna", "Keep the gate closed"),
        ("see_gate", "guard-ben", "two men at the gate")]
    assert ticks[0].at <= ticks[1].at
    assert [i["id"] for i in remaining(incident)] == ["call_police", "call_head", "protect"]
    with pytest.raises(ServiceValidationError, match="already ticked by guard-anna"):
        await h.hub.services.call("incident", "check_step",
                                  {"incident_id": incident.id, "item": "close_gate"}, ben)
    with pytest.raises(ServiceValidationError, match="not on this incident's checklist"):
        await h.hub.services.call("incident", "check_step",
                                  {"incident_id": incident.id, "item": "sing"}, ben)


async def test_configured_and_watch_category_procedures(hub_factory: HubFactory) -> None:
    """A category's own checklist (plain lines get ids step_1...) replaces the default; a
    police category's checklist (recognition.categories) wins for its police hits."""
    h = await hub_factory("""\
incidents:
  categories:
    metal_detected:
      procedure:
        - Ask the visitor to empty their pockets
        - {id: locker, text: Put the item in a locker, zh: 将物品存入储物柜}
""", start=False)
    metal = await h.hub.incidents.raise_incident("metal_detected", source="alarm.wtmd")
    assert [(i["id"], i["zh"]) for i in metal.data["procedure"]] == [
        ("step_1", None), ("locker", "将物品存入储物柜")]
    assert "procedure" not in (await h.hub.incidents.raise_incident("tamper")).data
    from hub.recognition.config import RecognitionConfig

    h.hub.config.sections["recognition"] = RecognitionConfig.model_validate(
        {"categories": {"wanted": {"procedure": ["Keep the gate closed", "Call 110"]}}})
    hit = await h.hub.incidents.raise_incident("police_hit", source="viid/1",
                                               data={"police_category": "wanted"})
    assert [i["text"] for i in hit.data["procedure"]] == ["Keep the gate closed", "Call 110"]
    assert [i.text for i in procedure_for(h.hub, hit)] == ["Keep the gate closed", "Call 110"]
