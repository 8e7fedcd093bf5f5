"""Locker register maps as data: a profile beside the site config, and check-config errors."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from hub.testing import wait_for, wait_for_state
from simulators.modbus import LockerBankSimulator

#: A third-party board, described only by a profile file beside the site configuration
#: (the worked example of docs/plugins/lockers.md): relays on holding registers 100.., a
#: relay that latches until written 0, door contacts read as coils.
THIRD_PARTY = """\
model: boxco_b8
name: BoxCo B8 locker board
doors: 8
relay: {table: holding_registers, address: 100, mode: per_door, value: 1, pulse_seconds: 0.2}
door_sensor: {table: discrete_inputs, address: 0, open_when: true}
"""


def site(port: int, extra: str) -> str:
    return f"""devices:
  - platform: modbus_locker
    name: Side lockers
    host: 127.0.0.1
    port: {port}
    overnight_check: null
{extra}"""


async def test_profile_dir_beside_the_config(hub_factory: Any, tmp_path: Path) -> None:
    """`profile_dir` + `model` take the site's own profile; a latching relay gets its 0 back."""
    sim = LockerBankSimulator(doors=8, relays="holding_per_door", relay_base=100,
                              item_sensor=False)
    await sim.start()
    try:
        folder = tmp_path / "lockers"
        folder.mkdir()
        (folder / "boxco_b8.yaml").write_text(THIRD_PARTY)
        entry = f"    model: boxco_b8\n    profile_dir: {folder}\n    doors: 8\n"
        harness = await hub_factory(site(sim.port, entry + "    scan_interval: 0.05\n"))
        await wait_for_state(harness.hub, "locker.side_lockers_05", "free")
        await harness.hub.services.call("locker", "open", {"entity_id": "locker.side_lockers_05"})
        assert sim.relay_writes == [(5, 1), (5, 0)] and sim.unlocks == [5]
        assert sim.energised == [False] * 8
        await wait_for(lambda: harness.hub.states.get("locker.side_lockers_05").attributes["door"]
                       == "open")
    finally:
        await sim.stop()


async def test_check_config_names_the_field(tmp_path: Path) -> None:
    """More doors than the controller drives, or a wrong time: check-config says where."""
    (tmp_path / "site.yaml").write_text(site(502, "    model: simlock_c16\n    doors: 20\n"
                                                  "  - platform: modbus_locker\n"
                                                  "    name: Other\n    host: 127.0.0.1\n"
                                                  "    model: simlock_c16\n"
                                                  "    overnight_check: '25:00'\n"))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hub", "check-config", str(tmp_path / "site.yaml"),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await proc.communicate()
    text = out.decode()
    assert proc.returncode != 0
    assert "doors: 20 is more than model simlock_c16 drives (16)" in text
    assert "site.yaml:2" in text
    assert "expected a time of day like 19:00, got '25:00'" in text
