"""OnvifDevice: one ONVIF camera box on the hub's device layer (hub/device.py).

The camera entity and the switch entities of its relay outputs share one `OnvifClient`, one
connection loop (connect with backoff, keep-alive or PullPoint events) and one availability:
the box answers or not, and every one of its entities shows it at once, with the reason.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from hub import Device

from .api import OnvifAuthError, OnvifClient, OnvifError, OnvifUnavailable
from .config import OnvifCameraConfig
from .relay import OnvifRelay

if TYPE_CHECKING:
    from hub import Hub

    from .camera import OnvifCamera

_LOGGER = logging.getLogger(__name__)

__all__ = ["OnvifDevice"]


class OnvifDevice(Device):
    """The connection of one ONVIF camera, shared by its camera and relay entities."""

    #: As before the device layer: an ONVIF camera that drops off is shown unavailable (and
    #: its tamper events are incidents); it raises no device_offline incident.
    supervised = False

    def __init__(self, hub: Hub, config: OnvifCameraConfig, camera: OnvifCamera) -> None:
        super().__init__(hub, config)
        self.cfg = config
        self.client = OnvifClient(
            config.host, config.port, config.username, config.password.get_secret_value(),
            hub.client_session, timeout=config.timeout, snapshot_auth=config.snapshot_auth,
            use_media2=config.use_media2,
        )  # fmt: skip
        self.camera = self.add(camera)
        self.relays: dict[str, OnvifRelay] = {}
        self.connected = False
        self._failing = False

    async def connect(self) -> bool:
        """Connect (identity, profiles, events, relays); return whether the camera answered."""
        try:
            info = await self.client.connect()
            await self.camera.on_connected(info)
        except OnvifError as err:
            self.lost(err)
            return False
        self.connected, self._failing = True, False
        await self._add_relays()
        self.set_available(True)
        self.camera.write_state()
        return True

    async def _add_relays(self) -> None:
        """Add a switch entity for each relay output the camera has (once, when first seen)."""
        try:
            outputs = await self.client.relay_outputs()
        except OnvifError as err:
            _LOGGER.warning("%s: cannot list relay outputs: %s", self.name, err)
            return
        for output in outputs:
            if output.token not in self.relays:
                relay = self.add(OnvifRelay(self.camera, output))
                self.relays[output.token] = relay
                self.hub.add_entity(relay)

    def lost(self, err: OnvifError) -> None:
        """Log once per outage (error level); the camera and its relays are unavailable."""
        if not self._failing:
            hint = " (check username and password)" if isinstance(err, OnvifAuthError) else ""
            _LOGGER.error("%s: %s%s", self.name, err, hint)
        else:
            _LOGGER.debug("%s: still failing: %s", self.name, err)
        self._failing = True
        self.connected = False
        self.set_available(False, str(err))
        self.camera.write_state()  # set_available only writes on a change; the reason may be new

    async def run(self) -> None:
        """Reconnect with backoff while down; otherwise keep alive or pull events."""
        backoff, retried = 1.0, False
        while True:
            if not self.connected:
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.cfg.reconnect_max_seconds)
                await self.connect()
                continue
            backoff = 1.0
            try:
                await self._poll_once()
                retried = False
            except OnvifUnavailable as err:
                # One dropped keep-alive connection (seen under load) is not an outage.
                if retried:
                    self.lost(err)
                retried = not retried
                _LOGGER.debug("%s: %s; retrying once", self.name, err)
            except OnvifError as err:
                self.lost(err)

    async def _poll_once(self) -> None:
        if not (self.cfg.events and self.client.has_events):
            await asyncio.sleep(self.cfg.scan_interval)
            await self.client.ping()
            return
        loop = asyncio.get_running_loop()
        remaining = self.client.subscription_expires - loop.time()
        if remaining < self.cfg.subscription_seconds * 0.2:
            await self.client.renew(self.cfg.subscription_seconds)
        for event in await self.client.pull(self.cfg.pull_timeout):
            if event.kind == "relay":
                relay = self.relays.get(event.source)
                if relay is not None:
                    relay.reported(event.value)
                continue
            await self.camera.handle(event)

    async def close(self) -> None:
        """Unsubscribe from events (when connected) and release the transports; a later
        run() connects afresh."""
        if self.connected:
            self.connected = False
            await self.client.unsubscribe()
        await self.client.close()
