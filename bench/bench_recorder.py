"""Recorder bench: state writes/s with the recorder on, batch write latency, incidents kept.

    .venv/bin/python bench/bench_recorder.py [--states 200000] [--seconds 5] [--pg | --pg-url URL]

Prints, for the recorder off and on (SQLite by default, PostgreSQL with --pg-url):
- burst: state writes/s as the caller sees them (sets done) and end to end (rows committed);
- paced at 55k state writes/s (Home Assistant's rate in issue 2), then at 0: what rate is
  reached, the queue backlog at the end and how long it takes to drain;
- batch write latency p50/p99/max (one transaction of up to 1,000 rows);
- 200 incidents/s raised during the paced run: raise latency p50/p99 and whether every
  incident is in the database afterwards.

`--pg` starts a throwaway PostgreSQL 15 (/usr/lib/postgresql/15/bin, as user postgres when
run as root) on 127.0.0.1 for the run.

Other benches switch the recorder on or off with `recorder_section()` (a `recorder:`
config section) and `make_bench_hub()`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hub.config import validate_config
from hub.hub import Hub
from hub.plugins import PluginRegistry
from hub.testing.net import free_port

__all__ = ["make_bench_hub", "recorder_section"]

HA_STATE_WRITES = 55_000
ENTITIES = 1000
# Like the core bench (bench/core): each entity keeps its attributes, its state flips.
_IDS = [f"sensor.bench_{i}" for i in range(ENTITIES)]
_ATTRS = [{"friendly_name": f"Bench {i}"} for i in range(ENTITIES)]


def _write_states(hub: Hub, first: int, count: int) -> None:
    set_state = hub.states.set
    for i in range(first, first + count):
        index = i % ENTITIES
        set_state(_IDS[index], "on" if (i // ENTITIES) % 2 == 0 else "off", _ATTRS[index])


def recorder_section(
    enabled: bool, data_dir: Path, db_url: str | None = None, **options: Any
) -> dict[str, Any]:
    """Return a `recorder:` section: on (SQLite in data_dir, or db_url) or off."""
    if not enabled:
        return {"enabled": False}
    url = db_url or f"sqlite+aiosqlite:///{data_dir / 'bench.db'}"
    return {"enabled": True, "db_url": url, "purge_keep_days": None, **options}


async def make_bench_hub(
    recorder: bool, data_dir: Path, db_url: str | None = None, extra: dict[str, Any] | None = None
) -> Hub:
    """Build and start a hub without plugins, with the recorder switched on or off."""
    raw = {
        "hub": {"data_dir": str(data_dir)},
        "recorder": recorder_section(recorder, data_dir, db_url),
        **(extra or {}),
    }
    hub = Hub(validate_config(raw, {}), PluginRegistry())
    await hub.start()
    return hub


@contextlib.contextmanager
def temporary_postgres(bin_dir: Path = Path("/usr/lib/postgresql/15/bin")) -> Iterator[str]:
    """Start PostgreSQL in a temporary folder; yield an asyncpg URL of an empty database."""
    root = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if owner:
        shutil.chown(root, "postgres", "postgres")
    port = free_port()
    data = root / "data"
    subprocess.run(
        [
            *owner,
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            "bench",
            "-A",
            "trust",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            *owner,
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(root / "log"),
            "-o",
            f"-h 127.0.0.1 -p {port} -k {root}",
            "-w",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        subprocess.run(
            [
                *owner,
                str(bin_dir / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-U",
                "bench",
                "bench",
            ],
            check=True,
            capture_output=True,
        )
        yield f"postgresql+asyncpg://bench:unused@127.0.0.1:{port}/bench?ssl=disable"
    finally:
        subprocess.run(
            [*owner, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _track_batches(hub: Hub) -> list[float]:
    """Return the list the writer appends each batch's loop-side latency to (or [])."""
    recorder = hub.components.get("recorder")
    if recorder is None:
        return []
    latencies: list[float] = []
    recorder.writer.stats.latencies = _Collect(latencies)
    return latencies


class _Collect:
    """Stands in for the writer's bounded deque and keeps every value."""

    def __init__(self, into: list[float]) -> None:
        self.append = into.append

    def __iter__(self) -> Any:
        return iter(())


async def _settle(hub: Hub) -> float:
    """Wait until every queued row is committed; return how long that took."""
    started = time.perf_counter()
    recorder = hub.components.get("recorder")
    if recorder is not None:
        await recorder.flush()
    return time.perf_counter() - started


