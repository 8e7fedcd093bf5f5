"""MQTT for a city platform (docs/city.md lists every topic and message).

Topics under `<prefix>/<site>/`, standard MQTT 3.1.1 only, QoS 1:
  status                                  retained "online" / "offline" (last will)
  heartbeat                               every `heartbeat_interval` s
  duties                                  the gates' five duties, on change and every Nth beat
  incidents/<category>/<incident_id>      one message per incident revision (the outbox)
  devices/<entity_id>/availability        retained JSON
  commands/<id>        (down, `commands: true`) incident steps and broadcasts
  acks/<id>                               the result of each command
With several broker `urls` (a cluster) the uplink moves to the next node when a connection
fails, after a doubling delay with jitter, so a thousand schools do not reconnect at once.
This module holds the connection, the incidents and the commands; reports.py what else goes up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiomqtt

from hub import Event, Uplink, UplinkConfig, UplinkItem, UplinkRetry, UplinkUnavailable
from hub.hub import EVENT_HUB_STOPPING
from hub.incidents.manager import EVENT_INCIDENT_RAISED, EVENT_INCIDENT_UPDATED
from hub.liveview import links_for
from hub.states import EVENT_STATE_CHANGED
from hub.uplinks.message import render_message
from hub.uplinks.sender import backoff
from plugins.uplinks.webhook.uplink import encode_body

from .commands import Commands
from .config import MqttConfig
from .reports import SiteReports
from .tasks import cancel_until_done

if TYPE_CHECKING:
    from hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["MqttUplink", "incident_topic"]

_STOP_TIMEOUT = 2.0  # the offline message and DISCONNECT when the hub stops


def incident_topic(prefix: str, site: str, category: str, incident_id: str) -> str:
    """Return the topic of an incident's messages."""
    return f"{prefix}/{site}/incidents/{category}/{incident_id}"


