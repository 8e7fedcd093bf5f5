"""Audit bench: what a durable audit row (`hub.audit_committed`) costs next to `hub.audit`.

    .venv/bin/python bench/bench_audit.py [--calls 500] [--concurrent 50]

Starts a hub with the recorder on SQLite in a temporary folder (history commit interval
1 s) and prints: `hub.audit` (queued with history) per call; `audit_committed` one at a time
(p50/p99: the wait a login, a gate command or a face-image read now adds before its answer);
and `--concurrent` callers at once (group commit: rows/s and p99), while 20k states/s are
written as background history.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hub import Context
from hub.testing import make_hub


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _background_states(hub: object, stop: asyncio.Event) -> None:
    n = 0
    while not stop.is_set():
        for _ in range(200):
            hub.states.set(f"sensor.bg_{n % 50}", str(n))  # type: ignore[attr-defined]
            n += 1
        await asyncio.sleep(0.01)


async def run(args: argparse.Namespace) -> None:
    """Measure and print."""
    with tempfile.TemporaryDirectory() as folder:
        harness = await make_hub(Path(folder), "recorder:\n  commit_interval: 1\n")
        hub = harness.hub
        who = Context(user_id="guard")
        started = time.perf_counter()
        for n in range(args.calls):
            hub.audit("bench.fire", target=str(n), context=who)
        fired = (time.perf_counter() - started) / args.calls
        stop = asyncio.Event()
        background = asyncio.get_running_loop().create_task(_background_states(hub, stop))
        one: list[float] = []
        for n in range(args.calls):
            t0 = time.perf_counter()
            await hub.audit_committed("bench.one", target=str(n), context=who)
            one.append(time.perf_counter() - t0)

        async def caller(n: int) -> float:
            t0 = time.perf_counter()
            await hub.audit_committed("bench.many", target=str(n), context=who)
            return time.perf_counter() - t0

        t0 = time.perf_counter()
        many: list[float] = []
        for _ in range(args.calls // args.concurrent):
            many += await asyncio.gather(*(caller(n) for n in range(args.concurrent)))
        elapsed = time.perf_counter() - t0
        stop.set()
        await background
        await hub.stop()
    print(f"hub.audit (queued with history): {fired * 1e6:.1f} us per call")
    print(f"audit_committed one at a time (n={len(one)}): p50 {_pct(one, .5) * 1e3:.2f} ms, "
          f"p99 {_pct(one, .99) * 1e3:.2f} ms, mean {statistics.mean(one) * 1e3:.2f} ms")
    print(f"audit_committed {args.concurrent} at once (n={len(many)}): "
          f"{len(many) / elapsed:.0f} rows/s, p50 {_pct(many, .5) * 1e3:.2f} ms, "
          f"p99 {_pct(many, .99) * 1e3:.2f} ms")


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--concurrent", type=int, default=50)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
