"""The `discovery:` section: where to probe and browse, and how often."""

from __future__ import annotations

import ipaddress

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .wsdiscovery import MULTICAST_TARGET

__all__ = ["DiscoveryConfig", "parse_target"]


def parse_target(text: str) -> tuple[str, int]:
    """'127.0.0.1:3702' -> ('127.0.0.1', 3702); ValueError saying what is wrong."""
    host, sep, port = text.strip().rpartition(":")
    if not sep or not host:
        raise ValueError(f"expected host:port, got {text!r}")
    try:
        ipaddress.IPv4Address(host)
        number = int(port)
    except ValueError as err:
        raise ValueError(f"expected an IPv4 address and a port, got {text!r}") from err
    if not 0 < number < 65536:
        raise ValueError(f"port must be 1-65535, got {number}")
    return host, number


class DiscoveryConfig(BaseModel):
    """Unicast probes by default; multicast (WS-Discovery and mDNS) only when asked."""

    model_config = ConfigDict(extra="forbid")

    interface: str = "127.0.0.1"
    probe_targets: list[str] = Field(default_factory=lambda: ["127.0.0.1:3702"])
    multicast: bool = False
    zeroconf: bool = False
    zeroconf_types: list[str] = []
    timeout: float = Field(default=2.0, gt=0, le=30)
    scan_interval: float = Field(default=0.0, ge=0)
    on_start: bool = True

    @field_validator("interface")
    @classmethod
    def _ipv4(cls, value: str) -> str:
        ipaddress.IPv4Address(value)
        return value

    @field_validator("probe_targets")
    @classmethod
    def _targets(cls, value: list[str]) -> list[str]:
        for item in value:
            parse_target(item)
        return value

    def targets(self) -> list[tuple[str, int]]:
        """Unicast targets, plus the WS-Discovery group when multicast is on."""
        targets = [parse_target(t) for t in self.probe_targets]
        if self.multicast and MULTICAST_TARGET not in targets:
            targets.append(MULTICAST_TARGET)
        return targets
