"""Config models of the ACME example plugin."""

from typing import Literal

from pydantic import Field

from hub import AlarmConfig, DeviceConfig


class AcmeGateConfig(DeviceConfig):
    """An ACME barrier: how long it takes to move and when it closes by itself."""

    platform: Literal["acme_gate"]
    travel_seconds: float = Field(default=0.2, gt=0, le=30)
    auto_close_seconds: float = Field(default=1.0, ge=0, le=600)


class AcmeButtonConfig(AlarmConfig):
    """An ACME one-key panic button."""

    platform: Literal["acme_button"]
