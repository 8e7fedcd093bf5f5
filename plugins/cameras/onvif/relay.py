"""OnvifRelay: a camera's relay output (DeviceIO) as a switch that drives a siren or a door."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, ClassVar

from hub import DeviceConfig, DeviceError, DeviceUnavailable, Switch, SwitchState, slugify

from .api import OnvifError, RelayOutput
from .config import OnvifCameraConfig
from .const import PLATFORM

if TYPE_CHECKING:
    from .camera import OnvifCamera

_LOGGER = logging.getLogger(__name__)

__all__ = ["OnvifRelay"]


class OnvifRelay(Switch):
    """One relay output of an ONVIF camera; available while its camera is.

    ONVIF has no call that reads a relay back: the state comes from the camera's relay events
    (tns1:Device/Trigger/Relay) when it sends them; until then it is the last one set
    (attribute `assumed_state`), and a monostable relay returns to `off` after its delay.
    """

    platform: ClassVar[str] = PLATFORM
    config_model: ClassVar[type[DeviceConfig]] = OnvifCameraConfig

    def __init__(self, camera: OnvifCamera, output: RelayOutput) -> None:
        super().__init__(
            camera.hub, camera.config, f"{camera.object_id}_{slugify(output.token)}",
            f"{camera.name} {output.token}",
        )  # fmt: skip
        self.camera, self.output = camera, output
        self.unique_id = f"{camera.unique_id}:{output.token}" if camera.unique_id else None
        self.state = SwitchState.OFF  # relays are idle after the camera starts
        self._fall_back: asyncio.TimerHandle | None = None
        self._reported = False  # the camera sends relay events: the state is its own

    @property
    def extra_attributes(self) -> dict[str, Any]:
        """The relay token, its mode and the camera it belongs to."""
        return {
            "camera": self.camera.entity_id, "token": self.output.token,
            "mode": "monostable" if self.output.monostable else "bistable",
            "delay": self.output.delay, "idle_state": self.output.idle_state,
            "assumed_state": not self._reported,
        }  # fmt: skip

    async def _set(self, active: bool) -> None:
        if not self.camera.connected:
            raise DeviceUnavailable(f"{self.name}: the camera is unavailable")
        try:
            await self.camera.client.set_relay(self.output.token, active)
        except OnvifError as err:
            raise DeviceError(f"{self.name}: relay {self.output.token} failed: {err}") from err
        self._cancel_fall_back()
        self.state = SwitchState.ON if active else SwitchState.OFF
        self.write_state()
        if active and self.output.monostable and not self._reported:
            loop = asyncio.get_running_loop()
            self._fall_back = loop.call_later(self.output.delay, self._fell_back)

    def reported(self, active: bool) -> None:
        """The camera's event says the relay is active or not."""
        self._reported = True
        self._cancel_fall_back()
        self.state = SwitchState.ON if active else SwitchState.OFF
        self.write_state()

    def _fell_back(self) -> None:
        self._fall_back = None
        self.state = SwitchState.OFF
        self.write_state()

    def _cancel_fall_back(self) -> None:
        if self._fall_back is not None:
            self._fall_back.cancel()
            self._fall_back = None

    async def turn_on(self) -> None:
        """Activate the relay (SetRelayOutputState active)."""
        await self._set(True)

    async def turn_off(self) -> None:
        """Release the relay (SetRelayOutputState inactive)."""
        await self._set(False)

    async def shutdown(self) -> None:
        """Forget a pending fall-back."""
        self._cancel_fall_back()
