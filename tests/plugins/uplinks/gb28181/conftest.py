"""SIPp as the platform (a peer this project did not write), started per test on loopback."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from hub.testing import wait_for

SCENARIOS = Path(__file__).with_name("sipp")
HUB_ID = "34020000002000000001"
PLATFORM_ID = "34020000002000000002"
DOMAIN = "3402000000"
PASSWORD = "gate-secret"


def uplink_yaml(port: int, **extra: str) -> str:
    """An `uplinks:` section: one gb28181 entry, police_video, for a platform on
    127.0.0.1:port; `extra` adds keys (YAML values)."""
    lines = "".join(f"    {k}: {v}\n" for k, v in extra.items())
    return ("uplinks:\n  - type: gb28181\n    name: police_video\n"
            f"    platform_id: '{PLATFORM_ID}'\n    platform_host: 127.0.0.1\n"
            f"    platform_port: {port}\n    local_port: 0\n    civil_code: '340200'\n"
            f"    password: {PASSWORD}\n{lines}")


async def registered_uplink(hub: Any, timeout: float = 5) -> Any:
    """The police_video uplink, once registered at the platform."""
    uplink = hub.components["uplinks"].get("police_video")
    await wait_for(lambda: uplink.status()["state"] == "registered", timeout=timeout)
    return uplink


def need(tool: str) -> str:
    """Path of a command-line tool; a missing one fails under CI=true, else skips."""
    path = shutil.which(tool)
    if path is None:
        message = f"{tool} not installed (scripts/bootstrap installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    """A port free on 127.0.0.1 now."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_ENTRY = re.compile(r"^-{20,} ", re.MULTILINE)


@dataclass
class Sipp:
    """A running SIPp and its message trace."""

    port: int
    transport: str
    trace: Path
    proc: asyncio.subprocess.Process | None = None

    def requests(self, method: str) -> list[tuple[float, str]]:
        """(time, text) of each `method` request SIPp received, in order."""
        if not self.trace.exists():
            return []
        found: list[tuple[float, str]] = []
        for entry in _ENTRY.split(self.trace.read_text(errors="replace"))[1:]:
            stamp, _, text = entry.partition("\n")
            if " message received" in text and f"\n{method} sip:" in text:
                when = datetime.strptime(stamp.strip(), "%Y-%m-%d %H:%M:%S.%f").timestamp()
                found.append((when, text.replace("\r", "")))
        return found

    def responses(self, method: str) -> list[tuple[float, str]]:
        """(time, text) of each final response to a `method` request SIPp received, in
        order (100 Trying and other provisional responses left out)."""
        if not self.trace.exists():
            return []
        found: list[tuple[float, str]] = []
        for entry in _ENTRY.split(self.trace.read_text(errors="replace"))[1:]:
            stamp, _, text = entry.partition("\n")
            if " message received" in text and "\nSIP/2.0 " in text and \
                    "\nSIP/2.0 1" not in text and \
                    f" {method}\n" in text.replace("\r", ""):
                when = datetime.strptime(stamp.strip(), "%Y-%m-%d %H:%M:%S.%f").timestamp()
                found.append((when, text.replace("\r", "")))
        return found

    async def stop(self) -> None:
        """End SIPp (SIGTERM, then kill)."""
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            try:
                async with asyncio.timeout(5):
                    await self.proc.wait()
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


SippFactory = Callable[..., "asyncio.Future[Sipp]"]


@pytest.fixture
async def sipp(tmp_path: Path) -> AsyncIterator[Callable[..., object]]:
    """Start SIPp with a scenario from tests/.../sipp; every instance is stopped after."""
    binary = need("sipp")
    started: list[Sipp] = []

    async def start(scenario: str, *, password: str = PASSWORD, expires: int = 3600,
                    port: int | None = None, transport: str = "udp",
                    target: int | None = None, variables: dict[str, str] | None = None) -> Sipp:
        kind = socket.SOCK_DGRAM if transport == "udp" else socket.SOCK_STREAM
        inst = Sipp(port or free_port(kind), transport, tmp_path / f"sipp-{len(started)}.log")
        if variables is None:
            variables = {"user": HUB_ID, "password": password, "expires": str(expires)}
        args = [binary, "-sf", str(SCENARIOS / scenario), "-i", "127.0.0.1", "-p", str(inst.port),
                "-t", "u1" if transport == "udp" else "t1", "-nostdin", "-deadcall_wait", "1",
                "-trace_msg", "-message_file", str(inst.trace), "-timeout", "90s"]
        for name, value in variables.items():
            args += ["-set", name, value]
        if target is not None:  # SIPp as the client: one call to the hub, then exit
            args += ["-m", "1", f"127.0.0.1:{target}"]
        inst.proc = await asyncio.create_subprocess_exec(
            *args, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        started.append(inst)
        await asyncio.sleep(0.4)  # SIPp binds within a few ms; it has no readiness signal
        assert inst.proc.returncode is None, "SIPp exited at start (bad scenario?)"
        return inst

    yield start
    for inst in started:
        await inst.stop()


@pytest.fixture
async def double() -> AsyncIterator[tuple[Any, int]]:
    """The platform double (tests/.../double.py) on a UDP port: (double, port)."""
    from .double import PlatformDouble  # double.py imports this module's constants

    loop = asyncio.get_running_loop()
    transport, platform = await loop.create_datagram_endpoint(PlatformDouble,
                                                              local_addr=("127.0.0.1", 0))
    yield platform, transport.get_extra_info("sockname")[1]
    transport.close()