class MqttUplink(Uplink):
    """Keeps one connection to a broker of the cluster; publishes and takes commands."""

    type = "mqtt"
    config_model = MqttConfig
    subscribes = frozenset({"incident"})

    def __init__(self, hub: Hub, config: UplinkConfig) -> None:
        super().__init__(hub, config)
        assert isinstance(config, MqttConfig)
        self._hub = hub
        self._config = config
        self._servers: list[tuple[str, int]] = []
        self._tls = False
        for raw in config.broker_urls():
            url = urlsplit(raw)
            self._tls = self._tls or url.scheme == "mqtts"
            self._servers.append((url.hostname or "127.0.0.1",
                                  url.port or (8883 if url.scheme == "mqtts" else 1883)))
        self._server = 0
        self._base = f"{config.topic_prefix.strip('/')}/{hub.site}"
        self._client_id = config.client_id or (hub.site if config.commands else None)
        self._client: aiomqtt.Client | None = None
        self._task: asyncio.Task[None] | None = None
        self._unlisten: list[Any] = []
        self.connected = asyncio.Event()
        self._lost = asyncio.Event()  # set when the current connection ends
        self._stopping = False
        self._stop_now = asyncio.Event()  # set when the hub begins to stop
        self._failures = 0
        self._last_error: str | None = None
        self.commands = Commands(hub)
        self.reports = SiteReports(hub, config, self._base)
        self.connects = 0

    @property
    def heartbeats(self) -> int:
        """Return how many heartbeats the broker has acknowledged."""
        return self.reports.heartbeats

    @property
    def status_topic(self) -> str:
        """Return the retained online/offline topic."""
        return f"{self._base}/status"

    @property
    def broker(self) -> str:
        """Return `host:port` of the node in use (or tried next)."""
        host, port = self._servers[self._server % len(self._servers)]
        return f"{host}:{port}"

    async def start(self) -> None:
        """Connect in the background; follow availability, panic tests and duty changes."""
        tls = None
        if self._tls:
            cafile = str(self._config.ca_file) if self._config.ca_file else None
            tls = await self._hub.run_blocking(ssl.create_default_context,
                                               ssl.Purpose.SERVER_AUTH, cafile)
        self._stopping = False
        self._stop_now.clear()
        self._task = self._hub.create_task(self._run(tls), name=f"mqtt {self._config.name}")
        self._unlisten.append(self._hub.bus.listen(EVENT_STATE_CHANGED, self._state_changed))
        self._unlisten.append(self._hub.bus.listen(EVENT_HUB_STOPPING, self._hub_stopping))
        for event_type in (EVENT_INCIDENT_RAISED, EVENT_INCIDENT_UPDATED):
            self._unlisten.append(self._hub.bus.listen(event_type, self.reports.incident))

    def _hub_stopping(self, _event: Event) -> None:
        # The hub cancels its tasks next; should the connection task lose that cancellation
        # (see cancel_until_done), it still ends instead of serving a stopped hub.
        self._stopping = True
        self._stop_now.set()

    async def stop(self) -> None:
        """Disconnect (the connection task says offline first)."""
        for unlisten in self._unlisten:
            unlisten()
        self._unlisten.clear()
        self._stopping = True
        self._stop_now.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await cancel_until_done([self._task])
            with contextlib.suppress(asyncio.CancelledError, Exception):
                self._task.result()

    def status(self) -> dict[str, Any]:
        """Say whether the broker connection is up, and to which node."""
        state = "connected" if self.connected.is_set() else (
            "connecting" if self._failures == 0 else "disconnected")
        return {"state": state, "broker": self.broker, "brokers": len(self._servers),
                "last_error": self._last_error, "heartbeats": self.heartbeats,
                "commands_applied": self.commands.applied,
                "acks_waiting": self.reports.acks_waiting}

    def duties(self) -> dict[str, Any]:
        """Return the duties message body as it would be sent now."""
        return self.reports.duties()

    async def deliver(self, item: UplinkItem) -> str:
        """Publish one incident message with QoS 1; return once the broker acknowledged it."""
        client = self._client
        if client is None or not self.connected.is_set():
            raise UplinkUnavailable(f"not connected to {self.broker}")
        incident = item.payload["incident"]
        topic = incident_topic(self._config.topic_prefix.strip("/"), self._hub.site,
                               incident["category"], incident["id"])
        body = encode_body(render_message(item.payload, links_for(self._hub)))
        try:
            await self._unless_lost(client.publish(topic, body, qos=1,
                                                   timeout=self._config.timeout))
        except (aiomqtt.MqttError, TimeoutError) as exc:
            raise UplinkRetry(f"publish failed: {exc}") from None
        return f"PUBACK {topic}"

    async def _unless_lost(self, publish: Coroutine[Any, Any, None]) -> None:
        """Await a publish, failing at once if the connection drops meanwhile.

        aiomqtt leaves a QoS 1 publish waiting for its PUBACK until `timeout` even after the
        link is gone; the outbox would then resend only that much later (10 s by default).
        """
        lost = self._lost
        sending = asyncio.ensure_future(publish)
        waiting = asyncio.ensure_future(lost.wait())
        try:
            await asyncio.wait({sending, waiting}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiting.cancel()
            if not sending.done():
                # cancel() only asks: the task is not done until it has run once more
                sending.cancel()
                await asyncio.wait({sending})
        if sending.cancelled():
            raise aiomqtt.MqttError("connection lost before the broker acknowledged")
        sending.result()

    # ------------------------------------------------------------------ the connection

    async def _run(self, tls: ssl.SSLContext | None) -> None:
        while not self._stopping:
            host, port = self._servers[self._server % len(self._servers)]
            try:
                await self._session(host, port, tls)
            except aiomqtt.MqttError as exc:
                self._last_error = f"{host}:{port}: {exc}"
                if self._failures == 0:
                    _LOGGER.warning("MQTT %s: %s; reconnecting", self._config.name,
                                    self._last_error)
            finally:
                self.connected.clear()
                self._lost.set()
                self._client = None
            if self._stopping:
                break
            self._failures += 1
            self._server += 1  # the next node of the cluster
            await asyncio.sleep(backoff(self._failures, self._config.reconnect_delay,
                                        self._config.reconnect_max_delay))

    async def _session(self, host: str, port: int, tls: ssl.SSLContext | None) -> None:
        cfg = self._config
        will = aiomqtt.Will(self.status_topic, "offline", qos=1, retain=True)
        password = cfg.password.get_secret_value() if cfg.password else None
        async with aiomqtt.Client(
            host, port, username=cfg.username, password=password,
            identifier=self._client_id, will=will, keepalive=cfg.keepalive,
            tls_context=tls, timeout=cfg.timeout,
            clean_session=False if cfg.commands and self._client_id else None,
        ) as client:
            if self._stopping:  # a cancellation was lost while connecting
                client.timeout = _STOP_TIMEOUT
                return
            self._lost = asyncio.Event()
            self._client = client
            # Receiving starts first: it notices the link dropping, also while the hub
            # announces itself (failing that at once, not after `timeout`), and it takes
            # aiomqtt's disconnect error, which nothing else reads ("Future exception was
            # never retrieved" by the thousand when an overloaded broker dropped links).
            tasks = self._start(announce=self._announce(client, host, port),
                                receive=self._receive(client), stop=self._stop_now.wait())
            announcing, running = tasks[0], set(tasks)
            cancelled = False
            try:
                while True:  # until one ends: the link dropped, or the hub stops
                    done, running = await asyncio.wait(running,
                                                       return_when=asyncio.FIRST_COMPLETED)
                    for task in done:
                        task.result()
                    if done != {announcing}:
                        break
                    # three more loops share it: heartbeats, duties, acks
                    loops = self._start(**self.reports.loops(client))
                    tasks += loops
                    running.update(loops)
            except asyncio.CancelledError:
                cancelled = self._stopping = True
            finally:
                try:
                    await cancel_until_done(tasks)
                except asyncio.CancelledError:
                    cancelled = self._stopping = True
                if self._stopping:  # the hub stops: say so, then go (within seconds)
                    client.timeout = _STOP_TIMEOUT  # also for the DISCONNECT on leaving
                    await self._say_offline(client)
            if cancelled:
                raise asyncio.CancelledError

    def _start(self, **coros: Coroutine[Any, Any, Any]) -> list[asyncio.Task[Any]]:
        return [asyncio.create_task(coro, name=f"mqtt {self._config.name} {what}")
                for what, coro in coros.items()]

    async def _announce(self, client: aiomqtt.Client, host: str, port: int) -> None:
        """Subscribe to the commands, say online, publish every device's availability; then
        the hub counts as connected."""
        cfg = self._config
        if cfg.commands:
            await client.subscribe(f"{self._base}/commands/#", qos=1)
        await client.publish(self.status_topic, "online", qos=1, retain=True,
                             timeout=cfg.timeout)
        if cfg.availability:
            await self.reports.publish_all_availability(client)
        self.connected.set()
        self.connects += 1
        if self._failures:
            _LOGGER.info("MQTT %s: connected to %s:%d", cfg.name, host, port)
        self._failures = 0
        self._last_error = None
        self._ready()

    def _ready(self) -> None:
        """Have the outbox send what waits for this broker now."""
        from hub.uplinks.component import manager_of

        with contextlib.suppress(LookupError):
            manager_of(self._hub).wake(self.name)

    async def _say_offline(self, client: aiomqtt.Client) -> None:
        self.connected.clear()
        with contextlib.suppress(aiomqtt.MqttError, TimeoutError):
            await client.publish(self.status_topic, "offline", qos=1, retain=True,
                                 timeout=_STOP_TIMEOUT)

    # ------------------------------------------------------------------ what goes up (reports.py)

    async def _state_changed(self, event: Event) -> None:
        client = self._client if self.connected.is_set() else None
        await self.reports.state_changed(event, client)

    # ------------------------------------------------------------------ what comes down

    async def _receive(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:  # ends (raises) when the link drops
            payload = message.payload
            raw = payload if isinstance(payload, bytes) else str(payload).encode()
            ack = await self.commands.handle(raw)
            if ack is not None:
                self.reports.add_ack(ack)
            self.reports.duties_may_change()
