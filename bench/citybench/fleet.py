"""The bench's side of the schools and of what receives them.

SchoolFleet: several processes of school hubs (bench/citybench/schools.py), spoken to in JSON
lines. ConsoleAlarms: a real console WebSocket client (logged in, /api/live) that notes when
each alarm arrives. MqttProbe: an MQTT subscriber with a persistent QoS 1 session that notes
when each incident message arrives and in which order (the broker-side view, for both
brokers).
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

import aiohttp
import aiomqtt

__all__ = ["ConsoleAlarms", "MqttProbe", "SchoolFleet"]

ROOT = Path(__file__).resolve().parent.parent.parent


class SchoolFleet:
    """N processes, each running a share of the schools."""

    def __init__(self, processes: int, log_dir: Path) -> None:
        self.count = processes
        self.log_dir = log_dir
        self.procs: list[asyncio.subprocess.Process] = []
        self.owner: dict[str, int] = {}

    async def start(self, schools: list[dict[str, str]], common: dict[str, Any]) -> float:
        """Start the processes with the schools dealt round-robin; return the slowest start."""
        shares: list[list[dict[str, str]]] = [[] for _ in range(self.count)]
        for i, school in enumerate(schools):
            shares[i % self.count].append(school)
            self.owner[school["id"]] = i % self.count
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        for i, share in enumerate(shares):
            stderr = await asyncio.to_thread(open, self.log_dir / f"schools{i}.log", "ab")
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bench.citybench.schools", cwd=str(ROOT), env=env,
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=stderr,
                limit=2**24)
            stderr.close()
            self.procs.append(proc)
            await self._send(proc, {**common, "schools": share})
        replies = [await self._read(p) for p in self.procs]
        return max(float(r["seconds"]) for r in replies)

    @property
    def pids(self) -> list[int]:
        """Return the school processes."""
        return [p.pid for p in self.procs]

    async def _send(self, proc: asyncio.subprocess.Process, body: dict[str, Any]) -> None:
        assert proc.stdin is not None
        proc.stdin.write((json.dumps(body) + "\n").encode())
        await proc.stdin.drain()

    async def _read(self, proc: asyncio.subprocess.Process) -> dict[str, Any]:
        assert proc.stdout is not None
        line = await proc.stdout.readline()
        if not line:
            raise RuntimeError(f"a school process ended (see {self.log_dir}/schools*.log)")
        reply: dict[str, Any] = json.loads(line)
        return reply

    async def ask(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        """Send a command to every process; return their replies."""
        async def one(proc: asyncio.subprocess.Process) -> dict[str, Any]:
            await self._send(proc, body)
            return await self._read(proc)

        return list(await asyncio.gather(*(one(p) for p in self.procs)))

    async def status(self) -> dict[str, int]:
        """Return the summed status of every process."""
        total: dict[str, int] = {}
        for reply in await self.ask({"cmd": "status"}):
            for key, value in reply.items():
                total[key] = total.get(key, 0) + int(value)
        return total

    async def wait_connected(self, want: int, timeout: float) -> float:
        """Wait until `want` schools are connected; return the seconds it took."""
        began = time.monotonic()
        while (await self.status())["connected"] < want:
            if time.monotonic() - began > timeout:
                raise TimeoutError(f"only {(await self.status())['connected']} of {want} "
                                   f"schools connected after {timeout:.0f} s")
            await asyncio.sleep(0.5)
        return time.monotonic() - began

    async def panic(self, schools: list[str], spread: float) -> list[tuple[str, str, float]]:
        """Raise panics at these schools within `spread` s; return (school, id, wall time)."""
        async def one(index: int) -> list[Any]:
            mine = [s for s in schools if self.owner[s] == index]
            await self._send(self.procs[index], {"cmd": "panic", "schools": mine,
                                                 "spread": spread})
            return list((await self._read(self.procs[index]))["raised"])

        parts = await asyncio.gather(*(one(i) for i in range(self.count)))
        return [(s, i, float(t)) for part in parts for s, i, t in part]

    async def backlog(self, count: int) -> dict[str, list[str]]:
        """Raise `count` incidents in order at every school; return their ids per school."""
        out: dict[str, list[str]] = {}
        for reply in await self.ask({"cmd": "backlog", "count": count}):
            out.update(reply["backlog"])
        return out

    async def stop(self) -> None:
        """Stop every process (each stops its hubs)."""
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ask({"cmd": "stop"}), 60)
        for proc in self.procs:
            if proc.returncode is None:
                proc.kill()
            await proc.wait()


class ConsoleAlarms:
    """A console user's live WebSocket: the time each alarm (school, incident id) arrived."""

    def __init__(self, url: str, username: str, password: str) -> None:
        self.url, self.username, self.password = url, username, password
        self.seen: dict[tuple[str, str], float] = {}
        self.applied: dict[tuple[str, str], float] = {}  # the worker's received_at
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self.ready = asyncio.Event()

    async def start(self) -> None:
        """Log in and open the WebSocket."""
        self._session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        async with self._session.post(f"{self.url}/api/login", json={
                "username": self.username, "password": self.password}) as resp:
            if resp.status != 200:
                raise RuntimeError(f"console login failed: {resp.status} {await resp.text()}")
        self._task = asyncio.create_task(self._listen())
        await asyncio.wait_for(self.ready.wait(), 30)

    async def _listen(self) -> None:
        assert self._session is not None
        async with self._session.ws_connect(f"{self.url}/api/live") as ws:
            self.ready.set()
            async for message in ws:
                now = time.time()
                if message.type != aiohttp.WSMsgType.TEXT:
                    continue
                body = json.loads(message.data)
                incident = body.get("incident") or {}
                if body.get("type") == "alarm" and "school" in incident and "id" in incident:
                    key = (str(incident["school"]), str(incident["id"]))
                    self.seen.setdefault(key, now)
                    if isinstance(incident.get("received_at"), int | float):
                        self.applied.setdefault(key, float(incident["received_at"]))

    async def stop(self) -> None:
        """Close the WebSocket and the session."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._session is not None:
            await self._session.close()


class MqttProbe:
    """An MQTT subscriber (persistent session, QoS 1) to every school's incident topics."""

    def __init__(self, servers: list[str], username: str, password: str,
                 prefix: str = "campus") -> None:
        self.servers, self.username, self.password = servers, username, password
        self.prefix = prefix
        self.seen: dict[tuple[str, str], float] = {}
        self.order: dict[str, list[str]] = {}
        self.revisions: dict[tuple[str, str], list[int]] = {}  # as they arrived
        self.messages = 0
        self._task: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()

    async def start(self) -> None:
        """Subscribe (and keep resubscribing to the next node when a node goes)."""
        self._task = asyncio.create_task(self._run())
        await asyncio.wait_for(self.ready.wait(), 60)

    async def _run(self) -> None:
        index = 0
        while True:
            host, port = self.servers[index % len(self.servers)].rsplit(":", 1)
            try:
                async with aiomqtt.Client(host, int(port), username=self.username,
                                          password=self.password, identifier="citybench-probe",
                                          clean_session=False, keepalive=10) as client:
                    await client.subscribe(f"{self.prefix}/+/incidents/#", qos=1)
                    self.ready.set()
                    async for message in client.messages:
                        self._note(str(message.topic), time.time(), message.payload)
            except aiomqtt.MqttError:
                index += 1
                await asyncio.sleep(1.0)

    def _note(self, topic: str, now: float, payload: Any) -> None:
        parts = topic.split("/")  # prefix/site/incidents/category/id
        if len(parts) < 5:
            return
        self.messages += 1
        school, incident = parts[1], parts[4]
        try:
            revision = int(json.loads(payload)["revision"])
        except (ValueError, TypeError, KeyError):
            revision = -1
        self.revisions.setdefault((school, incident), []).append(revision)
        if (school, incident) not in self.seen:
            self.seen[(school, incident)] = now
            self.order.setdefault(school, []).append(incident)

    async def stop(self) -> None:
        """Stop subscribing."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
