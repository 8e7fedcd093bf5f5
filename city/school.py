"""A school as the platform sees it: a real hub (hub.Hub) with its own MQTT uplink.

For the demo, the fault tests and the bench: each school is a full hub in this process
(recorder off: incidents and the outbox in memory, so a thousand fit in one process) with a
panic button at each gate and the `mqtt` uplink of plugins/uplinks/mqtt, exactly the code a
school runs. Everything the platform receives comes from that uplink.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hub.alarm import AlarmInput
from hub.config.validate import validate_config
from hub.hub import Hub
from hub.hubkey import UPLINKS
from hub.plugins import PluginRegistry
from plugins.uplinks.mqtt.uplink import MqttUplink

__all__ = ["HubSchool", "school_config"]


def school_config(school: str, password: str, servers: list[str], *, data_dir: Path,
                  prefix: str = "campus", heartbeat: float = 30.0,
                  gates: tuple[str, ...] = ("main",), devices: Sequence[dict[str, Any]] = (),
                  reconnect_delay: float = 0.5, reconnect_max_delay: float = 30.0,
                  ) -> dict[str, Any]:
    """Return a school hub's configuration (a dict, as site.yaml would hold it).

    The broker list starts at a node picked from the school id, so schools spread over the
    cluster's nodes and each fails over to the next.
    """
    start = zlib.crc32(school.encode()) % max(1, len(servers))
    ordered = servers[start:] + servers[:start]
    buttons = [{"platform": "acme_button", "name": f"Panic {gate}", "gate": gate}
               for gate in gates]
    return {
        "hub": {"site": school, "name": school, "data_dir": str(data_dir)},
        "recorder": {"enabled": False},
        "devices": [*buttons, *devices],
        "uplinks": [{
            "type": "mqtt", "name": "city", "urls": [f"mqtt://{s}" for s in ordered],
            "topic_prefix": prefix, "username": school, "password": password,
            "commands": True, "heartbeat_interval": heartbeat,
            "keepalive": max(5, int(heartbeat * 2)),
            "reconnect_delay": reconnect_delay, "reconnect_max_delay": reconnect_max_delay,
            "retry": {"initial_delay": 0.2, "max_delay": reconnect_max_delay},
        }],
    }


class HubSchool:
    """One school's hub, started in this process."""

    def __init__(self, school: str, config: dict[str, Any], registry: PluginRegistry) -> None:
        self.school = school
        self.raw = config
        self.registry = registry
        self.hub: Hub | None = None

    @property
    def uplink(self) -> MqttUplink:
        """Return the hub's city uplink."""
        assert self.hub is not None
        uplink = self.hub.components[UPLINKS].get("city")
        assert isinstance(uplink, MqttUplink), "a HubSchool's config has the mqtt uplink 'city'"
        return uplink

    async def start(self) -> None:
        """Validate the configuration (in a thread: it may touch files) and start the hub."""
        config = await asyncio.to_thread(validate_config, self.raw,
                                         self.registry.config_models(), None,
                                         uplinks=self.registry.uplink_models())
        self.hub = Hub(config, self.registry)
        await self.hub.start()

    async def stop(self) -> None:
        """Stop the hub (its uplink says offline first)."""
        if self.hub is not None:
            await self.hub.stop()

    def press(self, gate: str = "main") -> None:
        """Press the panic button of a gate, as a person at the gate would."""
        assert self.hub is not None
        button = self.hub.entities[f"alarm.panic_{gate}"]
        assert isinstance(button, AlarmInput)
        button.set_triggered(True)
        button.set_triggered(False)

    async def panic(self, gate: str = "main", message: str = "") -> str:
        """Raise a panic at a gate through the hub's incident service; return its id."""
        assert self.hub is not None
        incident = await self.hub.incidents.raise_incident(
            "panic", source=f"alarm.panic_{gate}", gate=gate, message=message)
        return incident.id
