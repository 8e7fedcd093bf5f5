"""`./scripts/demo --city`'s platform half (python -m city.demo) starts and works.

Its own RabbitMQ (one node: the test took 35-46 s with the demo's default three, 23-29 s
with one; the fault tests cover the cluster) and PostgreSQL (as a newcomer's run), two
simulated schools: the
printed login opens the console, both schools show online with their two gates, the
simulated gate's configuration it writes is a valid hub configuration, and Ctrl-C stops it
(exit status 0 after stopping the schools, the cluster and PostgreSQL).
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from city.cluster import rabbitmq_available
from hub.testing.net import free_port
from tests.city.conftest import client_session, wait_for
from tests.prerequisites import missing

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.timeout(240)


async def test_city_demo_starts_with_a_console_and_online_schools(tmp_path: Path) -> None:
    """The demo's login works and its simulated schools are online; Ctrl-C ends it."""
    if not rabbitmq_available():
        missing("rabbitmq-server", "install the rabbitmq-server package (./scripts/bootstrap)")
    port = free_port()
    var, log_path = tmp_path / "city", tmp_path / "demo.log"
    log = await asyncio.to_thread(log_path.open, "wb")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "city.demo", "--var", str(var), "--schools", "2", "--nodes", "1",
        "--port", str(port), "--gate-config", str(ROOT / "config" / "demo.yaml"),
        cwd=ROOT, stdout=log, stderr=asyncio.subprocess.STDOUT)
    log.close()
    try:
        info = await wait_for(lambda: _read_json(var / "demo.json"), timeout=150,
                              interval=0.5)
        async with client_session() as session:
            async with session.post(f"{info['console']}api/login", json={
                    "username": info["login"], "password": info["password"]}) as resp:
                assert resp.status == 200

            async def online() -> list[dict[str, Any]] | None:
                async with session.get(f"{info['console']}api/schools") as resp:
                    rows: list[dict[str, Any]] = (await resp.json())["schools"]
                up = [r for r in rows if r["online"] and set(r["gates"]) == {"main", "east"}]
                return rows if len(up) == 2 else None

            rows = await wait_for(online, timeout=60, interval=0.5)
        assert {r["id"] for r in rows} == {"school-1", "school-2", "demo-school"}
        check = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "hub", "check-config", str(var / "demo-gate.yaml"), cwd=ROOT,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        out, _ = await check.communicate()
        assert check.returncode == 0, out.decode()
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
        await asyncio.wait_for(process.wait(), 60)
    output = await asyncio.to_thread(log_path.read_text)
    assert process.returncode == 0, output[-3000:]
    assert "log in as admin" in output


async def _read_json(path: Path) -> dict[str, Any] | None:
    def read() -> dict[str, Any] | None:
        try:
            data: dict[str, Any] = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        return data

    return await asyncio.to_thread(read)
