"""modbus_io outputs: a relay (coil) as a switch, against the simulated IO module."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from hub.testing import wait_for, wait_for_state
from simulators.modbus import IOModuleSimulator


@pytest.fixture
async def io_module() -> AsyncIterator[IOModuleSimulator]:
    """The simulated IO module with one input and its relay (instead of conftest's four)."""
    sim = IOModuleSimulator(["no"])
    await sim.start()
    yield sim
    await sim.stop()


async def test_relay_switch_writes_the_coil(hub_factory: Any, io_module: IOModuleSimulator
                                            ) -> None:
    """switch.turn_on energises the module's relay, turn_off releases it; the switch goes
    unavailable with the module and works again when it is back."""
    h = await hub_factory(f"""\
devices:
  - platform: modbus_io
    name: Gate IO module
    host: 127.0.0.1
    port: {io_module.port}
    scan_interval: 0.05
    reconnect_max_delay: 0.2
    inputs: [{{name: Panic 1, address: 0}}]
    outputs: [{{name: Gate siren, address: 0}}]
""")
    await wait_for_state(h.hub, "alarm.panic_1", "idle")
    assert h.hub.states.get("switch.gate_siren").state == "unknown"
    await h.hub.services.call("switch", "turn_on", {"entity_id": "switch.gate_siren"})
    assert io_module.relay is True
    assert h.hub.states.get("switch.gate_siren").state == "on"
    await h.hub.services.call("switch", "turn_off", {"entity_id": "switch.gate_siren"})
    assert io_module.relay is False
    await io_module.stop()
    await wait_for(lambda: h.hub.states.get("switch.gate_siren").state == "unavailable")
    await io_module.start()
    await wait_for(lambda: h.hub.states.get("switch.gate_siren").state != "unavailable",
                   timeout=10)
    await h.hub.services.call("switch", "turn_on", {"entity_id": "switch.gate_siren"})
    assert io_module.relay is True
