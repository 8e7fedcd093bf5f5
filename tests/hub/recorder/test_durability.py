"""kill -9 in the middle of a burst: no incident or step lost, history loses one window at most."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from hub.recorder.db import Database
from hub.recorder.models import StateRow, StatesMetaRow
from hub.recorder.store import DatabaseIncidentStore

CHILD = Path(__file__).with_name("crash_child.py")
INTERVAL = 0.25
# The writer commits every INTERVAL; on a loaded 2-core machine a batch write can take a few
# hundred ms more, so the missing tail of history may span INTERVAL plus that.
WRITE_SLACK = 1.0


async def _run_and_kill(url: str, data_dir: Path, run_for: float) -> list[str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(CHILD),
        url,
        str(data_dir),
        str(INTERVAL),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=str(Path(__file__).parents[3]),
    )
    assert proc.stdout is not None
    lines: list[str] = []
    try:
        async with asyncio.timeout(60):
            first = (await proc.stdout.readline()).decode().strip()
            assert first == "READY", (first, await proc.stderr.read() if proc.stderr else b"")
            deadline = time.monotonic() + run_for
            while time.monotonic() < deadline:
                lines.append((await proc.stdout.readline()).decode().strip())
    finally:
        os.kill(proc.pid, signal.SIGKILL)
    # What the child printed before it died counts too: those calls had returned.
    rest = await proc.stdout.read()
    await proc.wait()
    lines += rest.decode().splitlines()
    return [line for line in lines if line]


async def test_kill_9_loses_no_incident_and_at_most_one_window(
    db_url: str, tmp_path: Path, hub_factory: Callable[..., Any]
) -> None:
    """After SIGKILL every returned raise/acknowledge is stored; history misses one window."""
    lines = await _run_and_kill(db_url, tmp_path / "var", run_for=2.0)
    raised = [line.split()[1] for line in lines if line.startswith("I ")]
    acked = {line.split()[1] for line in lines if line.startswith("A ")}
    last_state = [line.split() for line in lines if line.startswith("S ")][-1]
    assert len(raised) >= 5, lines[-5:]

    harness = await hub_factory(f"recorder:\n  db_url: '{db_url}'\n")
    store = harness.hub.incidents.store
    assert isinstance(store, DatabaseIncidentStore)
    stored = {i.id: i for i in await store.load_many(raised)}
    assert set(raised) <= set(stored), f"lost incidents: {set(raised) - set(stored)}"
    for incident_id in raised:
        actions = [s.action for s in stored[incident_id].timeline]
        assert actions[0] == "raised"
        if incident_id in acked:
            assert actions[:2] == ["raised", "acknowledged"], actions
    open_ids = {i.id for i in harness.hub.incidents.open_incidents()}
    assert set(raised) <= open_ids

    database: Database = store.db
    burst = select(StatesMetaRow.id).where(StatesMetaRow.entity_id == "sensor.burst")
    async with database.session() as session:
        count, newest = (
            await session.execute(
                select(func.count(), func.max(StateRow.last_updated)).where(
                    StateRow.metadata_id == burst.scalar_subquery()
                )
            )
        ).one()
        values = (
            await session.scalars(
                select(StateRow.state).where(StateRow.metadata_id == burst.scalar_subquery())
            )
        ).all()
    numbers = sorted(int(str(v)) for v in values)
    assert numbers == list(range(count)), "history has a gap, not just a missing tail"
    fired_last, fired_at = int(last_state[1]), float(last_state[2])
    assert numbers[-1] <= fired_last + 200
    missing_window = max(0.0, fired_at - newest)
    assert missing_window <= INTERVAL + WRITE_SLACK, (
        f"{fired_last - numbers[-1]} states over {missing_window:.2f} s missing"
    )
