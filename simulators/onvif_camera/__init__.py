"""A simulated ONVIF camera: SOAP services, snapshots, MJPEG/RTSP, WS-Discovery, zeroconf."""

from __future__ import annotations

from .config import OPEN_COMMON, OPEN_NONE, OPEN_STRICT, Fault, SimulatorConfig
from .server import CameraSimulator

__all__ = ["OPEN_COMMON", "OPEN_NONE", "OPEN_STRICT", "CameraSimulator", "Fault", "SimulatorConfig"]
