"""The bench's measurements, the same for either broker: steady load with panic bursts, and
a full cluster restart with a backlog at every school."""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from .fleet import SchoolFleet
from .infra import ProcessMeter, load

__all__ = ["Receiver", "latencies", "restart", "say", "steady"]


def say(text: str) -> None:
    """Print a figure with the machine's load average (2 shared cores)."""
    print(f"{text}   [{load()}]", flush=True)


@dataclass
class Receiver:
    """Where a panic can be seen: its name and {(school, incident id): wall time seen}.

    `chain`: a hop on the way to the console (the hop figures are the time since the
    previous chain receiver); `refresh` reads what it saw (log files) before each look.
    """

    name: str
    seen: dict[tuple[str, str], float]
    chain: bool = True
    refresh: Callable[[], None] | None = None


def latencies(raised: list[tuple[str, str, float]],
              seen: dict[tuple[str, str], float]) -> tuple[list[float], int]:
    """Return the latencies (s) of the raised panics that were seen, and how many were not."""
    got = [seen[(s, i)] - t for s, i, t in raised if (s, i) in seen]
    return got, len(raised) - len(got)


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass
class SteadyResult:
    """What a steady-load window measured."""

    seconds: float
    messages: float
    applied: float
    usage: dict[str, tuple[float, float]]
    panics: dict[str, dict[str, float]] = field(default_factory=dict)
    hops: dict[str, dict[str, float]] = field(default_factory=dict)


async def steady(fleet: SchoolFleet, groups: dict[str, list[int]], duration: float,
                 bursts: int, burst_schools: int, spread: float, receivers: list[Receiver],
                 counters: Callable[[], Awaitable[dict[str, float]]]) -> SteadyResult:
    """Run the schools' load for `duration` s with panic bursts spread over it."""
    meter = ProcessMeter()
    unused = list(fleet.owner)
    random.shuffle(unused)
    before = await counters()
    meter.begin(groups)
    began = time.monotonic()
    raised: list[tuple[str, str, float]] = []
    for b in range(bursts):
        await asyncio.sleep(max(0.0, began + (b + 1) * duration / (bursts + 1)
                                - time.monotonic()))
        chosen, unused = unused[:burst_schools], unused[burst_schools:]
        burst = await fleet.panic(chosen, spread)
        raised.extend(burst)
        say(f"  burst {b + 1}: {len(burst)} panics at {len(burst)} schools within {spread} s")
    await asyncio.sleep(max(0.0, began + duration - time.monotonic()))
    usage = meter.end()
    seconds = time.monotonic() - began
    after = await counters()
    result = SteadyResult(seconds, after["publish"] - before["publish"],
                          after["ack"] - before["ack"], usage)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(  # noqa: ASYNC110 - polling other tasks' dicts
            latencies(raised, r.seen)[1] for r in _refreshed(receivers)):
        await asyncio.sleep(0.5)
    for receiver in _refreshed(receivers):
        got, missing = latencies(raised, receiver.seen)
        result.panics[receiver.name] = _figures(got, len(raised), missing)
    result.hops = hops(raised, [r for r in receivers if r.chain])
    return result


def _refreshed(receivers: list[Receiver]) -> list[Receiver]:
    for receiver in receivers:
        if receiver.refresh is not None:
            receiver.refresh()
    return receivers


def _figures(got: list[float], n: int, missing: int) -> dict[str, float]:
    return {"n": n, "missing": missing, "p50": _pct(got, 0.5), "p99": _pct(got, 0.99),
            "max": max(got) if got else float("nan"),
            "mean": statistics.fmean(got) if got else float("nan")}


def hops(raised: list[tuple[str, str, float]],
         chain: list[Receiver]) -> dict[str, dict[str, float]]:
    """Return each hop's time (from the previous receiver of the chain, the first from the
    press) over the panics every receiver of the chain saw."""
    full = [(s, i, t) for s, i, t in raised if all((s, i) in r.seen for r in chain)]
    out: dict[str, dict[str, float]] = {}
    for k, receiver in enumerate(chain):
        got = [receiver.seen[(s, i)] - (chain[k - 1].seen[(s, i)] if k else t)
               for s, i, t in full]
        out[receiver.name] = _figures(got, len(full), len(raised) - len(full))
    return out


@dataclass
class RestartResult:
    """What a full cluster restart measured."""

    first_node: float = float("nan")
    every_node: float = float("nan")
    all_connected: float = float("nan")
    backlog_seen: float = float("nan")
    backlog_missing: int = 0
    out_of_order: int = 0  # schools whose incidents arrived in another order than raised
    revisions_out_of_order: int = 0  # incidents whose revisions arrived out of order
    revisions_missing: int = 0  # incidents of which fewer than 2 revisions arrived
    connects: int = 0
    timeline: list[tuple[float, int]] = field(default_factory=list)
    usage: dict[str, tuple[float, float]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


async def restart(fleet: SchoolFleet, restart_cluster: Callable[[], float],
                  wait_every: Callable[[], float], seen_order: dict[str, list[str]],
                  revisions: dict[tuple[str, str], list[int]],
                  groups: Callable[[], dict[str, list[int]]], backlog: int,
                  timeout: float) -> RestartResult:
    """Kill every node and start them again while each school raises `backlog` incidents.

    `restart_cluster` (blocking) kills all nodes, starts them and returns when one node takes
    MQTT; `wait_every` (blocking) returns when all do. Measures from the start of the nodes.
    """
    result = RestartResult()
    connects_before = (await fleet.status())["connects"]
    began = time.monotonic()
    restarting = asyncio.create_task(asyncio.to_thread(restart_cluster))
    await asyncio.sleep(1.0)
    raised = await fleet.backlog(backlog)  # the links are down: these wait in each outbox
    say(f"  backlog: {backlog} incidents raised at each of {len(raised)} schools "
        "while the cluster is down")
    try:
        result.first_node = await restarting
    except TimeoutError as exc:  # measured too: say so and go on to what can be counted
        result.extra["error"] = str(exc)
    meter = ProcessMeter()
    meter.begin(groups())
    every = asyncio.create_task(asyncio.to_thread(wait_every))
    want = len(fleet.owner)
    wanted = {s: set(ids) for s, ids in raised.items()}
    deadline = began + timeout
    while time.monotonic() < deadline:
        status = await fleet.status()
        now = time.monotonic() - began
        result.timeline.append((round(now, 1), status["connected"]))
        if status["connected"] >= want and result.all_connected != result.all_connected:
            result.all_connected = now
        missing = sum(len(revisions.get((s, i), ())) < 2 for s, ids in raised.items()
                      for i in ids)
        if missing == 0 and result.backlog_seen != result.backlog_seen:
            result.backlog_seen = now
        if every.done() and result.all_connected == result.all_connected and missing == 0:
            break
        await asyncio.sleep(2.0)
    result.usage = meter.end()
    if every.done() and every.exception() is None:
        result.every_node = every.result() + result.first_node
    else:
        every.cancel()
    result.connects = (await fleet.status())["connects"] - connects_before
    result.backlog_missing = sum(len(wanted[s] - set(seen_order.get(s, ()))) for s in wanted)
    for school, ids in raised.items():
        got = [i for i in seen_order.get(school, []) if i in wanted[school]]
        if got != ids[:len(got)]:
            result.out_of_order += 1
        for incident in ids:
            seen = revisions.get((school, incident), [])
            firsts = list(dict.fromkeys(seen))  # redeliveries repeat; order of first arrival
            if firsts != sorted(firsts):
                result.revisions_out_of_order += 1
            if len(seen) < 2:
                result.revisions_missing += 1
    return result
