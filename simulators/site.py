"""The whole simulated school gate: barrier, turnstile, IO module, metal detector, speaker,
locker bank.

`Site` starts every device on 127.0.0.1, writes an address book (JSON) for the hub's
config and the control CLI, and offers the actions a test or a demo user needs: press a
panic button, walk someone through the arch, cut and restore a device, switch faults.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from .cameras import make_cameras
from .modbus import (
    BarrierLayout,
    BarrierSimulator,
    IOModuleSimulator,
    LockerBankSimulator,
    MetalDetectorSimulator,
)
from .speaker import SpeakerSimulator

_LOGGER = logging.getLogger(__name__)

__all__ = ["DEFAULT_SITE_FILE", "DEMO_BASE_PORT", "InputSpec", "SimDevice", "Site", "SiteOptions"]

DEFAULT_SITE_FILE = Path("var/sim.json")
#: `python -m simulators run` listens from here; config/demo.yaml uses these ports.
DEMO_BASE_PORT = 15020

#: Port offsets from `SiteOptions.base_port` (the demo config relies on them).
PORT_OFFSETS = {
    "barrier_1": 0,
    "turnstile_1": 1,
    "io_1": 2,
    "metal_1": 3,
    "speaker_1": 4,
    "lockers_1": 5,
    "control": 9,
    "camera_1": 10,
}


class SimDevice(Protocol):
    """What the site needs from every simulated device."""

    kind: str
    host: str

    @property
    def port(self) -> int: ...

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def cut(self) -> None: ...
    async def restore(self) -> None: ...
    def set_fault(self, mode: str) -> None: ...
    def snapshot(self) -> dict[str, object]: ...


@dataclass(frozen=True, slots=True)
class InputSpec:
    """A named contact on an IO module terminal."""

    device: str
    address: int
    wiring: str
    category: str


#: The IO module's terminals at the demo gate.
IO_INPUTS = {
    "panic_1": InputSpec("io_1", 0, "no", "panic"),
    "panic_2": InputSpec("io_1", 1, "nc", "panic"),
    "tamper_1": InputSpec("io_1", 2, "nc", "tamper"),
    "intrusion_1": InputSpec("io_1", 3, "no", "intrusion"),
}


@dataclass(slots=True)
class SiteOptions:
    """How to build the site; base_port 0 lets the OS choose every port."""

    host: str = "127.0.0.1"
    base_port: int = 0
    travel_time: float = 2.0
    auto_close: float = 5.0
    cameras: int = 1
    speaker_token: str = "speaker-token"
    #: Run only these devices (a single device for the standalone runners).
    only: list[str] | None = None
    #: Port per device name, overriding base_port.
    ports: dict[str, int] = field(default_factory=dict)
    #: Face photos the first camera shows walking past (e.g. data/faces), or None.
    faces_dir: Path | None = None

    def port(self, name: str) -> int:
        """Return the fixed port for a device, or 0 when the OS chooses."""
        if name in self.ports:
            return self.ports[name]
        return self.base_port + PORT_OFFSETS[name] if self.base_port else 0


class Site:
    """A simulated school gate on 127.0.0.1."""

    def __init__(self, options: SiteOptions | None = None) -> None:
        self.options = opts = options or SiteOptions()
        self.inputs = dict(IO_INPUTS)
        wiring = ["no"] * 8
        for spec in self.inputs.values():
            wiring[spec.address] = spec.wiring
        self.devices: dict[str, SimDevice] = {
            "barrier_1": BarrierSimulator(
                layout=BarrierLayout.COILS,
                travel_time=opts.travel_time,
                auto_close=opts.auto_close,
                host=opts.host,
                port=opts.port("barrier_1"),
            ),
            "turnstile_1": BarrierSimulator(
                layout=BarrierLayout.REGISTER,
                travel_time=opts.travel_time / 2,
                auto_close=opts.auto_close,
                host=opts.host,
                port=opts.port("turnstile_1"),
            ),
            "io_1": IOModuleSimulator(wiring, host=opts.host, port=opts.port("io_1")),
            "metal_1": MetalDetectorSimulator(host=opts.host, port=opts.port("metal_1")),
            "speaker_1": SpeakerSimulator(
                host=opts.host, port=opts.port("speaker_1"), token=opts.speaker_token
            ),
            "lockers_1": LockerBankSimulator(doors=12, host=opts.host,
                                             port=opts.port("lockers_1")),
        }
        if opts.only is not None:
            unknown = set(opts.only) - set(self.devices) - {"camera_1"}
            if unknown:
                raise KeyError(f"unknown devices {sorted(unknown)}; known: {sorted(self.devices)}")
            self.devices = {k: v for k, v in self.devices.items() if k in opts.only}
        self.models = {"barrier_1": "simgate_b100", "turnstile_1": "simgate_t200",
                       "lockers_1": "simlock_c16"}
        self.cameras_note = ""
        self._timers: set[asyncio.Task[None]] = set()

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Start every device."""
        self._add_cameras()
        for name, device in self.devices.items():
            await device.start()
            _LOGGER.info("simulated %s %s on %s:%s", device.kind, name, device.host, device.port)

    async def stop(self) -> None:
        """Stop every device and pending timers."""
        for task in list(self._timers):
            task.cancel()
        await asyncio.gather(*self._timers, return_exceptions=True)
        for device in self.devices.values():
            await device.stop()

    def _add_cameras(self) -> None:
        """Add the ONVIF camera simulators when that package is present."""
        if self.options.only is not None and "camera_1" not in self.options.only:
            return
        cameras, self.cameras_note = make_cameras(self.options)
        for name in list(self.devices):
            if name.startswith("camera_"):
                del self.devices[name]
        self.devices.update(cameras)

    # -- actions -----------------------------------------------------------------------------

    def device(self, name: str) -> SimDevice:
        """Return a device by name; KeyError names the known ones."""
        try:
            return self.devices[name]
        except KeyError:
            known = ", ".join(sorted(self.devices))
            raise KeyError(f"unknown device {name!r}; known: {known}") from None

    def _io(self, name: str) -> tuple[IOModuleSimulator, int]:
        spec = self.inputs.get(name)
        if spec is None or spec.device not in self.devices:
            known = ", ".join(sorted(self.inputs))
            raise KeyError(f"unknown input {name!r}; known: {known}")
        module = self.devices[spec.device]
        assert isinstance(module, IOModuleSimulator)
        return module, spec.address

    def press(self, name: str, hold: float | None = None) -> None:
        """Press an input; with `hold` seconds it is released again by itself."""
        module, address = self._io(name)
        module.press(address)
        if hold:
            task = asyncio.get_running_loop().create_task(self._release_later(name, hold))
            self._timers.add(task)
            task.add_done_callback(self._timers.discard)

    async def tap(self, name: str, hold: float) -> None:
        """Press an input and let go, each held >= `hold` s and until two scans read it."""
        module, address = self._io(name)
        await module.tap(address, hold)

    async def _release_later(self, name: str, hold: float) -> None:
        await asyncio.sleep(hold)
        self.release(name)

    def release(self, name: str) -> None:
        """Release an input."""
        module, address = self._io(name)
        module.release(address)

    def cut_wire(self, name: str, cut: bool = True) -> None:
        """Cut (or repair) the wire of an input."""
        module, address = self._io(name)
        module.cut_wire(address, cut)

    def walk(self, metal: bool = False, zone: int | None = None, detector: str = "metal_1") -> None:
        """Walk a person through a metal detector."""
        device = self.device(detector)
        if not isinstance(device, MetalDetectorSimulator):
            raise KeyError(f"{detector!r} is not a metal detector")
        device.walk(metal=metal, zone=zone)

    def barrier(self, name: str) -> BarrierSimulator:
        """Return a barrier or turnstile by name."""
        device = self.device(name)
        if not isinstance(device, BarrierSimulator):
            raise KeyError(f"{name!r} is not a barrier")
        return device

    def lockers(self, name: str) -> LockerBankSimulator:
        """Return a locker bank by name."""
        device = self.device(name)
        if not isinstance(device, LockerBankSimulator):
            raise KeyError(f"{name!r} is not a locker bank")
        return device

    def locker(self, name: str, door: int, action: str) -> None:
        """At a locker: close or open its door, put an item in or take it out."""
        bank = self.lockers(name)
        if action == "close":
            bank.close_door(door)
        elif action == "open":
            bank.open_door(door)
        elif action in ("item", "empty"):
            bank.put_item(door, action == "item")
        else:
            raise ValueError(f"unknown locker action {action!r}; known: close, open, item, empty")

    async def cut(self, name: str) -> None:
        """Take a device off the network."""
        await self.device(name).cut()

    async def restore(self, name: str) -> None:
        """Bring a device back on its port."""
        await self.device(name).restore()

    def fault(self, name: str, mode: str) -> None:
        """Switch a device's wire fault mode."""
        self.device(name).set_fault(mode)

    # -- address book ----------------------------------------------------------------------

    def address_book(self, control_url: str | None = None) -> dict[str, Any]:
        """Return every device's address (what the hub config and the CLI need)."""
        devices: dict[str, Any] = {}
        for name, device in self.devices.items():
            entry: dict[str, Any] = {"kind": device.kind, "host": device.host, "port": device.port}
            if isinstance(device, BarrierSimulator | IOModuleSimulator | MetalDetectorSimulator
                          | LockerBankSimulator):
                entry.update(protocol="modbus_tcp", device_id=device.device_id)
            if name in self.models:
                entry["model"] = self.models[name]
            if isinstance(device, SpeakerSimulator):
                entry.update(url=device.url, username=device.username, password=device.password)
                entry["token"] = device.token
            if hasattr(device, "describe"):
                entry.update(device.describe())
            devices[name] = entry
        inputs = {
            name: {
                "device": s.device,
                "address": s.address,
                "wiring": s.wiring,
                "category": s.category,
            }
            for name, s in self.inputs.items()
        }
        book: dict[str, Any] = {"devices": devices, "inputs": inputs}
        if control_url:
            book["control_url"] = control_url
        if self.cameras_note:
            book["cameras_note"] = self.cameras_note
        return book

    def snapshot(self) -> dict[str, Any]:
        """Return every device's state."""
        return {name: device.snapshot() for name, device in self.devices.items()}


def write_address_book_blocking(path: Path, book: dict[str, Any]) -> None:
    """Write the address book atomically (call from an executor or before the loop runs)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(book, indent=2) + "\n")
    os.replace(tmp, path)
