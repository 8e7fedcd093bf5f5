"""What the `mqtt` uplink publishes about its site besides incidents (docs/city.md).

Under `<prefix>/<site>/`: `heartbeat` every `heartbeat_interval` s, `duties` on change and
with every Nth beat, `acks/<id>` for each applied platform command, and each device's
retained `devices/<entity_id>/availability`. The loops run on the connection the uplink
holds (uplink.py); the first to fail (the link dropped) ends that connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque
from collections.abc import Coroutine, Mapping
from typing import TYPE_CHECKING, Any

import aiomqtt

from hub import Event
from hub.incidents.manager import EVENT_INCIDENT_RAISED
from hub.recognition.const import CATEGORY_GUARD_OFF_POST
from hub.states import STATE_UNAVAILABLE

from .config import MqttConfig
from .duties import PanicTests, gate_duties

if TYPE_CHECKING:
    from hub import Hub

__all__ = ["SiteReports"]

_ACKS_KEPT = 1000


def _dumps(body: Mapping[str, Any]) -> str:
    return json.dumps(body, separators=(",", ":"))


class SiteReports:
    """Heartbeats, duties, command acks and device availability of one site."""

    def __init__(self, hub: Hub, config: MqttConfig, base: str) -> None:
        self._hub = hub
        self._config = config
        self._base = base  # <prefix>/<site>
        self._acks: deque[dict[str, Any]] = deque(maxlen=_ACKS_KEPT)
        self._acks_ready = asyncio.Event()
        self._tests = PanicTests()
        self._duties_sent: str | None = None
        self._duties_due = asyncio.Event()
        self.heartbeats = 0

    @property
    def acks_waiting(self) -> int:
        """Return how many acks wait for the broker."""
        return len(self._acks)

    def duties(self) -> dict[str, Any]:
        """Return the duties message body as it would be sent now."""
        return {"site": self._hub.site, "at": time.time(),
                "gates": gate_duties(self._hub, self._tests)}

    def duties_may_change(self) -> None:
        """Have the duties looked at again (published if they changed)."""
        self._duties_due.set()

    def add_ack(self, ack: dict[str, Any]) -> None:
        """Queue a command's ack; it is sent, in order, once connected."""
        self._acks.append(ack)
        self._acks_ready.set()

    def loops(self, client: aiomqtt.Client) -> dict[str, Coroutine[Any, Any, None]]:
        """Return the loops to run once connected, by name (the duties go out at once)."""
        self._duties_sent = None
        self._duties_due.set()
        return {"beat": self._beat(client), "duties": self._send_duties(client),
                "acks": self._send_acks(client)}

    async def publish_all_availability(self, client: aiomqtt.Client) -> None:
        """Publish every entity's retained availability (on connecting)."""
        for entity in list(self._hub.entities.values()):
            state = self._hub.states.get(entity.entity_id)
            await self._publish_availability(client, entity.entity_id,
                                             state.state if state else None,
                                             state.attributes if state else {})

    async def state_changed(self, event: Event, client: aiomqtt.Client | None) -> None:
        """Follow an entity coming or going: its availability, and its gate's duties.

        `client` is None while not connected (availability is published on connecting).
        """
        old, new = event.data.get("old_state"), event.data.get("new_state")
        was = old is not None and old.state != STATE_UNAVAILABLE
        now = new is not None and new.state != STATE_UNAVAILABLE
        if old is not None and was == now:
            return
        self._duties_due.set()  # a device of a gate came or went: its duties may change
        if not self._config.availability or client is None:
            return
        with contextlib.suppress(aiomqtt.MqttError, TimeoutError):
            await self._publish_availability(client, event.data["entity_id"],
                                             new.state if new else None,
                                             new.attributes if new else {})

    def incident(self, event: Event) -> None:
        """Note a panic test or an off-post warning: the duties change."""
        incident = event.data.get("incident")
        if not isinstance(incident, Mapping):
            return
        tested = event.event_type == EVENT_INCIDENT_RAISED and self._tests.record(incident)
        if tested or incident.get("category") == CATEGORY_GUARD_OFF_POST:
            self._duties_due.set()

    async def _beat(self, client: aiomqtt.Client) -> None:
        interval = self._config.heartbeat_interval
        if interval <= 0:
            await asyncio.Event().wait()
        seq = 0
        while True:
            seq += 1
            await client.publish(f"{self._base}/heartbeat", _dumps({
                "site": self._hub.site, "at": time.time(), "seq": seq, "interval": interval}),
                qos=1, timeout=self._config.timeout)
            self.heartbeats += 1
            if seq % self._config.duties_every == 0:
                self._duties_sent = None
                self._duties_due.set()
            await asyncio.sleep(interval)

    async def _send_duties(self, client: aiomqtt.Client) -> None:
        while True:
            await self._duties_due.wait()
            self._duties_due.clear()
            body = self.duties()
            gates = _dumps(body["gates"])
            if gates != self._duties_sent:
                await client.publish(f"{self._base}/duties", _dumps(body), qos=1,
                                     timeout=self._config.timeout)
                self._duties_sent = gates
            await asyncio.sleep(min(1.0, self._config.heartbeat_interval or 1.0) / 4)

    async def _send_acks(self, client: aiomqtt.Client) -> None:
        while True:
            if not self._acks:
                self._acks_ready.clear()
                await self._acks_ready.wait()
                continue
            ack = self._acks[0]
            await client.publish(f"{self._base}/acks/{ack['id']}", _dumps(ack), qos=1,
                                 timeout=self._config.timeout)
            self._acks.popleft()  # only once the broker has it

    async def _publish_availability(self, client: aiomqtt.Client, entity_id: str,
                                    state: str | None, attributes: Mapping[str, Any]) -> None:
        body = _dumps({"entity_id": entity_id,
                       "available": state is not None and state != STATE_UNAVAILABLE,
                       "state": state, "reason": attributes.get("unavailable_reason"),
                       "name": attributes.get("friendly_name"), "at": time.time()})
        await client.publish(f"{self._base}/devices/{entity_id}/availability", body, qos=1,
                             retain=True, timeout=self._config.timeout)
