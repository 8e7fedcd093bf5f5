"""`campus-hub uplinks` shows a running hub's GB/T 28181 registration and sessions."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.cli import main
from hub.uplinks import live
from plugins.uplinks.gb28181.uplink import route_address

from .conftest import registered_uplink, uplink_yaml


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The umask most machines run with (022): files would be world-readable by default."""
    old = os.umask(0o022)
    yield
    os.umask(old)


async def test_cli_shows_registration_and_subscriptions(
        double: Any, hub_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], usual_umask: None) -> None:
    """While the hub runs: state registered, IDs, live views, broadcasts and the platform's
    Alarm subscription; after it stopped: no live status. local_host left out: the hub
    finds its address towards the platform."""
    monkeypatch.setattr(live, "INTERVAL", 0.1)
    platform, port = double
    h = await hub_factory(uplink_yaml(port))
    uplink = await registered_uplink(h.hub)
    # no local_host given: the address on the route to the platform, in Contact too
    assert uplink.status()["local"].startswith("127.0.0.1:")
    register = await platform.request("REGISTER")
    assert "@127.0.0.1:" in (register.get_header("Contact") or "")
    platform.subscribe(uplink.endpoint.local, "Alarm", 600, "sub-1")
    await platform.response("SUBSCRIBE")
    status_file = h.hub.config.data_dir / live.LIVE_FILE

    async def written() -> bool:
        text = await asyncio.to_thread(lambda: status_file.exists() and status_file.read_text())
        return bool(text) and '"kind": "Alarm"' in text

    async with asyncio.timeout(5):
        while True:  # the hub rewrites the file every 0.1 s here: no event to wait on
            if await written():
                break
            await asyncio.sleep(0.05)
    mode = await asyncio.to_thread(lambda: status_file.stat().st_mode & 0o777)
    assert mode == 0o600  # private like every file of the data folder
    site = str(tmp_path / "site.yaml")
    capsys.readouterr()
    assert await asyncio.to_thread(main, ["uplinks", "-c", site]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("  police_video:"))
    assert line.startswith("  police_video: registered;")
    assert "device_id 34020000002000000001" in line and "live_views 0" in line
    assert "broadcasts 0" in line and "subscriptions 1 [kind Alarm" in line
    await h.hub.stop()
    assert await asyncio.to_thread(main, ["uplinks", "-c", site]) == 0
    assert "live status: none (the hub is not running)" in capsys.readouterr().out


async def test_route_address_resolves_names() -> None:
    """A platform given by name: its address is looked up without blocking the loop."""
    assert await route_address("localhost", 5060) == "127.0.0.1"
