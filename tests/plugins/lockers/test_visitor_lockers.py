"""The visitor check with a real locker bank (the plugin-registered `locker` kind, simulated)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from hub import Context, ServiceValidationError
from hub.testing import HubHarness, wait_for, wait_for_state
from simulators.modbus import LockerBankSimulator

GUARD = Context(user_id="guard")


@pytest.fixture
async def bank() -> AsyncIterator[LockerBankSimulator]:
    sim = LockerBankSimulator(doors=3)
    await sim.start()
    yield sim
    await sim.stop()


@pytest.fixture
async def site(hub_factory: Any, bank: LockerBankSimulator) -> HubHarness:
    harness: HubHarness = await hub_factory(f"""
visitors: {{}}
devices:
  - platform: modbus_locker
    name: Gate lockers
    gate: main
    model: simlock_c16
    host: 127.0.0.1
    port: {bank.port}
    doors: 3
    label_prefix: A
    scan_interval: 0.05
    overnight_check: null
""")
    await wait_for_state(harness.hub, "locker.gate_lockers_03", "free")
    return harness


def visit(**extra: Any) -> dict[str, Any]:
    return {"name": "Li Wei", "id_number": "110101199003071234", "reason": "meeting",
            "host": "Ms Zhang", "gate": "main", "open_gate": False, **extra}


def door(h: HubHarness, n: int) -> Any:
    return h.hub.states.get(f"locker.gate_lockers_{n:02d}")


async def test_check_in_assigns_and_opens_check_out_opens_and_frees(
        site: HubHarness, bank: LockerBankSimulator) -> None:
    """A metal alarm: the first free locker is assigned to the visit and its door opens; the
    locker holds the visit's id, not the name; check-out opens it again and frees it."""
    hub = site.hub
    bank.put_item(1)  # A1 holds something (not ours): skipped although nobody is assigned
    await wait_for(lambda: door(site, 1).attributes["occupied"])
    visit_in = await hub.services.call("visitor", "check_in",
                                       visit(metal_result="metal", items="knife"), GUARD)
    assert visit_in["locker"] == "A2" and bank.unlocks == [2]
    state = door(site, 2)
    assert state.state == "assigned" and state.attributes["holder"] == f"visit:{visit_in['id']}"
    assert "Li Wei" not in str(state.attributes)
    await wait_for(lambda: door(site, 2).attributes["door"] == "open")
    bank.put_item(2)
    bank.close_door(2)
    out = await hub.services.call("visitor", "check_out", {"visitor_id": visit_in["id"]}, GUARD)
    assert "locker_error" not in out and bank.unlocks == [2, 2]
    await wait_for_state(hub, "locker.gate_lockers_02", "free")


async def test_chosen_locker_in_use_or_unknown_is_refused(site: HubHarness) -> None:
    """The guard's choice must be a free locker that exists; no metal: no locker needed."""
    hub = site.hub
    first = await hub.services.call("visitor", "check_in", visit(metal_result="clear",
                                                                  locker="A3"), GUARD)
    assert first["locker"] == "A3" and door(site, 3).state == "assigned"
    with pytest.raises(ServiceValidationError, match="locker A3 is in use"):
        await hub.services.call("visitor", "check_in", visit(metal_result="clear", locker="A3"),
                                GUARD)
    with pytest.raises(ServiceValidationError, match="no locker 'B9'"):
        await hub.services.call("visitor", "check_in", visit(metal_result="clear", locker="B9"),
                                GUARD)
    plain = await hub.services.call("visitor", "check_in", visit(metal_result="clear"), GUARD)
    assert plain["locker"] is None


async def test_unreachable_bank_refuses_the_locker_and_stores_no_visit(
        site: HubHarness, bank: LockerBankSimulator) -> None:
    """With the controller cut off, a check-in that needs a locker is refused and leaves no
    visit and no assignment behind; check-out of a visit whose locker cannot open still
    checks the visitor out and says so."""
    hub = site.hub
    visit_in = await hub.services.call("visitor", "check_in", visit(metal_result="metal"), GUARD)
    await bank.cut()
    await wait_for_state(hub, "locker.gate_lockers_02", "unavailable")
    with pytest.raises(ServiceValidationError, match="cannot be reached"):
        await hub.services.call("visitor", "check_in", visit(metal_result="clear", locker="A2"),
                                GUARD)
    log = hub.components["visitors"]
    assert len(await log.search()) == 1
    out = await hub.services.call("visitor", "check_out", {"visitor_id": visit_in["id"]}, GUARD)
    assert out["status"] == "out" and "did not open" in out["locker_error"]
    await bank.restore()
    await wait_for_state(hub, "locker.gate_lockers_01", "assigned")
