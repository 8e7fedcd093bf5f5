"""Adapter that adds the ONVIF camera simulators (simulators/onvif_camera) to the site."""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .site import SimDevice, SiteOptions

_LOGGER = logging.getLogger(__name__)

__all__ = ["SiteCamera", "make_cameras"]

# Imported at module import (zeroconf's import runs ldconfig: never on the event loop), by
# name so that a half-built camera package cannot break the type checks of this package.
_ONVIF: Any
_IMPORT_ERROR = ""
try:
    _ONVIF = importlib.import_module("simulators.onvif_camera")
except ImportError as err:  # pragma: no cover - the camera package is optional here
    _ONVIF, _IMPORT_ERROR = None, str(err)


class SiteCamera:
    """One `simulators.onvif_camera.CameraSimulator` seen through the site's device protocol."""

    kind = "onvif_camera"

    def __init__(self, camera: Any) -> None:
        self.camera = camera
        self.host: str = camera.config.host

    @property
    def port(self) -> int:
        """Return the ONVIF HTTP port (kept across cut/restore)."""
        return int(self.camera.port or self.camera.config.port)

    async def start(self) -> None:
        """Start the camera."""
        await self.camera.start()

    async def stop(self) -> None:
        """Stop the camera."""
        await self.camera.stop()

    async def cut(self) -> None:
        """Power the camera off (its HTTP port closes)."""
        await self.camera.go_down()

    async def restore(self) -> None:
        """Power the camera on again on the same port."""
        await self.camera.come_up()

    def set_fault(self, mode: str) -> None:
        """Switch the SOAP fault: none, bad_auth, malformed, soap_fault, timeout."""
        self.camera.set_fault(mode)

    def snapshot(self) -> dict[str, object]:
        """Return the camera's status."""
        status: dict[str, object] = {"kind": self.kind, "running": not self.camera.down}
        status.update(self.camera.status())
        return status

    def describe(self) -> dict[str, Any]:
        """Return what a hub config needs: ONVIF address, credentials, stream URLs."""
        config = self.camera.config
        return {
            "device_url": self.camera.device_url,
            "username": config.username,
            "password": config.password,
            "serial": config.serial,
            "control_url": self.camera.control_url,
        }


def make_cameras(options: SiteOptions) -> tuple[dict[str, SimDevice], str]:
    """Return the site's cameras and a note saying why there are none, if so."""
    if options.cameras <= 0:
        return {}, "cameras disabled"
    if _ONVIF is None:
        return {}, f"no ONVIF camera simulator: {_IMPORT_ERROR}"
    onvif_camera = _ONVIF
    config_cls = getattr(onvif_camera, "SimulatorConfig", None)
    camera_cls = getattr(onvif_camera, "CameraSimulator", None)
    if config_cls is None or camera_cls is None:
        return {}, "simulators.onvif_camera has no CameraSimulator yet"
    cameras: dict[str, SimDevice] = {}
    for index in range(1, options.cameras + 1):
        name = f"camera_{index}"
        port = options.base_port + 9 + index if options.base_port else 0
        config = config_cls(
            name=f"Gate Camera {index}",
            host=options.host,
            port=port,
            serial=f"SIM{index:04d}",
            mac=f"02:00:00:00:00:{index:02x}",
            location="gate",
            faces_dir=options.faces_dir if index == 1 else None,
        )
        cameras[name] = SiteCamera(camera_cls(config))
    return cameras, ""
