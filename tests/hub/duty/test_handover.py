"""Shift handover: start, end with what is handed over, the next guard's sign-off; audited."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from hub import Context, ServiceValidationError
from hub.testing import HubHarness, wait_for_state
from simulators.modbus import LockerBankSimulator

WANG, LI = Context(user_id="wang"), Context(user_id="li")


@pytest.fixture
async def site(hub_factory: Any) -> AsyncIterator[HubHarness]:
    bank = LockerBankSimulator(doors=2)
    await bank.start()
    harness: HubHarness = await hub_factory(f"""
duty: {{}}
visitors: {{}}
devices:
  - {{platform: modbus_locker, name: Gate lockers, gate: main, model: simlock_c16,
     host: 127.0.0.1, port: {bank.port}, doors: 2, scan_interval: 0.05, overnight_check: null}}
""")
    await wait_for_state(harness.hub, "locker.gate_lockers_02", "free")
    yield harness
    await bank.stop()


async def call(h: HubHarness, service: str, who: Context, **data: Any) -> Any:
    return await h.hub.services.call("duty", service, data, who)


def audited(h: HubHarness) -> list[tuple[str, str | None]]:
    return [(e.data["action"], e.data["user"])
            for e in h.of_type("audit_logged") if e.data["action"].startswith("duty.")]


async def test_handover_signed_off_by_the_next_guard(site: HubHarness) -> None:
    """Wang's shift ends with the open incident, the locker in use and his notes handed over;
    Li signs it off and is on duty; each step audited with who."""
    hub = site.hub
    assert hub.states.get("duty.guard").state == "off_duty"  # type: ignore[union-attr]
    first = await call(site, "start", WANG)
    assert hub.states.get("duty.guard").attributes["guard"] == "wang"  # type: ignore[union-attr]
    with pytest.raises(ServiceValidationError, match="wang is on duty"):
        await call(site, "start", LI)
    incident = await hub.incidents.raise_incident("panic", source="alarm.x", message="Panic")
    await hub.services.call("locker", "assign", {"entity_id": "locker.gate_lockers_02",
                                                 "holder": "visit:ab"})
    with pytest.raises(ServiceValidationError, match="wang is on duty, not li"):
        await call(site, "end", LI, notes="not mine")
    ended = await call(site, "end", WANG, notes="Barrier arm sticks; call the vendor.")
    assert ended["id"] == first["id"] and ended["status"] == "handover"
    handed = ended["handover"]
    assert [i["id"] for i in handed["incidents"]] == [incident.id]
    assert [(x["label"], x["holder"]) for x in handed["lockers"]] == [("2", "visit:ab")]
    assert ended["notes"] == "Barrier arm sticks; call the vendor."
    assert hub.states.get("duty.guard").state == "handover"  # type: ignore[union-attr]
    with pytest.raises(ServiceValidationError, match="sign off wang's handover first"):
        await call(site, "start", LI)
    with pytest.raises(ServiceValidationError, match="not its author"):
        await call(site, "sign_off", WANG, shift_id=first["id"])
    signed = await call(site, "sign_off", LI, shift_id=first["id"])
    assert signed["signed"]["signed_off_by"] == "li" and signed["shift"]["guard"] == "li"
    assert hub.states.get("duty.guard").attributes["guard"] == "li"  # type: ignore[union-attr]
    with pytest.raises(ServiceValidationError, match="no handover"):
        await call(site, "sign_off", LI, shift_id=first["id"])
    assert audited(site) == [("duty.started", "wang"), ("duty.ended", "wang"),
                             ("duty.signed_off", "li"), ("duty.started", "li")]


async def test_the_log_survives_a_restart(site: HubHarness, hub_factory: Any) -> None:
    """A handover waiting for its sign-off is still waiting after the hub restarts."""
    await call(site, "start", WANG)
    await call(site, "end", WANG, notes="quiet night")
    await site.hub.stop()
    again: HubHarness = await hub_factory("duty: {}\n")
    state = again.hub.states.get("duty.guard")
    assert state is not None and state.state == "handover" and state.attributes["guard"] == "wang"
