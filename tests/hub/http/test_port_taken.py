"""A second `campus-hub run` on a port that is taken exits non-zero instead of running headless."""

from __future__ import annotations

import asyncio
import socket
import sys
from pathlib import Path

import pytest


@pytest.mark.timeout(120)
async def test_second_hub_on_taken_port_exits(tmp_path: Path) -> None:
    """The command stops with exit code 1 and names the address; devices never start."""
    with socket.socket() as holder:  # the first hub's port
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        site = tmp_path / "site.yaml"
        site.write_text(f"hub:\n  data_dir: var\nhttp:\n  port: {port}\n")
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "hub", "run", "--config", str(site),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            _out, err = await asyncio.wait_for(proc.communicate(), 60)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            pytest.fail("campus-hub run kept running without its HTTP port")
    log = err.decode()
    assert proc.returncode == 1, log
    assert f"cannot listen on 127.0.0.1:{port}" in log and "Campus Hub started" not in log
