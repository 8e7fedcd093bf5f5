"""ONVIF cameras (onvif-zeep-async): hook implementations."""

from __future__ import annotations

from hub import DiscoveryMatcher, Platform, hookimpl

from .camera import OnvifCamera
from .const import ONVIF_SCOPE, PLATFORM


@hookimpl
def register_platforms() -> list[type[Platform]]:
    """The `onvif` platform."""
    return [OnvifCamera]


@hookimpl
def register_discovery() -> list[DiscoveryMatcher]:
    """Any device announcing an ONVIF type scope (WS-Discovery, or mDNS with an onvif path)."""
    template = {"platform": PLATFORM, "host": "{host}", "port": "{port}",
                "username": "admin", "password": "!secret {object_id}_password"}  # fmt: skip
    return [DiscoveryMatcher(PLATFORM, onvif_scopes=(ONVIF_SCOPE,), yaml_template=template)]
