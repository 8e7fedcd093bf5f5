"""Fixtures: simulated ONVIF cameras on 127.0.0.1 and the YAML that points a hub at them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from hub import Camera, State
from hub.testing.harness import HubHarness
from simulators.onvif_camera import OPEN_NONE, CameraSimulator

HubFactory = Callable[..., Awaitable[HubHarness]]


@pytest.fixture
async def onvif_sim() -> AsyncIterator[CameraSimulator]:
    """A camera that refuses everything without auth (the strictest kind)."""
    sim = CameraSimulator(open_operations=OPEN_NONE, control_port=None, serial="GATECAM42")
    await sim.start()
    yield sim
    await sim.stop()


def onvif_yaml(sim: CameraSimulator, **extra: object) -> str:
    """A site.yaml with one onvif camera `camera.gate` on the simulator, fast timings."""
    options = {
        "username": "admin", "password": "admin", "timeout": 1.0, "pull_timeout": 0.3,
        "reconnect_max_seconds": 0.5, "gate": "main",
    } | extra  # fmt: skip
    lines = "".join(f"    {k}: {v}\n" for k, v in options.items())
    return (
        "devices:\n  - platform: onvif\n    name: Gate\n    host: 127.0.0.1\n"
        f"    port: {sim.port}\n{lines}"
    )


def camera_of(h: HubHarness, entity_id: str) -> Camera:
    """The camera entity with this id (fails the test otherwise)."""
    entity = h.hub.entities[entity_id]
    assert isinstance(entity, Camera)
    return entity


def state_of(h: HubHarness, entity_id: str) -> State:
    """The current state of an entity (fails the test when it has none)."""
    state = h.hub.states.get(entity_id)
    assert state is not None
    return state
