"""Escalation tests: the simulated IO module, the WeCom robot double, a police receiver (the
speaker simulator is tests/conftest.py's `speaker`)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from simulators.modbus import IOModuleSimulator
from tests.hub.uplinks.receiver import FaultyReceiver, running_receiver
from tests.plugins.notify.doubles import WeComDouble, serve

WECOM_KEY = "693a91f6-0000-4bc4-97a0-0ec2sifa5aaa"


@pytest.fixture
async def io_module() -> AsyncIterator[IOModuleSimulator]:
    """The simulated IO module: a panic button and a relay (coil 0) driving the siren."""
    sim = IOModuleSimulator(["no"])
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


def gate_yaml(speaker_url: str, robot_url: str, io_port: int, extra: str = "") -> str:
    """A gate with a speaker and an IO module whose relay drives the siren, and the WeCom
    duty channel."""
    return f"""\
hub: {{site: north_school, external_url: "https://hub.example.org"}}
devices:
  - {{platform: http_speaker, name: Gate speaker, url: "{speaker_url}", token: tok, gate: north}}
  - platform: modbus_io
    name: Gate IO module
    gate: north
    host: 127.0.0.1
    port: {io_port}
    scan_interval: 0.05
    inputs: [{{name: Panic 1, address: 0}}]
    outputs: [{{name: Gate siren, address: 0}}]
notify:
  - {{platform: wecom, name: duty_phones, key: {WECOM_KEY}, base_url: "{robot_url}",
      retry: {{max_attempts: 2, initial_delay: 0.01}}}}
{extra}"""
