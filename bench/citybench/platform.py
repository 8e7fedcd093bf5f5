"""The platform under the bench: console process, worker processes, queue figures, a flood.

The console runs as `python -m city run` with `workers: 0`; the bench starts and stops the
workers (`python -m city worker`) itself, so it can count them and measure each.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import aio_pika
import aiohttp
import yaml

from city.cluster import RabbitCluster

from .fleet import ROOT
from .infra import free_port

__all__ = ["CityPlatform", "TraceLog"]

PREFIX = "campus"


class CityPlatform:
    """platform.yaml, the console process and N worker processes on a RabbitCluster."""

    def __init__(self, cluster: RabbitCluster, db_url: str, folder: Path,
                 schools: dict[str, str], heartbeat: float, partitions: int = 16) -> None:
        self.cluster = cluster
        self.folder = folder
        self.port = free_port()
        self.config_path = folder / "platform.yaml"
        self.console: asyncio.subprocess.Process | None = None
        self.workers: list[asyncio.subprocess.Process] = []
        mgmt = [f"http://{cluster.admin_user}:{cluster.admin_password}@127.0.0.1:{n.http_port}"
                for n in cluster.nodes]
        self.config: dict[str, Any] = {
            "database_url": db_url, "workers": 0, "heartbeat_interval": heartbeat,
            "log_level": "warning",
            "broker": {"amqp_urls": cluster.amqp_urls(), "management_urls": mgmt,
                       "mqtt_servers": cluster.mqtt_servers(), "partitions": partitions,
                       "topic_prefix": PREFIX},
            "console": {"host": "127.0.0.1", "port": self.port, "sound": False},
            "schools": [{"id": s, "name": f"School {s}", "district": f"d{i % 10}",
                         "password": p} for i, (s, p) in enumerate(schools.items())],
        }

    @property
    def url(self) -> str:
        """Return the console's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def _env(self) -> dict[str, str]:
        return {**os.environ, "PYTHONPATH": str(ROOT), "CITY_TRACE": "1"}

    async def start(self, admin_password: str) -> float:
        """Write platform.yaml, add the console user, start the console; return its start s."""
        self.config_path.write_text(yaml.safe_dump(self.config))
        adder = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "city", "users", "add", "bench", "--role", "city_admin",
            "--password-stdin", "--config", str(self.config_path), cwd=str(ROOT),
            env=self._env(), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT)
        out, _ = await adder.communicate((admin_password + "\n").encode())
        if adder.returncode != 0:
            raise RuntimeError(f"users add failed: {out.decode()[-1000:]}")
        began = time.monotonic()
        log = await asyncio.to_thread(open, self.folder / "console.log", "ab")
        self.console = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "city", "run", "--config", str(self.config_path),
            cwd=str(ROOT), env=self._env(), stdout=asyncio.subprocess.PIPE, stderr=log)
        log.close()
        assert self.console.stdout is not None
        line = await asyncio.wait_for(self.console.stdout.readline(), 120)
        if b"console" not in line:
            raise RuntimeError(f"the console did not start (see {self.folder}/console.log)")
        return time.monotonic() - began

    async def set_workers(self, count: int) -> None:
        """Start or stop worker processes until `count` run."""
        while len(self.workers) < count:
            log = await asyncio.to_thread(open, self.folder / f"worker{len(self.workers)}.log",
                                          "ab")
            self.workers.append(await asyncio.create_subprocess_exec(
                sys.executable, "-m", "city", "worker", "--config", str(self.config_path),
                cwd=str(ROOT), env=self._env(), stdout=log, stderr=log))
            log.close()
        while len(self.workers) > count:
            worker = self.workers.pop()
            with contextlib.suppress(ProcessLookupError):
                worker.terminate()
            await asyncio.wait_for(worker.wait(), 20)

    async def queue_totals(self) -> dict[str, float]:
        """Return the ingest queues' summed ready+unacked messages and publish/ack counters."""
        node = next(n for n in self.cluster.nodes if n.running)
        auth = aiohttp.BasicAuth(self.cluster.admin_user, self.cluster.admin_password)
        async with aiohttp.ClientSession(auth=auth) as session, session.get(
                f"http://127.0.0.1:{node.http_port}/api/queues/%2F",
                params={"columns": "name,messages,message_stats"},
                timeout=aiohttp.ClientTimeout(total=30)) as resp:
            queues = await resp.json()
        total = {"messages": 0.0, "publish": 0.0, "ack": 0.0}
        for queue in queues:
            if not str(queue.get("name", "")).startswith("city.ingest."):
                continue
            stats = queue.get("message_stats") or {}
            total["messages"] += queue.get("messages") or 0
            total["publish"] += stats.get("publish") or 0
            total["ack"] += stats.get("ack") or 0
        return total

    async def active_partitions(self) -> list[int]:
        """Return how many partitions each consuming connection is the active consumer of
        (single active consumer: the other consumers of a queue wait), most first."""
        node = next(n for n in self.cluster.nodes if n.running)
        auth = aiohttp.BasicAuth(self.cluster.admin_user, self.cluster.admin_password)
        async with aiohttp.ClientSession(auth=auth) as session, session.get(
                f"http://127.0.0.1:{node.http_port}/api/consumers/%2F",
                timeout=aiohttp.ClientTimeout(total=30)) as resp:
            consumers = await resp.json()
        per: dict[str, int] = {}
        for consumer in consumers:
            if not str(consumer.get("queue", {}).get("name", "")).startswith("city.ingest."):
                continue
            peer = str(consumer.get("channel_details", {}).get("peer_port"))
            per.setdefault(peer, 0)
            if consumer.get("active") or consumer.get("activity_status") == "single_active":
                per[peer] += 1
        return sorted(per.values(), reverse=True)

    async def waiting(self) -> int:
        """Return the messages ready in the ingest queues now (AMQP passive declare: exact,
        unlike the management API's figures, which lag by its 5 s statistics interval)."""
        partitions = int(self.config["broker"]["partitions"])
        connection = await aio_pika.connect(self.cluster.amqp_url(
            next(n for n in self.cluster.nodes if n.running)))
        try:
            channel = await connection.channel()
            total = 0
            for k in range(partitions):
                queue = await channel.declare_queue(f"city.ingest.{k:03d}", passive=True)
                total += queue.declaration_result.message_count or 0
            return total
        finally:
            await connection.close()

    async def flood(self, schools: list[str], count: int) -> float:
        """Publish `count` heartbeats for these schools straight to amq.topic; return seconds.

        This is how a backlog for the drain measurement is made quickly: the same message a
        school's uplink sends, through the same exchange and bindings, without MQTT.
        """
        began = time.monotonic()
        connection = await aio_pika.connect(self.cluster.amqp_url())
        try:
            channel = await connection.channel()
            exchange = await channel.get_exchange("amq.topic")
            now = time.time()
            for start in range(0, count, 500):
                await asyncio.gather(*(exchange.publish(aio_pika.Message(json.dumps({
                    "site": schools[k % len(schools)], "at": now + k * 1e-4,
                    "seq": 1_000_000 + k, "interval": 30}).encode()),
                    routing_key=f"{PREFIX}.{schools[k % len(schools)]}.heartbeat")
                    for k in range(start, min(count, start + 500))))
        finally:
            await connection.close()
        return time.monotonic() - began

    @property
    def worker_pids(self) -> list[int]:
        """Return the running worker processes."""
        return [w.pid for w in self.workers if w.returncode is None]

    async def stop(self) -> None:
        """Stop the workers and the console."""
        await self.set_workers(0)
        if self.console is not None and self.console.returncode is None:
            self.console.terminate()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.console.wait(), 20)
            if self.console.returncode is None:
                self.console.kill()


