"""The `gb28181` uplink: registers the hub at the police video platform, sends an Alarm
Notify for each forwarded incident, and answers the platform's queries, live-view INVITEs,
PTZ and alarm-reset commands through the same services a guard uses (audited)."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from hub import Camera, Speaker, Uplink, UplinkConfig, UplinkItem, UplinkRejected, UplinkRetry
from hub.bus import Context, Event
from hub.states import EVENT_STATE_CHANGED

from .broadcast import BroadcastSettings
from .config import Gb28181Config
from .device import Alarm, Channel, Gb28181Device
from .ptz import PtzCommand
from .register import Registrar, RegistrationSettings
from .sip import SipEndpoint, SipTimeout

if TYPE_CHECKING:
    from hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["Gb28181Uplink"]

async def route_address(host: str, port: int) -> str:
    """This machine's address on the route to host:port (a UDP connect sends nothing)."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, family=socket.AF_INET, type=socket.SOCK_DGRAM)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        await loop.sock_connect(sock, infos[0][4])
        return str(sock.getsockname()[0])


class _Actions:
    """Platform commands as hub service calls with the platform as the actor."""

    def __init__(self, hub: Hub, name: str, channels: Callable[[], list[Channel]],
                 volume: int = 90) -> None:
        self.hub, self.volume, self.channels = hub, volume, channels
        self.context = Context(user_id=f"gb28181:{name}", origin="remote")

    async def ptz(self, channel: Channel, command: PtzCommand) -> None:
        data: dict[str, Any] = {"entity_id": channel.entity_id}
        if command.action == "stop":
            data["move"] = "stop"
        elif command.action in ("call_preset", "set_preset", "delete_preset"):
            move = {"call_preset": "preset", "set_preset": "set_preset",
                    "delete_preset": "remove_preset"}[command.action]
            data.update(move=move, preset=str(command.preset))
        elif command.action == "move":
            # a PTZCmd move runs until the platform's stop command (the operator lets go)
            data.update(move="continuous", pan=command.pan, tilt=command.tilt,
                        zoom=command.zoom, seconds=0)
        else:
            raise ValueError(f"PTZ command {command.code:#04x} is not supported")
        await self.hub.services.call("camera", "ptz", data, self.context)
        self.hub.audit("gb28181.ptz", target=channel.entity_id,
                       details={"command": command.action}, context=self.context)

    async def reset_alarm(self, channel: Channel | None) -> None:
        entities = [channel.entity_id] if channel else [
            c.entity_id for c in self.channels() if c.kind == "alarm" and c.present]
        for entity_id in entities:
            await self.hub.services.call("alarm", "reset", {"entity_id": entity_id},
                                         self.context)
        self.hub.audit("gb28181.alarm_reset", target=channel.entity_id if channel else None,
                       context=self.context)

    async def speaker_audio(self, channel: Channel, wav: bytes) -> None:
        entity = self.hub.entities.get(channel.entity_id)
        if not isinstance(entity, Speaker):
            raise ValueError(f"{channel.entity_id} is not a speaker")
        await entity.play_audio(wav, label=self.context.user_id or "gb28181",
                                volume=self.volume)

    async def presets(self, channel: Channel) -> dict[str, str]:
        entity = self.hub.entities.get(channel.entity_id)
        if not isinstance(entity, Camera):
            raise ValueError(f"{channel.entity_id} is not a camera")
        return await entity.ptz_presets()

    def audit(self, action: str, channel: Channel | None, details: dict[str, Any]) -> None:
        self.hub.audit(action, target=channel.entity_id if channel else None,
                       details=details, context=self.context)


