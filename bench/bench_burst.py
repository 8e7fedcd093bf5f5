"""Burst bench (issue 10, "How well"): 1,000 incidents at ~200/s with 200 WebSocket clients open.

    .venv/bin/python bench/bench_burst.py [--incidents 1000] [--rate 200] [--clients 200]
        [--probe-interval 0.01] [--idle 3] [--no-recorder]

A real hub in its own process, started as `campus-hub run` starts one (every installed
plugin, the recorder on SQLite in a temporary data folder, the HTTP server, one webhook
uplink for the panic category); 200 WebSocket clients (a guard's token, subscribed to
incident_raised and incident_updated, as the panel does) in a second process; a
`/api/health` prober in a third (one request at a time on one connection, every 10 ms);
the webhook receiver in a fourth. This process raises the incidents as a guard would,
`POST /api/services/incident/raise`, at the given rate without waiting for answers.

Prints `/api/health` latency while idle (clients open) and during the burst (from the first
raise until every client and the receiver has every incident), and what was lost:
incidents acknowledged (200), stored (`/api/incidents`), seen by each client, received
by the webhook receiver; the hub's CPU and RSS. Issue 10's goal: p99 under 50 ms, nothing
lost. `--no-recorder` runs the hub without its database (to see the recorder's share);
BURST_PROFILE=<file> writes a cProfile of the hub's event loop thread.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET = "bench-secret-0123456789"
CATEGORY = "panic"  # forwarded to the police: every incident is also an uplink item


# ------------------------------------------------------------------ the hub (own process)


async def _run_hub(data_dir: str, receiver: str) -> None:
    from hub.config import validate_config
    from hub.heap import settle
    from hub.http import HttpComponent
    from hub.hub import Hub
    from hub.plugins import PluginRegistry

    raw = {
        "hub": {"data_dir": data_dir},
        "recorder": {"enabled": not os.environ.get("BURST_NO_RECORDER")},
        "http": {"port": 0},
        "uplinks": [{"type": "webhook", "name": "police", "url": receiver, "secret": SECRET}],
    }
    registry = PluginRegistry()
    registry.load_entry_points()
    hub = Hub(validate_config(raw, registry.config_models(),
                              uplinks=registry.uplink_models()), registry)
    settle("created")
    await hub.start()
    settle("started")
    http = hub.components["http"]
    assert isinstance(http, HttpComponent)
    await http.started.wait()
    tokens = {}
    for role in ("guard", "admin"):
        await http.store.add_user(role, role, "bench password 1")
        tokens[role], _ = await http.store.create_token(role, "bench")
    print("READY " + json.dumps({"url": http.url, "tokens": tokens, "pid": os.getpid()}),
          flush=True)
    if os.environ.get("BURST_PROFILE"):  # where the hub's time goes: cProfile until SIGTERM
        import cProfile
        import signal

        profile = cProfile.Profile()
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        profile.enable()
        await stop.wait()
        profile.disable()
        profile.dump_stats(os.environ["BURST_PROFILE"])
        return
    await asyncio.Event().wait()


# ------------------------------------------------------------------ the clients (own process)


def run_clients(conn: Connection, url: str, token: str, count: int) -> None:
    """Child: `count` WebSocket clients; answers 'seen' with per-client incident counts."""
    asyncio.run(_clients(conn, url, token, count))


async def _clients(conn: Connection, url: str, token: str, count: int) -> None:
    import aiohttp

    seen: list[set[str]] = [set() for _ in range(count)]
    closed = [0]
    subscribed = asyncio.Semaphore(0)

    async def client(session: aiohttp.ClientSession, mine: set[str]) -> None:
        async with session.ws_connect(url + "/api/websocket", max_msg_size=0,
                                      headers={"Authorization": f"Bearer {token}"}) as ws:
            await ws.send_json({"id": 99, "type": "supported_features",
                                "features": {"coalesce_messages": 1}})  # as the panel does
            for n, event_type in enumerate(("incident_raised", "incident_updated"), 1):
                await ws.send_json({"id": n, "type": "subscribe_events",
                                    "event_type": event_type})
            answers = 0
            async for raw in ws:
                data = json.loads(raw.data)
                for msg in data if isinstance(data, list) else [data]:
                    if msg.get("type") == "result":
                        answers += 1
                        if answers == 3:
                            subscribed.release()
                    elif msg.get("type") == "event" and msg["id"] == 1:
                        mine.add(msg["event"]["data"]["incident_id"])
        closed[0] += 1

    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        tasks = [asyncio.create_task(client(session, mine)) for mine in seen]
        for _ in range(count):
            await subscribed.acquire()
        conn.send("ready")
        while True:
            command = await asyncio.to_thread(conn.recv)
            if command == "stop":
                break
            conn.send({"counts": [len(s) for s in seen], "closed": closed[0]})
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


# ------------------------------------------------------------------ the prober (own process)


def run_prober(conn: Connection, url: str, interval: float) -> None:
    """Child: GET /api/health every `interval` s from 'start' to 'stop'; send the samples."""
    asyncio.run(_prober(conn, url, interval))


async def _prober(conn: Connection, url: str, interval: float) -> None:
    import aiohttp

    samples: list[tuple[float, float, int]] = []  # (sent at, latency s, status)
    stop = asyncio.Event()

    async def probe(session: aiohttp.ClientSession) -> None:
        while not stop.is_set():
            sent, began = time.time(), time.perf_counter()
            try:
                async with session.get(url + "/api/health") as resp:
                    await resp.read()
                    status = resp.status
            except aiohttp.ClientError:
                status = 0
            samples.append((sent, time.perf_counter() - began, status))
            await asyncio.sleep(interval)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as session:
        assert await asyncio.to_thread(conn.recv) == "start"
        task = asyncio.create_task(probe(session))
        assert await asyncio.to_thread(conn.recv) == "stop"
        stop.set()
        await task
    conn.send(samples)


# ------------------------------------------------------------------ the receiver (own process)


def run_receiver(conn: Connection) -> None:
    """Child: the webhook receiver; answers 'count' with the distinct incidents raised."""
    asyncio.run(_receiver(conn))


async def _receiver(conn: Connection) -> None:
    from aiohttp import web

    from bench.hook_receiver import serve_hook

    raised: set[str] = set()

    async def handle(request: web.Request) -> web.Response:
        message = json.loads(await request.read())
        if message["event"] == "raised":
            raised.add(message["incident"]["id"])
        return web.Response(text="ok")

    await serve_hook(conn, handle, lambda: len(raised))


# ------------------------------------------------------------------ this process: the burst


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def _latency_line(name: str, samples: list[tuple[float, float, int]]) -> str:
    lat = [s[1] for s in samples]
    bad = sum(1 for s in samples if s[2] != 200)
    if not lat:
        return f"  {name}: no samples"
    return (f"  {name}: {len(lat)} requests, p50 {statistics.median(lat) * 1000:.1f} / "
            f"p95 {_ms(lat, 0.95):.1f} / p99 {_ms(lat, 0.99):.1f} / max {max(lat) * 1000:.1f} "
            f"ms, not 200: {bad}")


async def _raise_all(url: str, token: str, count: int, rate: float
                     ) -> tuple[list[int], float, float]:
    import aiohttp

    statuses: list[int] = []

    async def one(session: aiohttp.ClientSession, n: int) -> None:
        body = {"category": CATEGORY, "source": f"binary_sensor.bench_{n}",
                "message": f"bench {n}", "data": {"n": n}}
        try:
            async with session.post(url + "/api/services/incident/raise", json=body,
                                    headers={"Authorization": f"Bearer {token}"}) as resp:
                await resp.read()
                statuses.append(resp.status)
        except aiohttp.ClientError:
            statuses.append(0)

    # 32 connections: with 200 clients and the prober, under the server's per-address cap
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=32)) as session:
        began = time.time()
        tasks = []
        for n in range(count):
            delay = began + n / rate - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(session, n)))
        raised = time.time()
        await asyncio.gather(*tasks)
    return statuses, began, raised


async def _stored(url: str, token: str) -> int:
    import aiohttp

    found, cursor = 0, None
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session:
        while True:
            query = {"status": "all", "category": CATEGORY, "limit": "500"}
            if cursor:
                query["cursor"] = cursor
            async with session.get(url + "/api/incidents", params=query) as resp:
                page = await resp.json()
            found += sum(1 for i in page["items"]
                         if str(i.get("source", "")).startswith("binary_sensor.bench_"))
            cursor = page["next_cursor"]
            if not cursor:
                return found


async def _main(args: argparse.Namespace) -> None:
    ctx = multiprocessing.get_context("spawn")
    rx_parent, rx_child = ctx.Pipe()
    receiver = ctx.Process(target=run_receiver, args=(rx_child,), daemon=True)
    receiver.start()
    hook = f"http://127.0.0.1:{rx_parent.recv()}/hook"
    data_dir = tempfile.mkdtemp(prefix="hub-burst-")
    hub = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--hub", data_dir, hook, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE)
    assert hub.stdout is not None
    while not (line := (await hub.stdout.readline()).decode()).startswith("READY "):
        if not line:
            raise RuntimeError("the hub exited before it was ready")
    ready = json.loads(line[6:])
    url, guard, pid = ready["url"], ready["tokens"]["guard"], ready["pid"]

    cl_parent, cl_child = ctx.Pipe()
    clients = ctx.Process(target=run_clients, args=(cl_child, url, guard, args.clients),
                          daemon=True)
    clients.start()
    assert await asyncio.to_thread(cl_parent.recv) == "ready"
    pr_parent, pr_child = ctx.Pipe()
    prober = ctx.Process(target=run_prober, args=(pr_child, url, args.probe_interval),
                         daemon=True)
    prober.start()
    pr_parent.send("start")
    print(f"{args.clients} WebSocket clients open; idle {args.idle:.0f} s", flush=True)
    await asyncio.sleep(args.idle)

    cpu0, load0 = _cpu_seconds(pid), os.getloadavg()
    statuses, began, raised = await _raise_all(url, guard, args.incidents, args.rate)
    answered = time.time()
    deadline = time.time() + 120
    while True:
        cl_parent.send("seen")
        seen = await asyncio.to_thread(cl_parent.recv)
        rx_parent.send("count")
        received = await asyncio.to_thread(rx_parent.recv)
        if (min(seen["counts"]) >= args.incidents and received >= args.incidents) \
                or time.time() > deadline:
            break
        await asyncio.sleep(0.05)
    done = time.time()
    cpu = _cpu_seconds(pid) - cpu0
    pr_parent.send("stop")
    samples = await asyncio.to_thread(pr_parent.recv)
    stored = await _stored(url, ready["tokens"]["admin"])
    rss = _rss_mib(pid)

    idle = [s for s in samples if s[0] < began]
    burst = [s for s in samples if began <= s[0] <= done]
    ok = sum(1 for s in statuses if s == 200)
    print(f"Burst: {args.incidents} incidents at {args.rate:.0f}/s, {args.clients} WebSocket "
          f"clients, load before {load0[0]:.1f}, after {os.getloadavg()[0]:.1f}")
    print(f"  raising took {raised - began:.2f} s, last answer at {answered - began:.2f} s, "
          f"everything delivered at {done - began:.2f} s")
    print("/api/health latency:")
    print(_latency_line("idle, clients open", idle))
    print(_latency_line("burst", burst))
    print("Lost:")
    print(f"  acknowledged (200): {ok}/{args.incidents}; stored: {stored}/{args.incidents}")
    print(f"  WebSocket clients with every incident: "
          f"{sum(1 for c in seen['counts'] if c >= args.incidents)}/{args.clients} "
          f"(fewest {min(seen['counts'])}), connections closed by the hub: {seen['closed']}")
    print(f"  webhook receiver: {received}/{args.incidents}")
    print(f"Hub: CPU {cpu:.2f} s during the burst ({cpu / args.incidents * 1000:.2f} ms per "
          f"incident), RSS {rss:.0f} MiB after")
    hub.terminate()
    await hub.wait()
    for pipe in (cl_parent, rx_parent):
        pipe.send("stop")
    for proc in (clients, receiver, prober):
        proc.join(10)


def main() -> None:
    """Run the bench (or, with --hub, be the hub process)."""
    if len(sys.argv) == 4 and sys.argv[1] == "--hub":
        import logging

        logging.basicConfig(level=logging.WARNING)
        asyncio.run(_run_hub(sys.argv[2], sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=200.0, help="incidents raised per second")
    parser.add_argument("--clients", type=int, default=200, help="WebSocket clients open")
    parser.add_argument("--probe-interval", type=float, default=0.01)
    parser.add_argument("--idle", type=float, default=3.0, help="seconds probed before")
    parser.add_argument("--no-recorder", action="store_true", help="the hub without database")
    args = parser.parse_args()
    if args.no_recorder:
        os.environ["BURST_NO_RECORDER"] = "1"  # read by the hub process
    asyncio.run(_main(args))


if __name__ == "__main__":
    main()
