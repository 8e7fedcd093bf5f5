"""City platform scale bench (issue 14, "How well"): 1,000 school hubs on a broker cluster.

    .venv/bin/python bench/bench_city.py [--broker rabbitmq|nats|both] [--schools 1000]
        [--processes 4] [--duration 120] [--settle 30] [--heartbeat 30] [--speed 1] [--bursts 3]
        [--burst-schools 100] [--workers 1,2] [--flood 20000] [--no-restart] [--quick]

Every school is a real hub (city/school.py: hub.Hub, recorder off) publishing through the
hub's own MQTT uplink (plugins/uplinks/mqtt): retained status, heartbeats every
`--heartbeat` s, the gates' duties (on change and every 10th beat), device availability
changes and incidents at `--incidents-per-hour` and `--device-changes-per-hour` per school;
`--speed` multiplies every rate. The schools run in `--processes` processes.

RabbitMQ (city/cluster.py, 3 nodes, MQTT plugin, quorum queues): the platform as it runs
(`python -m city run` for the console, `python -m city worker` per worker, PostgreSQL).
Measured: panic pressed at a school -> alarm on the console's WebSocket (a logged-in
client of /api/live) p50/p99 during bursts of `--burst-schools` panics within 1 s;
messages/s taken in and applied; the drain rate of a backlog with 1 and 2 workers
(`--workers`); CPU (% of one core) and RSS of the broker nodes, workers, console,
PostgreSQL and school processes; a projection to 10,000 schools; a full cluster restart.

NATS (Debian's nats-server, 3 nodes, JetStream, its MQTT listener): the same schools and
load; the platform's worker speaks AMQP, so what is compared is the broker side: school hub
-> broker -> an MQTT subscriber with a persistent QoS 1 session (run on RabbitMQ too), a
JetStream stream (R3) holding every school message as the quorum queues do, broker CPU and
memory, and the full restart. It needs nats-server >= 2.10 (`pip install -e '.[bench]'`, or
CAMPUS_HUB_NATS_BIN): Debian 12's 2.9.10 refuses MQTT topics with '.', which hubs publish.
A full run takes ~20 minutes (RabbitMQ's restart alone ~3); `--quick` ~6.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.citybench.fleet import ConsoleAlarms, MqttProbe, SchoolFleet  # noqa: E402
from bench.citybench.infra import NatsCluster, Postgres, ProcessMeter, nats_version  # noqa: E402
from bench.citybench.phases import Receiver, restart, say, steady  # noqa: E402
from bench.citybench.report import print_restart, print_steady, project  # noqa: E402


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--broker", choices=("rabbitmq", "nats", "both"), default="both")
    parser.add_argument("--schools", type=int, default=1000)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--duration", type=float, default=120.0, help="steady load, s")
    parser.add_argument("--settle", type=float, default=30.0,
                        help="s between all schools connected and the steady window (what "
                        "hubs send on connecting is not counted as steady load)")
    parser.add_argument("--heartbeat", type=float, default=30.0)
    parser.add_argument("--incidents-per-hour", type=float, default=2.0)
    parser.add_argument("--device-changes-per-hour", type=float, default=1.0)
    parser.add_argument("--speed", type=float, default=1.0, help="multiplies every rate")
    parser.add_argument("--bursts", type=int, default=3)
    parser.add_argument("--burst-schools", type=int, default=100)
    parser.add_argument("--burst-spread", type=float, default=1.0)
    parser.add_argument("--workers", default="1,2", help="worker counts for the drain test")
    parser.add_argument("--flood", type=int, default=20000, help="backlog for the drain test")
    parser.add_argument("--backlog", type=int, default=3, help="incidents per school in the "
                        "restart test")
    parser.add_argument("--restart-timeout", type=float, default=420.0)
    parser.add_argument("--no-restart", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--quick", action="store_true",
                        help="100 schools, 2 processes, 30 s, 2 bursts of 20, flood 3000")
    args = parser.parse_args()
    if args.quick:
        args.schools, args.processes, args.duration = 100, 2, 30.0
        args.bursts, args.burst_schools, args.flood = 2, 20, 3000
    return args


def _common(args: argparse.Namespace, servers: list[str]) -> dict[str, Any]:
    return {"servers": servers, "heartbeat": args.heartbeat / args.speed,
            "incidents_per_hour": args.incidents_per_hour,
            "device_changes_per_hour": args.device_changes_per_hour, "speed": args.speed}


async def _connect(fleet: SchoolFleet, schools: dict[str, str], args: argparse.Namespace,
                   servers: list[str]) -> dict[str, float]:
    start = await fleet.start([{"id": s, "password": p} for s, p in schools.items()],
                              _common(args, servers))
    say(f"{len(schools)} school hubs started in {args.processes} processes "
        f"(slowest process {start:.1f} s)")
    connected = await fleet.wait_connected(len(schools), 300)
    say(f"all {len(schools)} schools connected {connected:.1f} s later; settling "
        f"{args.settle:.0f} s")
    await asyncio.sleep(args.settle)
    return {"start_s": start, "connect_s": connected}


async def run_rabbitmq(args: argparse.Namespace, schools: dict[str, str],
                       folder: Path) -> dict[str, Any]:
    """The platform on RabbitMQ: load, bursts, drain per worker, restart."""
    from bench.citybench.platform import CityPlatform, TraceLog
    from city.cluster import RabbitCluster

    out: dict[str, Any] = {"broker": "rabbitmq 3-node (Debian rabbitmq-server)"}
    postgres, cluster = Postgres(), RabbitCluster(3, root=folder / "rabbit")
    fleet = SchoolFleet(args.processes, folder)
    platform: CityPlatform | None = None
    alarms: ConsoleAlarms | None = None
    probe: MqttProbe | None = None
    try:
        began = time.monotonic()
        await asyncio.gather(asyncio.to_thread(postgres.start), asyncio.to_thread(cluster.start))
        say(f"rabbitmq: 3-node cluster and PostgreSQL up in {time.monotonic() - began:.1f} s")
        platform = CityPlatform(cluster, postgres.url, folder, schools,
                                heartbeat=args.heartbeat / args.speed)
        admin = secrets.token_urlsafe(12)
        took = await platform.start(admin)
        say(f"console up (migrated, {len(schools)} schools provisioned) in {took:.1f} s")
        await platform.set_workers(1)
        alarms = ConsoleAlarms(platform.url, "bench", admin)
        await alarms.start()
        probe = MqttProbe(cluster.mqtt_servers(), cluster.admin_user, cluster.admin_password)
        await probe.start()
        meter = ProcessMeter()
        brokers = [n.process.pid for n in cluster.nodes if n.process is not None]
        meter.begin({"broker": brokers})
        await asyncio.sleep(2)
        idle = meter.end()["broker"]
        out.update(await _connect(fleet, schools, args, cluster.mqtt_servers()))
        groups = {"broker (3 nodes)": brokers, "worker": platform.worker_pids,
                  "console": [platform.console.pid] if platform.console else [],
                  "postgresql": postgres.pids(), "schools": fleet.pids}
        say(f"steady load {args.duration:.0f} s, 1 worker, speed x{args.speed}")
        traces = TraceLog(folder)
        stages = [Receiver(name, traces.seen[name], refresh=traces.refresh)
                  for _hop, _field, name in TraceLog.STAGES]
        result = await steady(fleet, groups, args.duration, args.bursts, args.burst_schools,
                              args.burst_spread, [
                                  Receiver("MQTT subscriber", probe.seen, chain=False),
                                  *stages[:2],
                                  Receiver("worker applied (received_at)", alarms.applied),
                                  *stages[2:],
                                  Receiver("console WebSocket", alarms.seen)],
                              platform.queue_totals)
        out["steady"] = print_steady(result, len(schools), idle)
        out["drain"] = await _drain(args, platform, list(schools))
        out["projection"] = project(out["steady"], out["drain"], len(schools), args.speed)
        if not args.no_restart:
            await platform.set_workers(1)

            def restart_cluster() -> float:
                t = time.monotonic()
                cluster.restart(timeout=args.restart_timeout, every_node=False)
                return time.monotonic() - t

            def wait_every() -> float:
                t = time.monotonic()
                cluster.wait_cluster(args.restart_timeout)
                return time.monotonic() - t

            say("restart: every RabbitMQ node killed and started again")
            res = await restart(fleet, restart_cluster, wait_every, probe.order, probe.revisions,
                                lambda: {"broker (3 nodes)": [n.process.pid for n in cluster.nodes
                                                              if n.process is not None]},
                                args.backlog, args.restart_timeout)
            res.extra["platform_backlog"] = await _stored_backlog(
                postgres.url, len(schools) * args.backlog, 120)
            out["restart"] = print_restart(res, len(schools), args.backlog)
    finally:
        for closer in (alarms, probe):
            if closer is not None:
                await closer.stop()
        await fleet.stop()
        if platform is not None:
            await platform.stop()
        await asyncio.to_thread(cluster.stop)
        await asyncio.to_thread(postgres.stop)
    return out


async def _drain(args: argparse.Namespace, platform: Any, schools: list[str]) -> dict[str, Any]:
    """Stop the workers, flood a backlog, time how fast 1, then 2 workers apply it."""
    figures: dict[str, Any] = {}
    for count in (int(c) for c in args.workers.split(",")):
        await platform.set_workers(0)
        await asyncio.sleep(1)
        took = await platform.flood(schools, args.flood)
        waiting = await platform.waiting()
        meter = ProcessMeter()
        began = time.monotonic()
        await platform.set_workers(count)
        meter.begin({"workers": platform.worker_pids})
        left = waiting
        while left > 0 and time.monotonic() - began < 600:
            await asyncio.sleep(0.25)
            left = await platform.waiting()
        seconds = time.monotonic() - began
        usage = meter.end()["workers"]
        # From the workers' start (process start-up included) until no message is ready;
        # the schools' own messages meanwhile (a few per second) are not counted.
        rate = (waiting - left) / seconds
        spread = await platform.active_partitions()
        figures[str(count)] = {"backlog": waiting, "seconds": seconds, "msgs_per_s": rate,
                               "worker_cpu_pct": usage[0], "worker_rss_mib": usage[1],
                               "active_partitions": spread}
        say(f"drain: {count} worker(s) applied a backlog of {waiting:.0f} messages (flooded "
            f"in {took:.1f} s) in {seconds:.1f} s = {rate:.0f} msg/s; workers CPU "
            f"{usage[0]:.0f} % of a core, RSS {usage[1]:.0f} MiB (incl. start-up); active "
            f"partitions per worker {spread}")
    # A worker added to one that already consumes: which partitions does it get?
    await platform.set_workers(1)
    await asyncio.sleep(5)
    await platform.set_workers(2)
    began = time.monotonic()  # the management API lists consumers after its stats interval
    while len(figures.setdefault("added", [])) < 2 and time.monotonic() - began < 30:
        await asyncio.sleep(2)
        figures["added"] = await platform.active_partitions()
    say(f"a second worker added to a running one: active partitions per worker "
        f"{figures['added']}")
    return figures


async def _stored_backlog(db_url: str, want: int, timeout: float) -> dict[str, float]:
    import asyncpg

    dsn = db_url.replace("postgresql+asyncpg", "postgresql").split("?")[0]
    began = time.monotonic()
    conn = await asyncpg.connect(dsn, ssl=False)
    try:
        while True:
            count = await conn.fetchval(
                "SELECT count(*) FROM incidents WHERE category = 'backlog_check'")
            if count >= want or time.monotonic() - began > timeout:
                return {"stored": float(count), "want": float(want),
                        "waited_s": time.monotonic() - began}
            await asyncio.sleep(1)
    finally:
        await conn.close()


async def run_nats(args: argparse.Namespace, schools: dict[str, str],
                   folder: Path) -> dict[str, Any]:
    """The same schools and load on NATS JetStream's MQTT: the broker side."""
    version = ".".join(map(str, nats_version()))
    out: dict[str, Any] = {"broker": f"nats-server {version} 3-node JetStream + MQTT"}
    bench_password = secrets.token_urlsafe(12)
    cluster = NatsCluster({**schools, "bench": bench_password})
    fleet = SchoolFleet(args.processes, folder)
    probe: MqttProbe | None = None
    try:
        began = time.monotonic()
        await asyncio.to_thread(cluster.start)
        say(f"nats: 3-node cluster up in {time.monotonic() - began:.1f} s")
        reply = await asyncio.to_thread(cluster.request, "$JS.API.STREAM.CREATE.CITY", {
            "name": "CITY", "subjects": ["campus.>"], "storage": "file", "num_replicas": 3},
            "bench", bench_password)
        if "error" in reply:
            raise RuntimeError(f"stream CITY: {reply['error']}")

        async def counters() -> dict[str, float]:
            info = await asyncio.to_thread(cluster.request, "$JS.API.STREAM.INFO.CITY", {},
                                           "bench", bench_password)
            state: Any = info.get("state", {})
            return {"publish": float(state.get("messages", 0)), "ack": 0.0}

        probe = MqttProbe(cluster.mqtt_servers(), "bench", bench_password)
        await probe.start()
        meter = ProcessMeter()
        meter.begin({"broker": cluster.pids()})
        await asyncio.sleep(2)
        idle = meter.end()["broker"]
        out.update(await _connect(fleet, schools, args, cluster.mqtt_servers()))
        groups = {"broker (3 nodes)": cluster.pids(), "schools": fleet.pids}
        say(f"steady load {args.duration:.0f} s, speed x{args.speed}")
        result = await steady(fleet, groups, args.duration, args.bursts, args.burst_schools,
                              args.burst_spread,
                              [Receiver("MQTT subscriber", probe.seen, chain=False)], counters)
        out["steady"] = print_steady(result, len(schools), idle)
        out["projection"] = project(out["steady"], {}, len(schools), args.speed)
        if not args.no_restart:
            def restart_cluster() -> float:
                t = time.monotonic()
                for node in cluster.nodes:
                    cluster.kill_node(node)
                for node in cluster.nodes:
                    cluster.start_node(node)
                cluster.wait(args.restart_timeout, every=False)
                return time.monotonic() - t

            def wait_every() -> float:
                return cluster.wait(args.restart_timeout)

            say("restart: every NATS node killed and started again")
            res = await restart(fleet, restart_cluster, wait_every, probe.order, probe.revisions,
                                lambda: {"broker (3 nodes)": cluster.pids()},
                                args.backlog, args.restart_timeout)
            out["restart"] = print_restart(res, len(schools), args.backlog)
    finally:
        if probe is not None:
            await probe.stop()
        await fleet.stop()
        await asyncio.to_thread(cluster.stop)
    return out


async def main() -> None:
    """Run the bench on the chosen broker(s) and print the figures."""
    args = _args()
    tag = secrets.token_hex(2)
    schools = {f"b{tag}{i:05d}": secrets.token_urlsafe(12) for i in range(args.schools)}
    folder = Path(tempfile.mkdtemp(prefix="campus-citybench-"))
    say(f"city bench: {args.schools} schools, heartbeat {args.heartbeat} s, speed "
        f"x{args.speed}, logs in {folder}")
    figures: dict[str, Any] = {"args": {k: str(v) for k, v in vars(args).items()},
                               "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    for name, run in (("rabbitmq", run_rabbitmq), ("nats", run_nats)):
        if args.broker in (name, "both"):
            try:
                figures[name] = await run(args, schools, folder)
            except Exception as exc:  # the other broker is still measured
                say(f"{name}: the bench failed: {type(exc).__name__}: {exc}")
                figures[name] = {"error": f"{type(exc).__name__}: {exc}"}
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1, default=str))


if __name__ == "__main__":
    asyncio.run(main())
