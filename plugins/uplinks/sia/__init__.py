"""SIA DC-09 alarm receivers: the `sia` uplink type."""

from __future__ import annotations

from hub import Uplink, hookimpl

from .uplink import SiaUplink

__all__ = ["SiaUplink", "register_uplinks"]


@hookimpl
def register_uplinks() -> list[type[Uplink]]:
    """The `sia` uplink type."""
    return [SiaUplink]
