"""Escalation tests: the simulated IP speaker, the WeCom robot double, a police receiver."""

from __future__ import annotations

import types
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from hub import Platform, Switch, hookimpl
from simulators.speaker import SpeakerSimulator
from tests.hub.uplinks.receiver import FaultyReceiver, running_receiver
from tests.plugins.notify.doubles import WeComDouble, serve

WECOM_KEY = "693a91f6-0000-4bc4-97a0-0ec2sifa5aaa"


class RecordedSiren(Switch):
    """A siren relay that records its switching (no simulator drives a bare relay yet)."""

    platform = "test_siren"
    calls: list[tuple[str, str]] = []

    async def setup(self) -> None:
        """Ready at once."""
        self.state = "off"
        self.set_available(True)

    async def turn_on(self) -> None:
        """Record and switch on."""
        RecordedSiren.calls.append((self.entity_id, "on"))
        self.state = "on"
        self.write_state()

    async def turn_off(self) -> None:
        """Record and switch off."""
        RecordedSiren.calls.append((self.entity_id, "off"))
        self.state = "off"
        self.write_state()


@pytest.fixture
def siren_plugin(register_plugin: Callable[..., Any]) -> list[tuple[str, str]]:
    """Register the recorded siren platform; return its call list."""
    RecordedSiren.calls = []
    module = types.ModuleType("test_siren")
    module.register_platforms = hookimpl(lambda: [RecordedSiren])  # type: ignore[attr-defined]
    register_plugin(module, "test_siren", ["switch"])
    calls: list[tuple[str, str]] = RecordedSiren.calls
    _ = Platform
    return calls


@pytest.fixture
async def speaker() -> AsyncIterator[SpeakerSimulator]:
    """The simulated IP speaker on 127.0.0.1."""
    sim = SpeakerSimulator(token="tok")
    await sim.start()
    yield sim
    await sim.stop()


@pytest.fixture
async def robot() -> AsyncIterator[tuple[WeComDouble, str]]:
    """The WeCom robot double (written from WeCom's robot docs) and its base URL."""
    double = WeComDouble(WECOM_KEY)
    async with serve(double.app()) as url:
        yield double, url


@pytest.fixture
async def police() -> AsyncIterator[FaultyReceiver]:
    """The reference police webhook receiver."""
    async with running_receiver() as front:
        yield front


def gate_yaml(speaker_url: str, robot_url: str, extra: str = "") -> str:
    """A gate with a speaker and a siren relay, and the WeCom duty channel."""
    return f"""\
hub: {{site: north_school, external_url: "https://hub.example.org"}}
devices:
  - {{platform: http_speaker, name: Gate speaker, url: "{speaker_url}", token: tok, gate: north}}
  - {{platform: test_siren, name: Gate siren, gate: north}}
notify:
  - {{platform: wecom, name: duty_phones, key: {WECOM_KEY}, base_url: "{robot_url}",
      retry: {{max_attempts: 2, initial_delay: 0.01}}}}
{extra}"""
