"""`campus-hub uplinks -c CONFIG`: each uplink's state read from the configuration and outbox."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hub.cli import main
from hub.testing import wait_for
from hub.uplinks.const import ACTION_DEAD, ACTION_DELIVERED
from tests.hub.uplinks.receiver import FaultyReceiver, webhook_entry

HubFactory = Callable[..., Any]


async def test_prints_state_backlog_counters_and_last_error(
    hub_factory: HubFactory, receiver: FaultyReceiver, tmp_path: Path,
    capsys: pytest.CaptureFixture[str]
) -> None:
    """One delivered, one dead letter (HTTP 400), one uplink never reached: all shown."""
    receiver.statuses = [400]
    site = ("hub:\n  site: north_school\n"
            f"recorder:\n  db_url: sqlite+aiosqlite:///{tmp_path}/hub.db\n"
            "uplinks:\n" + webhook_entry(receiver.url)
            + webhook_entry("http://127.0.0.1:9/none", name="spare",
                            categories="[intrusion]"))
    h = await hub_factory(site)
    dead = await h.hub.incidents.raise_incident("panic", source="alarm.a")
    await wait_for(lambda: [s for s in dead.timeline if s.action == ACTION_DEAD])
    ok = await h.hub.incidents.raise_incident("panic", source="alarm.b")
    await wait_for(lambda: [s for s in ok.timeline if s.action == ACTION_DELIVERED])
    await h.hub.stop()
    capsys.readouterr()
    # the command runs its own event loop: off this one, as from a shell
    assert await asyncio.to_thread(main, ["uplinks", "-c", str(tmp_path / "site.yaml")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:7] == ["name", "type", "state", "backlog", "delivered", "dropped",
                                    "dead"]
    police, spare = (line.split() for line in lines[1:3])
    assert lines[3:] == ["live status: none (the hub is not running)"]
    assert police[:7] == ["city_police", "webhook", "ok", "0", "1", "0", "1"]
    assert police[-2:] == ["HTTP", "400"] and "UTC" in police
    assert spare[:7] == ["spare", "webhook", "ok", "0", "0", "0", "0"] and "never" in spare
    # a restarted hub shows the same last error and delivery (kept in the outbox table)
    again = await hub_factory(site)
    [police_status, _spare] = await again.hub.components["uplinks"].status()
    assert police_status["last_error"] == "HTTP 400"
    assert police_status["last_delivery_at"] is not None and police_status["dead"] == 1


def test_config_errors_are_printed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A bad configuration exits 1 with file:line."""
    (tmp_path / "site.yaml").write_text("uplinks:\n  - type: nosuch\n    name: x\n")
    assert main(["uplinks", "-c", str(tmp_path / "site.yaml")]) == 1
    assert "site.yaml:2: uplinks[0].type: unknown uplink type 'nosuch'" in capsys.readouterr().err