class TraceLog:
    """The hop times the console and the workers log with CITY_TRACE=1 (city/trace.py), per
    (school, incident id), first revision only (the press): {hop.field: wall time}."""

    STAGES = (("worker", "consumed", "worker took it off the broker"),
              ("worker", "began", "worker began its batch"),
              ("worker", "committed", "worker committed (PostgreSQL)"),
              ("console", "notified", "console got the NOTIFY"),
              ("console", "read", "console read the incident"),
              ("console", "sent", "console sent it to the WebSockets"))

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.seen: dict[str, dict[tuple[str, str], float]] = {
            name: {} for _hop, _field, name in self.STAGES}
        self._offsets: dict[Path, int] = {}

    def refresh(self) -> None:
        """Read what the logs gained since the last call."""
        for path in sorted(self.folder.glob("*.log")):
            with path.open("rb") as f:
                f.seek(self._offsets.get(path, 0))
                data = f.read()
            end = data.rfind(b"\n") + 1
            self._offsets[path] = self._offsets.get(path, 0) + end
            for line in data[:end].decode("utf-8", "replace").splitlines():
                self._line(line)

    def _line(self, line: str) -> None:
        _, mark, rest = line.partition("city.trace: ")
        if not mark:
            return
        hop, _, raw = rest.partition(" ")
        with contextlib.suppress(ValueError):
            record = json.loads(raw)
            if record.get("rev") != 1:
                return
            key = (str(record["school"]), str(record["id"]))
            for stage_hop, name, label in self.STAGES:
                if stage_hop == hop and isinstance(record.get(name), int | float):
                    self.seen[label].setdefault(key, float(record[name]))
