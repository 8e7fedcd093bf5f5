"""Adapter that adds the ONVIF camera simulators (simulators/onvif_camera) to the site."""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .site import SimDevice, SiteOptions

_LOGGER = logging.getLogger(__name__)


def make_cameras(options: SiteOptions) -> tuple[dict[str, SimDevice], str]:
    """Return the site's cameras and a note saying why there are none, if so."""
    if options.cameras <= 0:
        return {}, "cameras disabled"
    try:
        # Imported by name so a half-built camera package never breaks type checks here.
        onvif_camera = importlib.import_module("simulators.onvif_camera")
    except ImportError as err:  # the other helper's package is not there yet
        return {}, f"no ONVIF camera simulator: {err}"
    factory: Any = getattr(onvif_camera, "CameraSimulator", None)
    if factory is None:
        return {}, "simulators.onvif_camera has no CameraSimulator yet"
    return {}, "ONVIF camera adapter not wired yet"
