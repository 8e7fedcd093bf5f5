"""A simulated school: publishes what a hub's MQTT uplink publishes and answers commands.

For the demo, the tests and the bench where a full hub per school would be too heavy. It
speaks standard MQTT 3.1.1 (aiomqtt): client id = school id, a persistent session, QoS 1,
the last will `status offline`, and an outbox that keeps messages across outages and sends
them in order when the link returns, as the hub's outbox does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import aiomqtt

from hub.uplinks.message import SCHEMA_ID, iso

_LOGGER = logging.getLogger(__name__)

__all__ = ["SimIncident", "SimSchool"]

STEP_STATUS = {"acknowledge": "acknowledged", "dispatch": "dispatched", "note": None,
               "resolve": "resolved"}


@dataclass
class SimIncident:
    """An incident of the simulated school and its timeline."""

    id: str
    category: str
    priority: int
    gate: str
    created_at: float
    status: str = "raised"
    revision: int = 0
    steps: list[dict[str, Any]] = field(default_factory=list)


class SimSchool:
    """One simulated school on the broker."""

    def __init__(self, school: str, password: str, servers: list[str], *,
                 prefix: str = "campus", heartbeat_interval: float = 30.0,
                 gates: tuple[str, ...] = ("main",), jitter: float = 0.0) -> None:
        self.school, self._password, self._servers = school, password, servers
        self._prefix = prefix
        self.heartbeat_interval = heartbeat_interval
        self.gates = gates
        self.jitter = jitter
        self.incidents: dict[str, SimIncident] = {}
        self.broadcasts: list[dict[str, Any]] = []
        self.outbox: deque[tuple[str, bytes]] = deque()
        self.connected = asyncio.Event()
        self.published = 0
        self.connects = 0
        self.paused = False  # True: the school's network is cut (nothing leaves or arrives)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def base(self) -> str:
        """Return the school's topic root."""
        return f"{self._prefix}/{self.school}"

    # -- lifecycle ---------------------------------------------------------------------
    async def start(self) -> None:
        """Connect in the background."""
        self._task = asyncio.create_task(self._run(), name=f"sim school {self.school}")

    async def stop(self) -> None:
        """Disconnect without a goodbye (the will says offline)."""
        if self._task is not None:
            while not self._task.done():  # again if aiomqtt's wait_for swallowed a cancel
                self._task.cancel()
                await asyncio.wait({self._task}, timeout=1.0)
            with contextlib.suppress(asyncio.CancelledError, Exception):
                self._task.result()

    def cut(self) -> None:
        """Cut the school's network: the link drops and messages wait in the outbox."""
        self.paused = True
        self._wake.set()

    def restore(self) -> None:
        """Give the school its network back."""
        self.paused = False
        self._wake.set()

    # -- what a hub publishes ----------------------------------------------------------
    def enqueue(self, kind: str, body: dict[str, Any] | str, *subtopic: str) -> None:
        """Put one message in the outbox."""
        topic = "/".join([self.base, kind, *subtopic])
        raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.outbox.append((topic, raw))
        self._wake.set()

    def heartbeat(self) -> None:
        """Queue a heartbeat."""
        self.enqueue("heartbeat", {"site": self.school, "at": time.time(),
                                   "interval": self.heartbeat_interval})

    def duties(self, **overrides: Any) -> None:
        """Queue the five-duty status of every gate (all well unless overridden)."""
        gate = {"panic": {"online": True, "last_test_at": iso(time.time() - 86400)},
                "guard_on_post": True, "cameras": {"online": 2, "total": 2},
                "speaker": {"online": True}, "recognition": {"running": True}}
        gate.update(overrides)
        self.enqueue("duties", {"site": self.school, "at": time.time(),
                                "gates": {g: gate for g in self.gates}})

    def device(self, entity_id: str, available: bool) -> None:
        """Queue a device availability report."""
        self.enqueue("devices", {"entity_id": entity_id, "available": available,
                                 "state": "on" if available else "unavailable",
                                 "reason": None if available else "no answer",
                                 "name": entity_id, "at": time.time()},
                     entity_id, "availability")

    def raise_incident(self, category: str = "panic", priority: int = 1,
                       gate: str | None = None, test: bool = False) -> SimIncident:
        """Raise an incident and queue its first message."""
        incident = SimIncident(uuid.uuid4().hex, category, priority, gate or self.gates[0],
                               time.time())
        self.incidents[incident.id] = incident
        self._step(incident, "raised", "hub", "", test=test)
        return incident

    def _step(self, incident: SimIncident, action: str, actor: str, note: str,
              test: bool = False) -> None:
        incident.revision += 1
        now = time.time()
        step = {"action": action, "actor": actor, "at": iso(now), "note": note}
        incident.steps.append(step)
        body = {
            "schema": SCHEMA_ID, "schema_version": 1,
            "idempotency_key": f"{incident.id}-r{incident.revision}", "event": action,
            "revision": incident.revision, "site": {"id": self.school, "name": self.school},
            "incident": {
                "id": incident.id, "category": incident.category,
                "title": incident.category.replace("_", " "), "priority": incident.priority,
                "priority_name": ["critical", "high", "medium", "low"][incident.priority - 1],
                "status": incident.status, "classification": None, "test": test,
                "message": f"{incident.category} at {incident.gate}", "gate": incident.gate,
                "device": {"entity_id": "alarm.panic_1", "name": "Panic button"},
                "cameras": ["camera.gate"], "created_at": iso(incident.created_at),
                "updated_at": iso(now), "instructions": None, "watchlist": None,
                "details": {"sent_at": now}},
            "step": step, "snapshots": [], "live_view": None,
        }
        self.enqueue("incidents", body, incident.category, incident.id)

    # -- the link ----------------------------------------------------------------------
    async def _run(self) -> None:
        failures = 0
        if self.jitter:
            await asyncio.sleep(random.uniform(0, self.jitter))
        while True:
            if self.paused:
                await self._wait_restored()
            server = self._servers[(self.connects + failures) % len(self._servers)]
            host, _, port = server.rpartition(":")
            try:
                await self._session(host, int(port))
                failures = 0
            except (aiomqtt.MqttError, OSError, TimeoutError) as exc:
                _LOGGER.debug("sim %s: %s", self.school, exc)
            finally:
                self.connected.clear()
            failures += 1
            await asyncio.sleep(min(10.0, 0.2 * 2 ** min(failures, 6)) * random.uniform(0.5, 1)
                                + (random.uniform(0, self.jitter) if self.jitter else 0))

    async def _wait_restored(self) -> None:
        while self.paused:
            self._wake.clear()
            await self._wake.wait()

    async def _session(self, host: str, port: int) -> None:
        will = aiomqtt.Will(f"{self.base}/status", "offline", qos=1, retain=True)
        async with aiomqtt.Client(host, port, username=self.school, password=self._password,
                                  identifier=self.school, clean_session=False, will=will,
                                  keepalive=max(5, int(self.heartbeat_interval)),
                                  timeout=10) as client:
            self.connects += 1
            await client.subscribe(f"{self.base}/commands/#", qos=1)
            await client.publish(f"{self.base}/status", "online", qos=1, retain=True)
            self.connected.set()
            tasks = [asyncio.create_task(self._send(client)),
                     asyncio.create_task(self._beat()),
                     asyncio.create_task(self._receive(client))]
            try:
                done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    task.result()
            finally:
                for task in tasks:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, aiomqtt.MqttError):
                        await task

    async def _send(self, client: aiomqtt.Client) -> None:
        while True:
            if self.paused:
                raise aiomqtt.MqttError("network cut")
            if not self.outbox:
                self._wake.clear()
                await self._wake.wait()
                continue
            topic, raw = self.outbox[0]
            await client.publish(topic, raw, qos=1, timeout=10)
            self.outbox.popleft()  # only once the broker acknowledged it (PUBACK)
            self.published += 1

    async def _beat(self) -> None:
        while True:
            self.heartbeat()
            await asyncio.sleep(self.heartbeat_interval)

    async def _receive(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            if self.paused:
                raise aiomqtt.MqttError("network cut")
            try:
                command = json.loads(message.payload if isinstance(message.payload, bytes)
                                     else str(message.payload))
            except ValueError:
                continue
            self.handle_command(command)

    def handle_command(self, command: dict[str, Any]) -> None:
        """Apply a platform command (as the hub's services would) and queue the ack."""
        ok, error = True, None
        if command.get("kind") == "incident_step":
            incident = self.incidents.get(str(command.get("incident_id")))
            action = str(command.get("action"))
            if incident is None or action not in STEP_STATUS:
                ok, error = False, "unknown incident" if incident is None else "unknown action"
            else:
                status = STEP_STATUS[action]
                if status is not None:
                    incident.status = status
                self._step(incident, status or "note", f"city:{command.get('actor')}",
                           str(command.get("note") or ""))
        elif command.get("kind") == "broadcast":
            self.broadcasts.append(command)
        else:
            ok, error = False, f"unknown command kind {command.get('kind')!r}"
        self.enqueue("acks", {"id": command.get("id"), "site": self.school, "ok": ok,
                              "error": error, "at": time.time()}, str(command.get("id")))
