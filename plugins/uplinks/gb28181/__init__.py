"""GB/T 28181: the hub as a lower-level platform in the police video network."""

from __future__ import annotations

from hub import Uplink, hookimpl

from .uplink import Gb28181Uplink

__all__ = ["Gb28181Uplink", "register_uplinks"]


@hookimpl
def register_uplinks() -> list[type[Uplink]]:
    """The `gb28181` uplink type."""
    return [Gb28181Uplink]
