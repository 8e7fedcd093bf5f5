"""Start a hub with the HTTP component on a free port and users of every role."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from hub import Hub
from hub.http import HttpComponent

from .devices import TestDevicesPlugin

PASSWORD = "correct horse battery"

SITE = """
recorder:
  enabled: false
http:
  port: 0
  auth:  # a cheaper argon2 keeps the tests quick; production keeps the defaults
    argon2_time_cost: 1
    argon2_memory_kib: 8192
    argon2_parallelism: 1
devices:
  - platform: acme_gate
    name: Main entrance
    gate: main
    travel_seconds: 0.2
    auto_close_seconds: 3
  - platform: acme_button
    name: Panic 1
    gate: main
    cameras: [camera.gate_camera]
  - platform: test_camera
    name: Gate camera
    gate: main
  - platform: test_metal
    name: Metal detector
    gate: main
"""

ROLES = ("admin", "guard", "police", "viewer")


@dataclass
class Api:
    """A running hub's API with a token per role."""

    hub: Hub
    url: str
    tokens: dict[str, str] = field(default_factory=dict)
    session: aiohttp.ClientSession | None = None

    async def call(self, method: str, path: str, role: str | None = "admin",
                   **kwargs: Any) -> tuple[int, Any]:
        """Send a request as `role` (None: no credentials); return status and JSON body."""
        assert self.session is not None
        headers = dict(kwargs.pop("headers", {}))
        if role is not None:
            headers["Authorization"] = f"Bearer {self.tokens[role]}"
        async with self.session.request(method, self.url + path, headers=headers,
                                        **kwargs) as resp:
            try:
                data = await resp.json(content_type=None)
            except ValueError:
                data = None
            return resp.status, data


def http_of(hub: Hub) -> HttpComponent:
    """Return the hub's HTTP component."""
    http = hub.components["http"]
    assert isinstance(http, HttpComponent)
    return http


async def start_api(hub_factory: Any, tmp_path: Path, yaml_text: str = SITE) -> Api:
    """Start a hub, wait for its server, create a user and a token per role.

    Call `register_test_devices(register_plugin)` first when the YAML uses test devices.
    """
    harness = await hub_factory(yaml_text.replace("{tmp}", str(tmp_path)))
    http = http_of(harness.hub)
    await http.started.wait()
    api = Api(harness.hub, http.url)
    for role in ROLES:
        await http.store.add_user(role, role, PASSWORD)
        api.tokens[role], _ = await http.store.create_token(role, f"{role} test token")
    return api


def register_test_devices(register_plugin: Any) -> None:
    """Register the test camera and metal detector plugin for one test."""
    register_plugin(TestDevicesPlugin(), "testdev", ["camera", "alarm"])