class Gb28181Uplink(Uplink):
    """The hub as a lower-level platform of a GB/T 28181 police video platform."""

    type = "gb28181"
    config_model = Gb28181Config
    subscribes = frozenset({"incident"})

    def __init__(self, hub: Hub, config: UplinkConfig) -> None:
        super().__init__(hub, config)
        assert isinstance(config, Gb28181Config)
        self._config = config
        self.endpoint: SipEndpoint | None = None
        self.registrar: Registrar | None = None
        self.device: Gb28181Device | None = None
        self._task: asyncio.Task[None] | None = None
        self._unlisten: Callable[[], None] | None = None

    async def start(self) -> None:
        """Bind the SIP port and start registering."""
        c = self._config
        assert c.device_id is not None and c.platform_domain is not None
        host = c.local_host or await route_address(c.platform_host, c.platform_port)
        self.endpoint = SipEndpoint(c.transport, (host, c.local_port),
                                    (c.platform_host, c.platform_port))
        await self.endpoint.start()
        self.registrar = Registrar(self.endpoint, RegistrationSettings(
            c.device_id, c.platform_domain, c.platform_id, c.password.get_secret_value(),
            expires=c.register_expires, keepalive_interval=c.keepalive_interval,
            keepalive_misses=c.keepalive_misses, retry_initial=c.retry_initial,
            retry_max=c.retry_max))  # fmt: skip
        self.device = Gb28181Device(
            self.endpoint, self.registrar, civil_code=c.civil_code, name=c.device_name,
            channels=self.channels,
            actions=_Actions(self.hub, self.name, self.channels, c.broadcast_volume),
            broadcast=BroadcastSettings(c.broadcast_invite, c.broadcast_transport,
                                        c.broadcast_idle_timeout,
                                        c.broadcast_chunk_seconds))  # fmt: skip
        self._task = self.hub.create_task(self.registrar.run(), name=f"gb28181 {self.name}")
        self._unlisten = self.hub.bus.listen(EVENT_STATE_CHANGED, self._on_state)

    def _on_state(self, event: Event) -> None:
        """An exposed entity appeared, went, or changed availability: tell a Catalog
        subscriber (the device compares and only NOTIFYs real changes)."""
        c = self._config
        if self.device is not None and event.data["entity_id"] in {
                ch.entity_id for ch in (*c.cameras, *c.alarm_inputs, *c.speakers)}:
            self.device.catalog_changed()

    async def stop(self) -> None:
        """Unregister, end live views, close the SIP port."""
        if self._unlisten is not None:
            self._unlisten()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self.registrar is not None:
            await self.registrar.unregister()
        if self.device is not None:
            await self.device.close()
        if self.endpoint is not None:
            await self.endpoint.stop()

    def channels(self) -> list[Channel]:
        """The exposed entities with their IDs, names, availability and stream URL."""
        out: list[Channel] = []
        for kind, configured in (("camera", self._config.cameras),
                                 ("alarm", self._config.alarm_inputs),
                                 ("speaker", self._config.speakers)):
            for ch in configured:
                assert ch.id is not None
                entity = self.hub.entities.get(ch.entity_id)
                present = entity is not None and self.hub.states.get(ch.entity_id) is not None
                url = mic = None
                if entity is not None and kind == "camera":
                    url = getattr(entity, "stream_url", lambda: None)()
                if ch.microphone is not None:
                    camera = self.hub.entities.get(ch.microphone)
                    mic = camera.stream_url() if isinstance(camera, Camera) else None
                out.append(Channel(
                    ch.id, ch.name or (entity.name if entity else ch.entity_id), kind,
                    ch.entity_id, online=bool(entity and entity.available), stream_url=url,
                    ptz=bool(getattr(entity, "supports_ptz", False)),
                    present=present, microphone_url=mic))  # fmt: skip
        return out

    def wants(self, item: UplinkItem) -> bool:
        """Only the raising of an incident is an alarm; its later steps are not."""
        return item.payload.get("event") == "raised"

    def _alarm(self, payload: dict[str, Any]) -> Alarm:
        incident = payload["incident"]
        source = (incident.get("device") or {}).get("entity_id")
        channels = self.channels()
        channel = next((c for c in channels if c.entity_id == source), None)
        cameras = [c for c in channels if c.entity_id in incident.get("cameras", [])]
        assert self._config.device_id is not None
        channel_id = (channel or (cameras[0] if cameras else None))
        mapping = self._config.alarms.get(incident["category"])
        method, alarm_type = (mapping.method, mapping.type) if mapping else (7, None)
        when = datetime.fromisoformat(incident["created_at"]).astimezone()
        text = incident.get("title") or incident["category"]
        if incident.get("gate"):
            text = f"{text} ({incident['gate']})"
        if incident.get("test"):  # GB/T 28181 has no test flag: the description says it
            text = f"测试 TEST: {text}"
        return Alarm(channel_id.id if channel_id else self._config.device_id,
                     int(incident["priority"]), method, text, when.replace(tzinfo=None),
                     alarm_type)

    async def deliver(self, item: UplinkItem) -> str | None:
        """Send the Alarm Notify; retry while the hub is not registered."""
        if self.device is None or self.registrar is None:
            raise UplinkRetry("not started")
        if not self.registrar.registered.is_set():
            raise UplinkRetry(f"not registered ({self.registrar.status.state})")
        alarm = self._alarm(item.payload)
        if not self.device.controls.armed(alarm.channel_id):
            return f"not sent: {alarm.channel_id} disarmed by the platform (ResetGuard)"
        try:
            resp = await self.device.send_alarm(alarm)
        except (SipTimeout, OSError) as err:
            raise UplinkRetry(str(err)) from None
        if resp is None:
            return "not sent: filtered by the platform's alarm subscriptions"
        if 200 <= resp.status_code < 300:
            return f"MESSAGE {resp.status_code}"
        if resp.status_code in (403, 404, 408, 480, 481, 503):
            raise UplinkRetry(f"MESSAGE {resp.status_code} {resp.reason_phrase}")
        raise UplinkRejected(f"MESSAGE {resp.status_code} {resp.reason_phrase}")

    def status(self) -> dict[str, Any]:
        """Registration state, IDs, live views and camera pulls."""
        own: dict[str, Any] = (self.registrar.status.as_dict() if self.registrar
                               else {"state": "stopped"})
        own.update(device_id=self._config.device_id, platform_id=self._config.platform_id,
                   transport=self._config.transport,
                   local=f"{self.endpoint.local[0]}:{self.endpoint.listening[1]}"
                   if self.endpoint else None)
        if self.device is not None:
            own.update(live_views=len(self.device.sessions),
                       camera_pulls=len(self.device.pool._sources),
                       broadcasts=[b.as_dict() for b in self.device.broadcasts.sessions.values()],
                       broadcasts_started=self.device.broadcasts.started,
                       subscriptions=[s.as_dict() for s in self.device.subscriptions.all()])
        return own
