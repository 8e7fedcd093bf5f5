"""The control surface's view of each Modbus simulator: common keys, then the model's own."""

from __future__ import annotations

import pytest

from simulators.modbus import (
    BarrierSimulator,
    FaultMode,
    IOModuleSimulator,
    LockerBankSimulator,
    MetalDetectorSimulator,
    ModbusDeviceSimulator,
)


@pytest.mark.parametrize(("sim", "own_key"), [
    (BarrierSimulator(), "motion"), (IOModuleSimulator(), "relay"),
    (LockerBankSimulator(), "doors"), (MetalDetectorSimulator(), "passes"),
])
def test_snapshot_has_kind_running_fault_and_the_model(sim: ModbusDeviceSimulator,
                                                      own_key: str) -> None:
    """Every simulator shows its kind, whether it listens, its fault mode and its own state."""
    sim.fault_mode = FaultMode.MUTE
    view = sim.snapshot()
    assert (view["kind"], view["running"], view["fault_mode"]) == (sim.kind, False, "mute")
    assert own_key in view
