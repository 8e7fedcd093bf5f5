"""The ACME panic button: pressed through the `acme.press` service."""

from __future__ import annotations

from typing import ClassVar

from hub import AlarmInput, DeviceConfig

from .config import AcmeButtonConfig


class AcmeButton(AlarmInput):
    """A panic button; the hub raises its incident when it triggers."""

    platform: ClassVar[str] = "acme_button"
    config_model: ClassVar[type[DeviceConfig]] = AcmeButtonConfig

    def press(self) -> None:
        """Report a press, as the device's push message would."""
        self.set_triggered(True)
        self.set_triggered(False)
