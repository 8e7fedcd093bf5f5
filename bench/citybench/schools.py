"""A process of school hubs for the city bench: `python -m bench.citybench.schools`.

Reads one JSON line (the schools, the brokers, the rates), starts a real hub per school
(city/school.py: hub.Hub with the mqtt uplink, recorder off), then answers JSON-line
commands on stdin (`status`, `panic`, `backlog`, `stop`) on stdout. While running it makes
what a school's hub makes, at the given rates: heartbeats and duties (the uplink's own
timers), incidents (a random category, as recognition or a guard would raise them) and
device availability changes (the panic button drops and comes back, which also changes the
gate's duties).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import sys
import tempfile
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from city.school import HubSchool, school_config
from hub.plugins import PluginRegistry

CATEGORIES = ("visitor_alert", "guard_off_post", "watchlist_match", "gate_forced")


class Schools:
    """The hubs of this process and the load they make."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.hubs: dict[str, HubSchool] = {}
        self.raised = 0
        self.toggles = 0
        self.errors = 0
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> float:
        """Start every hub (not waiting for the broker); return the seconds it took."""
        registry = PluginRegistry()
        await asyncio.to_thread(registry.load_entry_points)
        data = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="citybench-schools-"))
        spec = self.spec
        for school in spec["schools"]:
            config = school_config(
                school["id"], school["password"], spec["servers"], data_dir=data / school["id"],
                heartbeat=spec["heartbeat"], gates=tuple(spec.get("gates", ["main"])),
                reconnect_delay=spec.get("reconnect_delay", 0.5),
                reconnect_max_delay=spec.get("reconnect_max_delay", 30.0))
            # Everything a school raises goes to the city (its daily report counts every
            # category); school_config's uplink forwards only `forward` categories.
            config["uplinks"][0]["categories"] = ["panic", *CATEGORIES, "backlog_check"]
            self.hubs[school["id"]] = HubSchool(school["id"], config, registry)
        began = time.monotonic()
        hubs = list(self.hubs.values())
        for i in range(0, len(hubs), 50):
            await asyncio.gather(*(h.start() for h in hubs[i:i + 50]))
        return time.monotonic() - began

    def status(self) -> dict[str, Any]:
        """Return how many hubs are connected and what they sent."""
        uplinks = [h.uplink for h in self.hubs.values()]
        return {"schools": len(uplinks), "connected": sum(u.connected.is_set() for u in uplinks),
                "connects": sum(u.connects for u in uplinks),
                "heartbeats": sum(u.heartbeats for u in uplinks),
                "raised": self.raised, "toggles": self.toggles, "errors": self.errors}

    async def load(self) -> None:
        """Raise incidents and toggle devices at random (Poisson) at the spec's rates."""
        per_hour_incident = self.spec["incidents_per_hour"] * self.spec["speed"]
        per_hour_toggle = self.spec["device_changes_per_hour"] * self.spec["speed"]
        ids = list(self.hubs)
        tick = 0.2
        while True:
            await asyncio.sleep(tick)
            n = len(ids)
            for _ in range(_poisson(n * per_hour_incident * tick / 3600)):
                self._spawn(self._incident(random.choice(ids)))
            for _ in range(_poisson(n * per_hour_toggle * tick / 3600)):
                self._spawn(self._toggle(random.choice(ids)))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _incident(self, school: str) -> None:
        hub = self.hubs[school].hub
        assert hub is not None
        try:
            await hub.incidents.raise_incident(random.choice(CATEGORIES),
                                               source=f"bench.{self.raised}", gate="main")
            self.raised += 1
        except Exception:  # a bench must go on; counted
            self.errors += 1

    async def _toggle(self, school: str) -> None:
        hub = self.hubs[school].hub
        assert hub is not None
        button = hub.entities["alarm.panic_main"]
        button.set_available(False, "bench: device dropped")
        self.toggles += 1
        await asyncio.sleep(random.uniform(2, 10))
        button.set_available(True)

    async def panic(self, schools: list[str], spread: float) -> list[list[Any]]:
        """Raise a panic at each school at a random moment within `spread` seconds."""
        async def one(school: str) -> list[Any]:
            await asyncio.sleep(random.uniform(0, spread))
            at = time.time()
            incident = await self.hubs[school].panic("main", "bench panic")
            return [school, incident, at]

        return list(await asyncio.gather(*(one(s) for s in schools if s in self.hubs)))

    async def backlog(self, count: int) -> dict[str, list[str]]:
        """Raise `count` incidents one after another at every school, each with a note (a
        second revision); return their ids."""
        async def one(school: str) -> tuple[str, list[str]]:
            hub = self.hubs[school].hub
            assert hub is not None
            ids = []
            for k in range(count):
                incident = await hub.incidents.raise_incident(
                    "backlog_check", source=f"backlog.{k}.{time.time()}", gate="main")
                await hub.incidents.add_step(incident.id, "note", note=f"backlog {k}")
                ids.append(incident.id)
            return school, ids

        return dict(await asyncio.gather(*(one(s) for s in self.hubs)))

    async def stop(self) -> None:
        """Stop every hub."""
        await asyncio.gather(*(h.stop() for h in self.hubs.values()), return_exceptions=True)


def _poisson(mean: float) -> int:
    """Draw from a Poisson distribution (Knuth; the means here are small)."""
    if mean > 30:
        return max(0, round(random.gauss(mean, mean ** 0.5)))
    limit, k, p = pow(2.718281828459045, -mean), 0, 1.0
    while True:
        p *= random.random()
        if p <= limit:
            return k
        k += 1


async def _lines() -> asyncio.StreamReader:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    return reader


def _say(body: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(body) + "\n")
    sys.stdout.flush()


async def main() -> None:
    """Serve the orchestrator's commands until `stop`."""
    logging.basicConfig(level=logging.ERROR)
    reader = await _lines()
    schools = Schools(json.loads(await reader.readline()))
    took = await schools.start()
    _say({"started": len(schools.hubs), "seconds": took})
    loader = asyncio.create_task(schools.load())
    while line := await reader.readline():
        cmd = json.loads(line)
        kind = cmd["cmd"]
        if kind == "status":
            _say(schools.status())
        elif kind == "panic":
            _say({"raised": await schools.panic(cmd["schools"], cmd["spread"])})
        elif kind == "backlog":
            _say({"backlog": await schools.backlog(cmd["count"])})
        elif kind == "stop":
            break
    loader.cancel()
    await schools.stop()
    _say({"stopped": True})


if __name__ == "__main__":
    asyncio.run(main())