async def burst(recorder: bool, n: int, db_url: str | None) -> dict[str, float]:
    """Set n states in chunks of 1,000 (yielding between chunks), then wait for the rows."""
    with tempfile.TemporaryDirectory() as tmp:
        hub = await make_bench_hub(recorder, Path(tmp), db_url)
        batches = _track_batches(hub)
        started = time.perf_counter()
        for chunk in range(0, n, 1000):
            _write_states(hub, chunk, min(1000, n - chunk))
            await asyncio.sleep(0)
        set_done = time.perf_counter() - started
        drain = await _settle(hub)
        total = time.perf_counter() - started
        await hub.stop()
    return {
        "set_per_s": n / set_done,
        "committed_per_s": n / total,
        "drain_s": drain,
        "batch_p50_ms": _pct(batches, 0.5) * 1000,
        "batch_p99_ms": _pct(batches, 0.99) * 1000,
        "batch_max_ms": max(batches, default=float("nan")) * 1000,
        "batches": len(batches),
    }


async def paced(
    recorder: bool, rate: int, seconds: float, incident_rate: int, db_url: str | None
) -> dict[str, float]:
    """Write states at `rate`/s and raise `incident_rate` incidents/s for `seconds`."""
    with tempfile.TemporaryDirectory() as tmp:
        hub = await make_bench_hub(recorder, Path(tmp), db_url)
        batches = _track_batches(hub)
        latencies: list[float] = []
        raised: list[str] = []

        async def raise_one(index: int) -> None:
            started = time.perf_counter()
            incident = await hub.incidents.raise_incident("intrusion", source=f"alarm.z{index}")
            latencies.append(time.perf_counter() - started)
            raised.append(incident.id)

        tick = 0.01
        per_tick = max(1, int(rate * tick))
        pending: set[asyncio.Task[None]] = set()
        sent = 0
        owed = 0.0
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        for t in range(int(seconds / tick)):
            _write_states(hub, sent, per_tick)
            sent += per_tick
            owed += incident_rate * tick
            while owed >= 1:
                pending.add(loop.create_task(raise_one(len(pending))))
                owed -= 1
            next_at = started + (t + 1) * tick
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
        elapsed = time.perf_counter() - started
        await asyncio.gather(*pending)
        recorder_obj = hub.components.get("recorder")
        backlog = recorder_obj.writer.queued if recorder_obj else 0
        drain = await _settle(hub)
        stored = 0
        thread_max = float("nan")
        if recorder_obj is not None:
            stored = len(await recorder_obj.store.load_many(raised))
            thread_max = recorder_obj.writer.stats.max_batch_seconds * 1000
        else:
            stored = sum(1 for i in raised if hub.incidents._incidents.get(i))
        await hub.stop()
    return {
        "target_per_s": rate,
        "achieved_per_s": sent / elapsed,
        "backlog_rows": backlog,
        "drain_s": drain,
        "batch_p50_ms": _pct(batches, 0.5) * 1000,
        "batch_p99_ms": _pct(batches, 0.99) * 1000,
        "batch_max_ms": max(batches, default=float("nan")) * 1000,
        "batch_in_db_max_ms": thread_max,
        "incidents": len(raised),
        "incidents_stored": stored,
        "raise_p50_ms": _pct(latencies, 0.5) * 1000,
        "raise_p99_ms": _pct(latencies, 0.99) * 1000,
    }


def _row(name: str, values: dict[str, float]) -> str:
    parts = [f"{k}={v:,.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in values.items()]
    return f"{name:<28} " + " ".join(parts)


async def main() -> None:
    """Run the scenarios and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--states", type=int, default=200_000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument(
        "--rates",
        default=f"{HA_STATE_WRITES},0",
        help="state writes/s of the paced runs, comma-separated",
    )
    parser.add_argument("--incident-rate", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pg-url", help="also run on PostgreSQL (postgresql+asyncpg://...)")
    parser.add_argument("--pg", action="store_true", help="also run on a throwaway PostgreSQL")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        pg_url = args.pg_url or (stack.enter_context(temporary_postgres()) if args.pg else None)
        await _run(args, pg_url)


async def _run(args: argparse.Namespace, pg_url: str | None) -> None:
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M')} load average {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} cores",
        flush=True,
    )
    targets: list[tuple[str, bool, str | None]] = [("off", False, None), ("sqlite", True, None)]
    if pg_url:
        targets.append(("postgresql", True, pg_url))
    for name, on, url in targets:
        runs = [await burst(on, args.states, url) for _ in range(args.repeat)]
        median = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        print(_row(f"burst recorder={name}", median), flush=True)
    for rate in (int(r) for r in args.rates.split(",")):
        for name, on, url in targets:
            result = await paced(on, rate, args.seconds, args.incident_rate, url)
            print(_row(f"paced recorder={name}", result), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
