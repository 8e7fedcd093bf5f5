"""ONVIF cameras (onvif-zeep-async): hook implementations."""

from __future__ import annotations

from hub import DiscoveryMatcher, Platform, hookimpl

from .camera import OnvifCamera
from .const import ONVIF_SCOPE, PLATFORM, ZEROCONF_TYPE


@hookimpl
def register_platforms() -> list[type[Platform]]:
    """The `onvif` platform."""
    return [OnvifCamera]


@hookimpl
def register_discovery() -> list[DiscoveryMatcher]:
    """ONVIF type scopes in a ProbeMatch, or an `_onvif._tcp` mDNS service."""
    template = {"platform": PLATFORM, "host": "{host}", "port": "{port}",
                "username": "admin", "password": "!secret {object_id}_password"}  # fmt: skip
    return [
        DiscoveryMatcher(PLATFORM, onvif_scopes=(ONVIF_SCOPE,), yaml_template=template),
        DiscoveryMatcher(PLATFORM, zeroconf_types=(ZEROCONF_TYPE,), yaml_template=template),
    ]
