"""Simulated Modbus TCP devices: barrier controller, IO module, walk-through metal detector,
locker bank."""

from .barrier import BarrierLayout, BarrierSimulator, Motion
from .io_module import IOModuleSimulator, Wiring
from .locker_bank import LockerBankSimulator, RelayLayout
from .metal_detector import MetalDetectorSimulator
from .server import FaultMode, ModbusDeviceSimulator

__all__ = [
    "BarrierLayout",
    "BarrierSimulator",
    "FaultMode",
    "IOModuleSimulator",
    "LockerBankSimulator",
    "MetalDetectorSimulator",
    "ModbusDeviceSimulator",
    "Motion",
    "RelayLayout",
    "Wiring",
]
