"""A press waiting for the store outlives the hub process (issue 10 item 1, GB 50394).

A real hub process with its incident store down records two presses of the simulated IO
module's panic button (real Modbus/TCP), cannot store them, and is killed with SIGKILL.
The next hub on the same data folder records both, in order, with their press times.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from hub.alarm_journal import FILE_NAME
from hub.testing import wait_for
from simulators.modbus import IOModuleSimulator

from .test_presses import panics, press, presses

CHILD = Path(__file__).with_name("press_child.py")


def _journaled(path: Path) -> int:
    try:
        return path.read_bytes().count(b'"press"')
    except FileNotFoundError:
        return -1  # no file


async def _until_journaled(path: Path, count: int, timeout: float = 10.0) -> None:
    """Wait (reading the file off the loop) until it holds `count` presses (-1: no file)."""
    deadline = time.monotonic() + timeout
    while (found := await asyncio.to_thread(_journaled, path)) != count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path}: {found} presses, expected {count}")
        await asyncio.sleep(0.05)


async def test_presses_waiting_for_the_store_survive_kill_9(
    tmp_path: Path, hub_factory: Any, io_module: IOModuleSimulator
) -> None:
    """Two presses wait (store down), the hub is killed; the next start records both."""
    data_dir = tmp_path / "var"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(CHILD), str(data_dir), str(io_module.port),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        cwd=str(Path(__file__).parents[4]))
    assert proc.stdout is not None and proc.stderr is not None
    try:
        async with asyncio.timeout(60):
            line = await proc.stdout.readline()
        assert line == b"READY\n", (line, await proc.stderr.read())
        before = time.time()
        await press(io_module)
        await press(io_module)
        journal = data_dir / FILE_NAME
        await _until_journaled(journal, 2)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        await proc.wait()
    assert ((await asyncio.to_thread(journal.stat)).st_mode & 0o777) == 0o600

    harness = await hub_factory(f"""
    hub: {{site: demo-school, data_dir: {data_dir}}}
    recorder: {{enabled: false}}
    devices:
      - platform: modbus_io
        name: Gate IO module
        object_id: gate_io
        gate: main
        host: 127.0.0.1
        port: {io_module.port}
        scan_interval: 0.05
        inputs:
          - {{name: Panic 1, address: 0, category: panic, latch: true}}
    """)
    await wait_for(lambda: panics(harness) and len(presses(panics(harness)[0])) == 2,
                   timeout=10)
    [incident] = panics(harness)
    steps = presses(incident)
    assert [s.action for s in steps] == ["raised", "repeated"]
    pressed = [incident.data["pressed_at"], steps[1].data["pressed_at"]]
    assert before <= pressed[0] < pressed[1] < time.time()
    await _until_journaled(journal, -1)  # all stored: the file is gone
