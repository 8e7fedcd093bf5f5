"""Values plugins return from hooks: services and discovery matchers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

if TYPE_CHECKING:
    from .hub import Hub
    from .services import ServiceCall

__all__ = ["DiscoveryMatcher", "ServiceSpec"]


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """A plugin service `domain.name`; `handler(hub, call)` runs it."""

    domain: str
    name: str
    handler: Callable[[Hub, ServiceCall], Awaitable[Any] | Any]
    schema: type[BaseModel] | None = None
    description: str = ""
    roles: tuple[str, ...] = ("admin",)


@dataclass(frozen=True, slots=True)
class DiscoveryMatcher:
    """What a platform recognises on the network.

    A discovered device matches when every given field matches: `onvif_scopes` are
    substrings of the device's scopes, `manufacturer` a case-insensitive prefix,
    `zeroconf_types` service types such as `_acme-gate._tcp.local.`.
    """

    platform: str
    onvif_scopes: tuple[str, ...] = ()
    manufacturer: str | None = None
    zeroconf_types: tuple[str, ...] = ()
    yaml_template: dict[str, Any] = field(default_factory=dict)
