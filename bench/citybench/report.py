"""How the city bench prints its figures (each with the load average) and projects them."""

from __future__ import annotations

from typing import Any

from .phases import RestartResult, SteadyResult, say

__all__ = ["print_restart", "print_steady", "project"]


def print_steady(result: SteadyResult, schools: int,
                 idle_broker: tuple[float, float]) -> dict[str, Any]:
    """Print a steady-load window; return its figures."""
    rate_in = result.messages / result.seconds
    rate_applied = result.applied / result.seconds
    say(f"steady: {result.seconds:.0f} s, {result.messages:.0f} school messages in "
        f"({rate_in:.1f} msg/s, {rate_in / schools * 3600:.0f} per school per hour), "
        f"{result.applied:.0f} applied by the worker ({rate_applied:.1f} msg/s)")
    say(f"  broker idle before the schools: CPU {idle_broker[0]:.0f} % of a core, "
        f"RSS {idle_broker[1]:.0f} MiB")
    for name, (cpu, rss) in result.usage.items():
        say(f"  {name}: CPU {cpu:.1f} % of a core, RSS {rss:.0f} MiB")
    for name, p in result.panics.items():
        say(f"  panic -> {name}: n={p['n']:.0f} missing={p['missing']:.0f} "
            f"p50 {p['p50'] * 1000:.0f} ms p99 {p['p99'] * 1000:.0f} ms "
            f"max {p['max'] * 1000:.0f} ms")
    if result.hops:
        say("  per hop (from the previous one; panics every hop saw "
            f"{next(iter(result.hops.values()))['n']:.0f}):")
    for name, p in result.hops.items():
        say(f"    -> {name}: p50 {p['p50'] * 1000:.0f} ms p99 {p['p99'] * 1000:.0f} ms "
            f"max {p['max'] * 1000:.0f} ms")
    broker_cpu, broker_rss = next((v for k, v in result.usage.items()
                                   if k.startswith("broker")), (0.0, 0.0))
    return {"seconds": result.seconds, "messages_in": result.messages, "msgs_per_s": rate_in,
            "applied_per_s": rate_applied, "usage": result.usage, "panics": result.panics,
            "hops": result.hops,
            "idle_broker": idle_broker,
            "broker_cpu_s_per_msg": broker_cpu / 100 / max(rate_in, 1e-9),
            "broker_rss_per_school_mib": (broker_rss - idle_broker[1]) / schools}


def project(steady: dict[str, Any], drain: dict[str, Any], schools: int,
            speed: float) -> dict[str, Any]:
    """Project to 10,000 schools at the real (x1) rates from what was measured.

    Broker: its idle cost plus the measured cost above idle per school (connections and
    their messages) times 10,000. Workers: the message rate times the CPU a worker spent per
    message while draining a backlog (its full-speed cost).
    """
    factor = 10_000 / schools / speed
    rate = steady["msgs_per_s"] * factor
    (cpu, rss), (idle_cpu, idle_rss) = _broker(steady["usage"]), steady["idle_broker"]
    one = drain.get("1", {})
    drained = float(one.get("msgs_per_s", 0.0))
    worker_cpu_per_msg = float(one.get("worker_cpu_pct", 0.0)) / 100 / drained if drained else 0.0
    figures = {
        "msgs_per_s_10k": rate,
        "broker_cores_10k": (idle_cpu + (cpu - idle_cpu) * factor) / 100,
        "broker_rss_mib_10k": idle_rss + (rss - idle_rss) * 10_000 / schools,
        "worker_cores_10k": rate * worker_cpu_per_msg,
        "worker_drain_msgs_per_s": drained,
        "one_worker_headroom": drained / rate if rate else float("inf"),
    }
    say(f"projection to 10,000 schools at x1 rates: {rate:.0f} msg/s; broker "
        f"{figures['broker_cores_10k']:.2f} cores, RSS ~{figures['broker_rss_mib_10k']:.0f} MiB "
        "(idle + per-school cost above idle x 10,000)" + (
            f"; workers {figures['worker_cores_10k']:.2f} cores (drain CPU per message); one "
            f"worker drains {drained:.0f} msg/s = {figures['one_worker_headroom']:.1f}x that "
            "load" if drained else ""))
    return figures


def _broker(usage: dict[str, tuple[float, float]]) -> tuple[float, float]:
    return next((v for k, v in usage.items() if k.startswith("broker")), (0.0, 0.0))


def print_restart(result: RestartResult, schools: int, backlog: int) -> dict[str, Any]:
    """Print a restart's figures; return them."""
    say(f"restart: first node takes MQTT {result.first_node:.1f} s after the kill; every "
        f"node {result.every_node:.1f} s; all {schools} schools connected at "
        f"{result.all_connected:.1f} s ({result.connects} connections made)")
    say(f"  backlog ({backlog} per school) all seen by the subscriber at "
        f"{result.backlog_seen:.1f} s; missing {result.backlog_missing}; incidents with "
        f"revisions out of order {result.revisions_out_of_order} (the hub's guarantee), "
        f"without both revisions {result.revisions_missing}; schools whose incidents came in "
        f"another order than raised {result.out_of_order} (the hub sends different incidents "
        f"concurrently); {result.extra}")
    step = max(1, len(result.timeline) // 12)
    say("  connected over time (s, schools): " + ", ".join(
        f"{t:.0f}:{n}" for t, n in result.timeline[::step]))
    for name, (cpu, rss) in result.usage.items():
        say(f"  {name} during recovery: CPU {cpu:.0f} % of a core, RSS {rss:.0f} MiB")
    return {"first_node_s": result.first_node, "every_node_s": result.every_node,
            "all_connected_s": result.all_connected, "backlog_seen_s": result.backlog_seen,
            "backlog_missing": result.backlog_missing, "out_of_order": result.out_of_order,
            "revisions_out_of_order": result.revisions_out_of_order,
            "revisions_missing": result.revisions_missing,
            "connects": result.connects, "timeline": result.timeline, "usage": result.usage,
            **result.extra}
