"""Registration, refresh and keepalive of the hub at a SIPp registrar that checks the digest."""

from __future__ import annotations

import asyncio
import itertools
import statistics
from collections.abc import AsyncIterator, Callable
from typing import Any, Literal

import pytest

from plugins.uplinks.gb28181.register import Registrar, RegistrationSettings
from plugins.uplinks.gb28181.sip import SipEndpoint

from .conftest import DOMAIN, HUB_ID, PASSWORD, PLATFORM_ID, Sipp

Start = Callable[..., Any]


@pytest.fixture
async def registrars() -> AsyncIterator[Callable[..., Any]]:
    """Run a Registrar against a SIPp port; stopped after the test."""
    running: list[tuple[asyncio.Task[None], SipEndpoint]] = []

    async def run(platform: Sipp, *, password: str = PASSWORD, expires: int = 3600,
                  keepalive: float = 60.0, retry: float = 1.0, misses: int = 3,
                  transport: Literal["udp", "tcp"] = "udp") -> Registrar:
        ep = SipEndpoint(transport, ("127.0.0.1", 0), ("127.0.0.1", platform.port))
        await ep.start()
        reg = Registrar(ep, RegistrationSettings(
            HUB_ID, DOMAIN, PLATFORM_ID, password, expires=expires, keepalive_interval=keepalive,
            keepalive_misses=misses, retry_initial=retry))  # fmt: skip
        running.append((asyncio.create_task(reg.run()), ep))
        return reg

    yield run
    for task, ep in running:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await ep.stop()


async def wait_for(check: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll until `check()` is true."""
    async with asyncio.timeout(timeout):
        while True:  # SIPp writes a file: there is no event to wait on
            if check():
                return
            await asyncio.sleep(0.05)


@pytest.mark.parametrize("transport", ["udp", "tcp"])
async def test_digest_registration(sipp: Start, registrars: Start, transport: str) -> None:
    """The hub registers with the right password: SIPp verified the MD5 digest answer."""
    platform = await sipp("registrar.xml", transport=transport)
    reg = await registrars(platform, transport=transport)
    await wait_for(lambda: reg.status.state == "registered")
    registers = platform.requests("REGISTER")
    assert len(registers) == 2  # the challenged one and the one with credentials
    assert "Authorization: Digest" in registers[1][1]
    assert f'username="{HUB_ID}"' in registers[1][1]
    assert f"SIP/2.0/{transport.upper()}" in registers[1][1]


async def test_wrong_password_is_a_clear_state_with_backoff(sipp: Start,
                                                            registrars: Start) -> None:
    """A refused password shows auth_failed with the platform's answer; retries back off."""
    platform = await sipp("registrar.xml")
    reg = await registrars(platform, password="not-the-password", retry=0.5)
    await wait_for(lambda: reg.status.state == "auth_failed")
    assert reg.status.last_error is not None and "403" in reg.status.last_error
    await wait_for(lambda: len(platform.requests("REGISTER")) >= 6, timeout=8)
    attempts = [t for t, _ in platform.requests("REGISTER")][::2]  # unauthenticated ones
    gaps = [b - a for a, b in itertools.pairwise(attempts)]
    assert gaps[0] >= 0.4 and gaps[1] >= 0.9 and gaps[1] > gaps[0] * 1.5  # 0.5 s, 1 s, ...
    assert reg.status.retry_in is not None and reg.status.registrations == 0


async def test_refresh_before_expiry(sipp: Start, registrars: Start) -> None:
    """With a 3 s expiry, the hub registers again before the binding runs out."""
    platform = await sipp("registrar.xml", expires=3)
    reg = await registrars(platform, expires=3)
    await wait_for(lambda: reg.status.registrations >= 2, timeout=6)
    authed = [t for t, text in platform.requests("REGISTER") if "Authorization" in text]
    assert 1.5 < authed[1] - authed[0] < 3.0
    assert reg.status.state == "registered"


async def test_keepalive_interval(sipp: Start, registrars: Start) -> None:
    """Keepalive MESSAGEs (MANSCDP Notify Keepalive) arrive at the configured interval."""
    platform = await sipp("registrar.xml")
    await registrars(platform, keepalive=0.5)
    await wait_for(lambda: len(platform.requests("MESSAGE")) >= 4)
    messages = platform.requests("MESSAGE")
    assert "<CmdType>Keepalive</CmdType>" in messages[0][1]
    assert f"<DeviceID>{HUB_ID}</DeviceID>" in messages[0][1]
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(messages)]
    # 0.5 s: never early; a loaded machine makes a timer late, not the interval longer
    assert min(gaps) > 0.4 and statistics.median(gaps) < 0.8, gaps


async def test_platform_restart_reregisters_within_one_keepalive(sipp: Start,
                                                                registrars: Start) -> None:
    """A restarted platform refuses the next keepalive; the hub registers again at once."""
    platform = await sipp("registrar.xml")
    reg = await registrars(platform, keepalive=1.0)
    await wait_for(lambda: reg.status.state == "registered")
    await platform.stop()
    restarted = await sipp("registrar_restarted.xml", port=platform.port)
    restarted_at = asyncio.get_running_loop().time()
    await wait_for(lambda: len([r for r in restarted.requests("REGISTER")
                                if "Authorization" in r[1]]) >= 1, timeout=3)
    assert asyncio.get_running_loop().time() - restarted_at < 1.0 + 0.5
    # SIPp has the REGISTER; the hub counts it once it has read SIPp's 200 OK
    await wait_for(lambda: reg.status.registrations >= 2, timeout=3)


async def test_missed_keepalives_reregister(sipp: Start, registrars: Start,
                                            caplog: pytest.LogCaptureFixture) -> None:
    """The platform goes silent: after 2 unanswered keepalives the hub leaves "registered"
    and says why; when the platform is back, the hub registers again by itself."""
    caplog.set_level("INFO", "plugins.uplinks.gb28181")
    platform = await sipp("registrar.xml")
    reg = await registrars(platform, keepalive=0.3, misses=2, retry=0.3)
    await wait_for(lambda: reg.status.state == "registered")
    await platform.stop()
    await wait_for(lambda: reg.status.state != "registered", timeout=3)
    assert reg.status.keepalive_misses >= 2
    assert "connecting (keepalive unanswered" in caplog.text  # the state says why
    back = await sipp("registrar.xml", port=platform.port)
    await wait_for(lambda: reg.status.state == "registered", timeout=5)
    assert reg.status.registrations >= 2  # a loaded machine may miss once more meanwhile
    assert any("Authorization" in text for _, text in back.requests("REGISTER"))
