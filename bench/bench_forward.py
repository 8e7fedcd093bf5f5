"""Uplink benchmark: incident raised -> signed webhook (the webhook uplink) received.

The hub runs here with the real recorder (SQLite WAL in a temp folder: the outbox item is
committed with the incident) and one webhook destination. The receiver runs in a child
process (its CPU is not the hub's), verifies every signature and reports when each
message arrived (time.time(): one clock on one machine). Latency is from just before
`raise_incident` to the receiver having the verified body.

    .venv/bin/python bench/bench_forward.py [--slow-seconds 30] [--fast-seconds 10]
        [--rate 200] [--burst 1000] [--memory]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import multiprocessing
import statistics
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import percentile

SECRET = "bench-secret-0123456789"


# ------------------------------------------------------------------ child: the receiver


def serve_receiver(conn: Connection) -> None:
    """Child process entry: a verifying webhook receiver; sends (source, arrival) batches."""
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(_serve(conn))


async def _serve(conn: Connection) -> None:
    from aiohttp import web

    from bench.hook_receiver import serve_hook
    from plugins.uplinks.webhook.signing import SignatureError, verify

    arrivals: list[tuple[str, float]] = []
    refused = 0

    async def handle(request: web.Request) -> web.Response:
        nonlocal refused
        body = await request.read()
        try:
            verify(SECRET.encode(), body, request.headers.get("X-CampusHub-Timestamp"),
                   request.headers.get("X-CampusHub-Signature"))
        except SignatureError:
            refused += 1
            return web.Response(status=401)
        message = json.loads(body)
        if message["event"] == "raised":
            arrivals.append((message["incident"]["device"]["entity_id"], time.time()))
        return web.Response(text="ok")

    def report() -> tuple[list[tuple[str, float]], int]:
        batch = (list(arrivals), refused)
        arrivals.clear()
        return batch

    await serve_hook(conn, handle, report)


# ------------------------------------------------------------------ parent: the hub


def _config(folder: Path, port: int, memory: bool) -> Path:
    recorder = "  enabled: false\n" if memory else f"  db_url: sqlite+aiosqlite:///{folder}/b.db\n"
    path = folder / "site.yaml"
    path.write_text(
        "hub:\n  site: bench_school\n"
        f"recorder:\n{recorder}"
        "uplinks:\n  - type: webhook\n    name: police\n"
        f"    url: http://127.0.0.1:{port}/hook\n"
        f"    secret: {SECRET}\n")
    return path


async def _collect(conn: Connection, sent: dict[str, float], timeout: float = 120
                   ) -> list[float]:
    """Poll the receiver until every sent source arrived; return latencies in ms."""
    loop = asyncio.get_running_loop()
    got: dict[str, float] = {}
    deadline = time.monotonic() + timeout
    while len(got) < len(sent) and time.monotonic() < deadline:
        conn.send("poll")
        arrivals, refused = await loop.run_in_executor(None, conn.recv)
        assert refused == 0, "receiver refused a signature"
        got.update(arrivals)
        await asyncio.sleep(0.05)
    missing = set(sent) - set(got)
    assert not missing, f"{len(missing)} messages never arrived"
    return [(got[s] - sent[s]) * 1000 for s in sent]


async def _paced(hub: Any, conn: Connection, rate: float, seconds: float, tag: str
                 ) -> dict[str, Any]:
    sent: dict[str, float] = {}
    commit_ms: list[float] = []

    async def one(source: str) -> None:
        started = time.time()
        sent[source] = started
        await hub.incidents.raise_incident("panic", source=source)
        commit_ms.append((time.time() - started) * 1000)

    count = int(rate * seconds)
    start = time.monotonic()
    tasks = []
    for i in range(count):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.ensure_future(one(f"bench.{tag}{i}")))
    await asyncio.gather(*tasks)
    latencies = await _collect(conn, sent)
    return {"n": count, "latency": latencies, "commit": commit_ms}


async def _burst(hub: Any, conn: Connection, count: int) -> dict[str, Any]:
    sent: dict[str, float] = {}
    start = time.time()
    cpu = time.process_time()
    for i in range(count):
        sent[f"bench.burst{i}"] = time.time()
        await hub.incidents.raise_incident("panic", source=f"bench.burst{i}")
    raised = time.time() - start
    latencies = await _collect(conn, sent)
    cpu = time.process_time() - cpu
    last = start + max(lat / 1000 + sent[s] - start for s, lat in zip(sent, latencies,
                                                                       strict=True))
    return {"n": count, "raise_s": raised, "total_s": last - start, "latency": latencies,
            "cpu_ms": cpu * 1000 / count}


def _row(name: str, values: list[float]) -> str:
    return (f"{name:<44} p50 {statistics.median(values):7.1f} ms   "
            f"p99 {percentile(values, 0.99):7.1f} ms   max {max(values):7.1f} ms   "
            f"(n={len(values)})")


async def run(args: argparse.Namespace) -> None:
    """Start the receiver and the hub, run the three loads, print the figures."""
    from hub.config import load_config
    from hub.hub import Hub
    from hub.plugins import PluginRegistry

    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=serve_receiver, args=(child,), daemon=True)
    proc.start()
    loop = asyncio.get_running_loop()
    port = await loop.run_in_executor(None, parent.recv)
    with tempfile.TemporaryDirectory() as tmp:
        config = await loop.run_in_executor(None, _config, Path(tmp), port, args.memory)
        registry = PluginRegistry()
        registry.load_entry_points(only={"webhook"})
        hub = Hub(load_config(config, {}, uplinks=registry.uplink_models()), registry)
        await hub.start()
        store = "memory (no recorder)" if args.memory else "recorder on SQLite (WAL)"
        print(f"outbox: {store}; receiver in a child process on 127.0.0.1")
        await _paced(hub, parent, 50, 1, "warm")  # connections, JIT-free warm caches
        slow = await _paced(hub, parent, 1, args.slow_seconds, "slow")
        print(_row("1 incident/s: raised -> received", slow["latency"]))
        fast = await _paced(hub, parent, args.rate, args.fast_seconds, "fast")
        print(_row(f"{args.rate:g} incidents/s: raised -> received", fast["latency"]))
        print(_row(f"{args.rate:g} incidents/s: raise_incident() returns", fast["commit"]))
        burst = await _burst(hub, parent, args.burst)
        print(f"burst of {burst['n']}: raised in {burst['raise_s']:.2f} s "
              f"({burst['n'] / burst['raise_s']:.0f}/s), all received after "
              f"{burst['total_s']:.2f} s ({burst['n'] / burst['total_s']:.0f} messages/s)")
        print(_row(f"burst of {burst['n']}: raised -> received", burst["latency"]))
        print(f"hub process CPU per incident in the burst (raise, store, sign, send, mark, "
              f"timeline step): {burst['cpu_ms']:.2f} ms")
        recorder = hub.components.get("recorder")
        if recorder is not None:
            groups = recorder.sql.group_stats
            print(f"incident-store writes (saves, delivery steps, marks): {groups.jobs} in "
                  f"{groups.groups} transactions ({groups.jobs / max(1, groups.groups):.1f} "
                  f"per commit, largest {groups.largest})")
        await hub.stop()
    parent.send("stop")
    proc.join(5)


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow-seconds", type=float, default=30)
    parser.add_argument("--fast-seconds", type=float, default=10)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--memory", action="store_true", help="no recorder: outbox in memory")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
