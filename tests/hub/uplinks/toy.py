"""A toy uplink type the uplink tests register: it keeps what it is given, in memory."""

from __future__ import annotations

import types
from typing import Any, Literal

from hub import (
    Uplink,
    UplinkConfig,
    UplinkItem,
    UplinkRejected,
    UplinkRetry,
    UplinkUnavailable,
    hookimpl,
)


class ToyConfig(UplinkConfig):
    """A toy uplink's entry: it can be told to fail."""

    type: Literal["toy"] = "toy"
    fail: Literal["no", "retry", "reject", "unavailable"] = "no"
    skip_kinds: list[str] = []


class ToyUplink(Uplink):
    """Records every delivered item; `fail` makes it raise instead."""

    type = "toy"
    config_model = ToyConfig
    subscribes = frozenset({"incident", "face_capture", "device_status", "event:toy_pinged"})

    def __init__(self, hub: Any, config: UplinkConfig) -> None:
        super().__init__(hub, config)
        assert isinstance(config, ToyConfig)
        self.fail = config.fail
        self.started = False
        self.delivered: list[UplinkItem] = []

    def wants(self, item: UplinkItem) -> bool:
        """Skip the kinds the entry lists."""
        assert isinstance(self.config, ToyConfig)
        return item.kind not in self.config.skip_kinds

    async def start(self) -> None:
        """Note that it started."""
        self.started = True

    async def stop(self) -> None:
        """Note that it stopped."""
        self.started = False

    async def deliver(self, item: UplinkItem) -> str | None:
        """Keep the item, or fail as configured."""
        if self.fail == "retry":
            raise UplinkRetry("toy receiver is down")
        if self.fail == "unavailable":
            raise UplinkUnavailable("toy link is down")
        if self.fail == "reject":
            raise UplinkRejected("toy receiver refuses")
        self.delivered.append(item)
        return "kept"

    def status(self) -> dict[str, Any]:
        """Say whether it runs."""
        return {"state": "running" if self.started else "stopped"}


def toy_plugin() -> types.ModuleType:
    """Return a plugin module providing the toy uplink type."""
    module = types.ModuleType("toy_uplink_plugin")

    def register_uplinks() -> list[type[Uplink]]:
        return [ToyUplink]

    module.register_uplinks = hookimpl(register_uplinks)  # type: ignore[attr-defined]
    return module
