"""MQTT for a city platform: incident messages (QoS 1) and device availability (retained).

Topics under `<prefix>/<site>/`:
  status                                  retained "online" / "offline" (last will)
  incidents/<category>/<incident_id>      one message per incident revision, QoS 1
  devices/<entity_id>/availability        retained JSON, QoS 1
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiomqtt

from hub import Event, Uplink, UplinkConfig, UplinkItem, UplinkRetry
from hub.liveview import links_for
from hub.states import EVENT_STATE_CHANGED, STATE_UNAVAILABLE
from hub.uplinks.message import render_message
from hub.uplinks.sender import backoff
from plugins.uplinks.webhook.uplink import encode_body

from .config import MqttConfig

if TYPE_CHECKING:
    from hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["MqttUplink", "incident_topic"]


def incident_topic(prefix: str, site: str, category: str, incident_id: str) -> str:
    """Return the topic of an incident's messages."""
    return f"{prefix}/{site}/incidents/{category}/{incident_id}"


class MqttUplink(Uplink):
    """Keeps one connection to a broker; publishes incidents and availability."""

    type = "mqtt"
    config_model = MqttConfig
    subscribes = frozenset({"incident"})

    def __init__(self, hub: Hub, config: UplinkConfig) -> None:
        super().__init__(hub, config)
        assert isinstance(config, MqttConfig)
        self._hub = hub
        self._config = config
        url = urlsplit(config.url)
        self._host = url.hostname or "127.0.0.1"
        self._tls = url.scheme == "mqtts"
        self._port = url.port or (8883 if self._tls else 1883)
        self._base = f"{config.topic_prefix.strip('/')}/{hub.site}"
        self._client: aiomqtt.Client | None = None
        self._task: asyncio.Task[None] | None = None
        self._unlisten: Any = None
        self.connected = asyncio.Event()
        self._failures = 0
        self._last_error: str | None = None

    @property
    def status_topic(self) -> str:
        """Return the retained online/offline topic."""
        return f"{self._base}/status"

    async def start(self) -> None:
        """Connect in the background and follow device availability."""
        tls = None
        if self._tls:
            cafile = str(self._config.ca_file) if self._config.ca_file else None
            tls = await self._hub.run_blocking(ssl.create_default_context,
                                               ssl.Purpose.SERVER_AUTH, cafile)
        self._task = self._hub.create_task(self._run(tls), name=f"mqtt {self._config.name}")
        if self._config.availability:
            self._unlisten = self._hub.bus.listen(EVENT_STATE_CHANGED, self._state_changed)

    async def stop(self) -> None:
        """Disconnect (the connection task says offline first)."""
        if self._unlisten is not None:
            self._unlisten()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def status(self) -> dict[str, Any]:
        """Say whether the broker connection is up."""
        state = "connected" if self.connected.is_set() else (
            "connecting" if self._failures == 0 else "disconnected")
        return {"state": state, "broker": f"{self._host}:{self._port}",
                "last_error": self._last_error}

    async def deliver(self, item: UplinkItem) -> str:
        """Publish one incident message with QoS 1; return once the broker acknowledged it."""
        client = self._client
        if client is None or not self.connected.is_set():
            raise UplinkRetry(f"not connected to {self._host}:{self._port}")
        incident = item.payload["incident"]
        topic = incident_topic(self._config.topic_prefix.strip("/"), self._hub.site,
                               incident["category"], incident["id"])
        body = encode_body(render_message(item.payload, links_for(self._hub)))
        try:
            await client.publish(topic, body, qos=1, timeout=self._config.timeout)
        except (aiomqtt.MqttError, TimeoutError) as exc:
            raise UplinkRetry(f"publish failed: {exc}") from None
        return f"PUBACK {topic}"

    async def _run(self, tls: ssl.SSLContext | None) -> None:
        failures = 0
        will = aiomqtt.Will(self.status_topic, "offline", qos=1, retain=True)
        password = self._config.password.get_secret_value() if self._config.password else None
        while True:
            try:
                async with aiomqtt.Client(
                    self._host, self._port, username=self._config.username,
                    password=password, identifier=self._config.client_id, will=will,
                    keepalive=self._config.keepalive, tls_context=tls,
                    timeout=self._config.timeout,
                ) as client:
                    self._client = client
                    await client.publish(self.status_topic, "online", qos=1, retain=True)
                    await self._publish_all_availability(client)
                    self.connected.set()
                    if failures:
                        _LOGGER.info("MQTT %s: connected again", self._config.name)
                    failures = self._failures = 0
                    self._last_error = None
                    self._ready()
                    try:
                        async for _message in client.messages:  # ends when the link drops
                            pass
                    except asyncio.CancelledError:  # the hub stops: say so, then go
                        await self._say_offline(client)
                        raise
            except aiomqtt.MqttError as exc:
                self._last_error = str(exc)
                if failures == 0:
                    _LOGGER.warning("MQTT %s: %s; reconnecting", self._config.name, exc)
            finally:
                self.connected.clear()
                self._client = None
            failures += 1
            self._failures = failures
            await asyncio.sleep(backoff(failures, 0.5, 30.0))

    def _ready(self) -> None:
        """Have the outbox send what waits for this broker now."""
        from hub.uplinks.component import manager_of

        with contextlib.suppress(LookupError):
            manager_of(self._hub).wake(self.name)

    async def _say_offline(self, client: aiomqtt.Client) -> None:
        self.connected.clear()
        with contextlib.suppress(aiomqtt.MqttError, TimeoutError):
            await client.publish(self.status_topic, "offline", qos=1, retain=True, timeout=2)

    async def _publish_all_availability(self, client: aiomqtt.Client) -> None:
        for entity in list(self._hub.entities.values()):
            state = self._hub.states.get(entity.entity_id)
            await self._publish_availability(client, entity.entity_id,
                                             state.state if state else None,
                                             state.attributes if state else {})

    async def _publish_availability(self, client: aiomqtt.Client, entity_id: str,
                                    state: str | None, attributes: Mapping[str, Any]) -> None:
        body = json.dumps({"entity_id": entity_id,
                           "available": state is not None and state != STATE_UNAVAILABLE,
                           "state": state, "reason": attributes.get("unavailable_reason"),
                           "name": attributes.get("friendly_name"),
                           "at": time.time()}, separators=(",", ":"))
        await client.publish(f"{self._base}/devices/{entity_id}/availability", body, qos=1,
                             retain=True, timeout=self._config.timeout)

    async def _state_changed(self, event: Event) -> None:
        old, new = event.data.get("old_state"), event.data.get("new_state")
        was = old is not None and old.state != STATE_UNAVAILABLE
        now = new is not None and new.state != STATE_UNAVAILABLE
        client = self._client
        if (old is not None and was == now) or client is None or not self.connected.is_set():
            return
        with contextlib.suppress(aiomqtt.MqttError, TimeoutError):
            await self._publish_availability(client, event.data["entity_id"],
                                             new.state if new else None,
                                             new.attributes if new else {})
