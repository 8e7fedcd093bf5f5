"""Cameras from a stream or snapshot URL (no ONVIF): hook implementations."""

from __future__ import annotations

from hub import DiscoveryMatcher, Platform, hookimpl

from .camera import RtspCamera
from .const import PLATFORM, ZEROCONF_TYPE


@hookimpl
def register_platforms() -> list[type[Platform]]:
    """The `rtsp` platform."""
    return [RtspCamera]


@hookimpl
def register_discovery() -> list[DiscoveryMatcher]:
    """Streams advertised over mDNS as `_rtsp._tcp`."""
    template = {"platform": PLATFORM, "stream_url": "rtsp://{host}:{port}{path}"}
    return [DiscoveryMatcher(PLATFORM, zeroconf_types=(ZEROCONF_TYPE,), yaml_template=template)]
