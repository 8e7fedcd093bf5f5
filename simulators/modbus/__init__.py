"""Simulated Modbus TCP devices: barrier controller, IO module, walk-through metal detector."""

from .barrier import BarrierLayout, BarrierSimulator, Motion
from .io_module import IOModuleSimulator, Wiring
from .metal_detector import MetalDetectorSimulator
from .server import FaultMode, ModbusDeviceSimulator

__all__ = [
    "BarrierLayout",
    "BarrierSimulator",
    "FaultMode",
    "IOModuleSimulator",
    "MetalDetectorSimulator",
    "ModbusDeviceSimulator",
    "Motion",
    "Wiring",
]
