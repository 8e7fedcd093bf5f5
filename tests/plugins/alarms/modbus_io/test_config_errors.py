"""A device that answers a Modbus exception is online: a configuration error, not an outage."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import pytest

from hub.testing import HubHarness, wait_for, wait_for_state
from simulators.modbus import IOModuleSimulator, MetalDetectorSimulator

from .test_modbus_io import io_yaml

HubFactory = Callable[..., Awaitable[HubHarness]]


def _offline(harness: HubHarness) -> list[object]:
    return [e for e in harness.of_type("incident_raised") if e.data["category"] == "device_offline"]


def _config_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage() for r in caplog.records
        if r.levelno == logging.ERROR and "configuration error" in r.getMessage()
    ]  # fmt: skip


async def test_illegal_address_is_a_config_error_not_an_outage(
    hub_factory: HubFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """Inputs past the module's last terminal: state unknown naming the error, logged once."""
    sim = IOModuleSimulator(["no"] * 4)
    await sim.start()
    try:
        with caplog.at_level(logging.INFO):
            harness = await hub_factory(io_yaml(sim.port).replace("address: 0", "address: 40"))
            state = await wait_for_state(harness.hub, "alarm.panic_1", "unknown")
            await asyncio.sleep(1.0)  # several polls (with backoff): still one log line
    finally:
        await sim.stop()
    assert "illegal data address" in state.attributes["config_error"]
    assert "discrete_inputs 1+40" in state.attributes["config_error"]
    assert _offline(harness) == []
    [logged] = _config_errors(caplog)
    assert "IO 1" in logged and "illegal data address" in logged and "Hint" in logged


async def test_illegal_function_then_fixed(
    hub_factory: HubFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """A module without FC 2 answers 'illegal function'; once it reads, presses work again."""
    sim = IOModuleSimulator(["no", "nc", "nc", "no"])
    sim.unsupported_functions = {2}
    await sim.start()
    try:
        with caplog.at_level(logging.INFO):
            harness = await hub_factory(io_yaml(sim.port))
            state = await wait_for_state(harness.hub, "alarm.panic_1", "unknown")
            assert "illegal function" in state.attributes["config_error"]
            sim.unsupported_functions = set()
            await wait_for_state(harness.hub, "alarm.panic_1", "idle", timeout=5)
            sim.press(0)
            await wait_for_state(harness.hub, "alarm.panic_1", "triggered")
            await wait_for(lambda: harness.of_type("incident_raised"))
    finally:
        await sim.stop()
    panic = harness.hub.states.get("alarm.panic_1")
    assert panic is not None and "config_error" not in panic.attributes
    assert _offline(harness) == [] and len(_config_errors(caplog)) == 1


async def test_wrong_register_address_leaves_the_inputs_alone(hub_factory: HubFactory) -> None:
    """Registers past the device's map: the counter shows the error, the alarm input works."""
    sim = MetalDetectorSimulator()
    await sim.start()
    try:
        harness = await hub_factory(f"""
        devices:
          - platform: modbus_io
            name: Metal
            host: 127.0.0.1
            port: {sim.port}
            scan_interval: 0.1
            counter_interval: 0.2
            inputs:
              - {{name: Metal alarm, address: 0, category: metal_detected}}
            registers:
              - {{name: passes, address: 60}}
        """)
        state = await wait_for(
            lambda: (s := harness.hub.states.get("sensor.metal_passes")) and
            "config_error" in s.attributes and s
        )
        assert state.state == "unknown"
        assert "illegal data address" in state.attributes["config_error"]
        alarm = harness.hub.states.get("alarm.metal_alarm")
        assert alarm is not None and alarm.state == "idle"
    finally:
        await sim.stop()
    assert _offline(harness) == []
