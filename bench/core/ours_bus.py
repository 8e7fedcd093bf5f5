"""Campus Hub side: event bus throughput and state writes, with the recorder off or on."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from hub import Hub
from hub.bus import Event
from hub.states import EVENT_STATE_CHANGED

from .ours_hub import start_hub, until
from .spec import BUS_EVENT, entity_id
from .stats import median

__all__ = ["events", "recorder_figures", "state_writes"]

#: Incidents raised between state-write passes when the recorder is on; all must be stored.
INCIDENTS_PER_RUN = 20


def _counter() -> tuple[list[int], Any]:
    box = [0]

    def listener(event: Event) -> None:
        box[0] += 1

    return box, listener


async def events(params: dict[str, Any], data_dir: Path) -> dict[str, Any]:
    """Events/s to one listener (optionally with listeners on other event types)."""
    hub = await start_hub(data_dir, recorder=params.get("recorder", False))
    box, listener = _counter()
    hub.bus.listen(BUS_EVENT, listener)
    for k in range(params["other_listeners"]):
        hub.bus.listen(f"other_event_{k}", _counter()[1])
    n, rates, durable = params["n"], [], []
    for _ in range(params["repeats"]):
        box[0] = 0
        fire = hub.bus.fire
        start = time.perf_counter()
        for i in range(n):
            fire(BUS_EVENT, {"n": i})
        await until(lambda: box[0] >= n)
        rates.append(n / (time.perf_counter() - start))
        if params.get("recorder"):
            await _flush(hub)
            durable.append(n / (time.perf_counter() - start))
    result: dict[str, Any] = {"events_per_s": median(rates)}
    if params.get("recorder"):
        result["durable_per_s"] = median(durable)
        result.update(await recorder_figures(hub, expected_events=n * params["repeats"]))
    await hub.stop()
    return result


async def state_writes(params: dict[str, Any], data_dir: Path) -> dict[str, Any]:
    """State writes/s with one state_changed listener; with the recorder, raise incidents too."""
    recorder = params.get("recorder", False)
    count = params["entities"]
    hub = await start_hub(data_dir, recorder=recorder, states=count)
    box, listener = _counter()
    hub.bus.listen(EVENT_STATE_CHANGED, listener)
    ids = [entity_id(i) for i in range(count)]
    attrs = [{"friendly_name": f"Bench {i}"} for i in range(count)]
    n, rates, durable, raised = params["n"], [], [], 0
    passes = n // count  # each pass flips every entity, so every write is a change
    for rep in range(params["repeats"]):
        box[0] = 0
        set_state = hub.states.set
        start = time.perf_counter()
        for i in range(passes * count):
            index = i % count
            flip = (rep * passes + i // count) % 2 == 0
            set_state(ids[index], "on" if flip else "off", attrs[index])
        await until(lambda: box[0] >= passes * count)
        rates.append(n / (time.perf_counter() - start))
        if recorder:
            raised += await _raise_incidents(hub, rep)
            await _flush(hub)
            durable.append(n / (time.perf_counter() - start))
    result: dict[str, Any] = {"writes_per_s": median(rates)}
    if recorder:
        result["durable_per_s"] = median(durable)
        result.update(
            await recorder_figures(
                hub, expected_states=n * params["repeats"], expected_incidents=raised
            )
        )
    await hub.stop()
    return result


async def _raise_incidents(hub: Hub, rep: int) -> int:
    for k in range(INCIDENTS_PER_RUN):
        await hub.incidents.raise_incident(
            "panic", source=f"alarm.bench_{rep}_{k}", message="bench"
        )
    return INCIDENTS_PER_RUN


async def _flush(hub: Hub) -> None:
    await hub.components["recorder"].flush()


async def recorder_figures(
    hub: Hub, expected_events: int = 0, expected_states: int = 0, expected_incidents: int = 0
) -> dict[str, Any]:
    """Flush the recorder and compare what the database holds with what was fired.

    `Recorder.flush()` can return while the writer task still commits a chunk it took
    before the call (seen here, reported to the recorder's owner); so a short count is
    re-read for up to 5 s and `flush_early` says how often that was needed.
    """
    recorder = hub.components["recorder"]
    await recorder.flush()
    stats = recorder.writer.stats
    figures: dict[str, Any] = {
        "dropped": stats.dropped,
        "failed_rows": stats.failed_rows,
        "max_batch_s": stats.max_batch_seconds,
        "flush_early": 0,
    }
    checks = [
        ("events_missing", expected_events, ("events", BUS_EVENT)),
        ("states_missing", expected_states, ("states", "sensor.bench_%")),
        ("incidents_missing", expected_incidents, ("incidents", "")),
    ]
    for name, expected, (table, pattern) in checks:
        if not expected:
            continue
        stored = await _count_rows(hub, table, pattern)
        if stored < expected:
            figures["flush_early"] += 1
            stored = await _settled_count(hub, table, pattern, expected)
        figures[name] = expected - stored
    return figures


async def _settled_count(hub: Hub, table: str, pattern: str, expected: int) -> int:
    deadline = time.monotonic() + 5.0
    stored = await _count_rows(hub, table, pattern)
    while stored < expected and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        stored = await _count_rows(hub, table, pattern)
    return stored


async def _count_rows(hub: Hub, table: str, pattern: str) -> int:
    from sqlalchemy import func, select

    from hub.recorder.models import EventRow, IncidentRow, StateRow, StatesMetaRow

    recorder = hub.components["recorder"]
    if table == "events":
        stmt = select(func.count()).select_from(EventRow).where(EventRow.event_type == pattern)
    elif table == "states":
        keys = select(StatesMetaRow.id).where(StatesMetaRow.entity_id.like(pattern))
        stmt = select(func.count()).select_from(StateRow).where(StateRow.metadata_id.in_(keys))
    else:
        stmt = select(func.count()).select_from(IncidentRow)
    async with recorder.db.session() as session:
        return int((await session.execute(stmt)).scalar_one())
