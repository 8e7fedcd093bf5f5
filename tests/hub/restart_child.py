"""A hub process for kill -9 tests: start from CONFIG, call services, then run until killed.

    python -m tests.hub.restart_child CONFIG '[["notify", "duty", {"message": "..."}], ...]'

Prints STARTED once the hub runs and CALLED once every service call returned.
`call_then_kill` runs it from a test and kills it (-9) at CALLED.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from hub.config import load_config
from hub.hub import Hub
from hub.plugins import PluginRegistry

ROOT = Path(__file__).resolve().parents[2]


async def main(config_path: str, calls: str) -> None:
    """Start a hub from CONFIG; make each [domain, service, data] call; wait for SIGTERM."""
    registry = PluginRegistry()
    registry.load_entry_points()
    config = load_config(Path(config_path), registry.config_models(),
                         uplinks=registry.uplink_models(), notifiers=registry.notify_models())
    hub = Hub(config, registry)
    await hub.start()
    print("STARTED", flush=True)
    for domain, service, data in json.loads(calls):
        await hub.services.call(domain, service, data)
    print("CALLED", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await hub.stop()


async def call_then_kill(config: Path, calls: list[list[Any]], timeout: float = 60) -> None:
    """Run a hub process from `config`, make `calls`, and kill it (-9) once they returned."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.hub.restart_child", str(config), json.dumps(calls),
        cwd=ROOT, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.stdout is not None
    try:
        async with asyncio.timeout(timeout):
            async for line in proc.stdout:
                if line.strip() == b"CALLED":
                    break
            else:
                raise AssertionError(f"the hub process ended ({await proc.wait()})")
    finally:
        proc.send_signal(signal.SIGKILL)
        await proc.wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
