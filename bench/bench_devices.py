"""Devices benchmark: 20 Modbus IO modules (200 inputs) and 8 ONVIF cameras on one hub.

The simulators run in a child process (their CPU is not the hub's). The hub runs here on
a generated config (real plugins, real recorder on SQLite in a temp folder). Every
input is pressed once, in random order; latency is from the moment the simulator's
input changes (time.monotonic() in the child: CLOCK_MONOTONIC is system-wide) to
`incident_raised` on the hub's bus. Idle CPU is this process's CPU time over wall time
while the hub polls and nothing is pressed.

    .venv/bin/python bench/bench_devices.py [--devices 20] [--inputs 10] [--cameras 8]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import random
import statistics
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

SCAN = 0.1


# ------------------------------------------------------------------ child: the simulators


def serve_simulators(conn: Connection, devices: int, inputs: int, cameras: int) -> None:
    """Child process entry: run the simulators and answer commands over `conn`."""
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(_serve(conn, devices, inputs, cameras))


async def _serve(conn: Connection, devices: int, inputs: int, cameras: int) -> None:
    from simulators.modbus import IOModuleSimulator

    sims = [IOModuleSimulator(["no"] * inputs) for _ in range(devices)]
    for sim in sims:
        await sim.start()
    cams: list[Any] = []
    note = ""
    try:
        from simulators.onvif_camera import CameraSimulator, SimulatorConfig

        for index in range(cameras):
            config = SimulatorConfig(
                name=f"Bench Cam {index + 1}", serial=f"BENCH{index:03d}", control_port=None
            )
            cams.append(await CameraSimulator(config).start())
    except ImportError as err:
        note = f"no ONVIF camera simulator: {err}"
    conn.send({"modbus": [s.port for s in sims], "cameras": [c.port for c in cams], "note": note})
    loop = asyncio.get_running_loop()
    while True:
        command, *args = await loop.run_in_executor(None, conn.recv)
        if command == "press":
            sims[args[0]].press(args[1])
            conn.send(time.monotonic())
        elif command == "release":
            sims[args[0]].release(args[1])
            conn.send(None)
        elif command == "requests":
            conn.send(sum(s.requests for s in sims))
        elif command == "cpu":
            conn.send(time.process_time())
        elif command == "stop":
            break
    for sim in sims:
        await sim.stop()
    for cam in cams:
        await cam.stop()
    conn.send("stopped")


# ------------------------------------------------------------------ parent: the hub


def hub_yaml(modbus_ports: list[int], camera_ports: list[int], inputs: int) -> str:
    """Return the bench site's configuration."""
    lines = ["hub:", "  name: Bench", "  site: bench", "devices:"]
    for d, port in enumerate(modbus_ports):
        camera = f"camera.bench_cam_{d % len(camera_ports) + 1}" if camera_ports else None
        lines += [
            "  - platform: modbus_io",
            f"    name: Bench IO {d:02d}",
            "    host: 127.0.0.1",
            f"    port: {port}",
            f"    scan_interval: {SCAN}",
        ]
        if camera:
            lines.append(f"    cameras: [{camera}]")
        lines.append("    inputs:")
        lines += [
            f"      - {{name: Bench d{d:02d} in{i:02d}, address: {i}, category: panic}}"
            for i in range(inputs)
        ]
    for c, port in enumerate(camera_ports):
        lines += [
            "  - platform: onvif",
            f"    name: Bench Cam {c + 1}",
            "    host: 127.0.0.1",
            f"    port: {port}",
            "    username: admin",
            "    password: admin",
        ]
    return "\n".join(lines) + "\n"


class Sims:
    """The child process, called from the event loop through a thread."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def call(self, *command: Any) -> Any:
        """Send a command and return the child's answer."""

        def rpc() -> Any:
            self.conn.send(command)
            return self.conn.recv()

        return await asyncio.get_running_loop().run_in_executor(None, rpc)


def percentile(values: list[float], q: float) -> float:
    """Return the q-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Run the benchmark; return the figures."""
    from hub.testing import make_hub

    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(
        target=serve_simulators, args=(child, args.devices, args.inputs, args.cameras)
    )
    proc.start()
    sims = Sims(parent)
    ports = await asyncio.get_running_loop().run_in_executor(None, parent.recv)
    with tempfile.TemporaryDirectory() as tmp:
        harness = await make_hub(
            Path(tmp), hub_yaml(ports["modbus"], ports["cameras"], args.inputs)
        )
        hub = harness.hub
        try:
            return await _measure(args, hub, sims, ports)
        finally:
            await hub.stop()
            await sims.call("stop")
            proc.join(10)


async def _measure(
    args: argparse.Namespace, hub: Any, sims: Sims, ports: dict[str, Any]
) -> dict[str, Any]:
    alarm_ids = [e for e in hub.entities if e.startswith("alarm.")]
    deadline = time.monotonic() + 30
    while any(hub.states.get(e).state != "idle" for e in alarm_ids):
        if time.monotonic() > deadline:
            raise RuntimeError("inputs not all idle after 30 s")
        await asyncio.sleep(0.1)
    camera_ids = [e for e in hub.entities if e.startswith("camera.")]
    while any(hub.states.get(e).state == "unavailable" for e in camera_ids):
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.1)
    cameras_up = sum(hub.states.get(e).state != "unavailable" for e in camera_ids)
    await asyncio.sleep(args.warmup)
    # Idle: the hub polls 20 devices every 100 ms, cameras hold their subscriptions.
    requests0 = await sims.call("requests")
    cpu0, wall0, child0 = time.process_time(), time.monotonic(), await sims.call("cpu")
    await asyncio.sleep(args.idle)
    cpu1, wall1, child1 = time.process_time(), time.monotonic(), await sims.call("cpu")
    requests1 = await sims.call("requests")
    idle_cpu = (cpu1 - cpu0) / (wall1 - wall0)
    sim_cpu = (child1 - child0) / (wall1 - wall0)
    reads_per_s = (requests1 - requests0) / (wall1 - wall0)

    raised: dict[str, asyncio.Future[float]] = {}
    triggered: dict[str, float] = {}

    def on_incident(event: Any) -> None:
        future = raised.get(event.data.get("source") or "")
        if future is not None and not future.done():
            future.set_result(time.monotonic())

    def on_state(event: Any) -> None:
        new = event.data.get("new_state")
        if new is not None and new.state == "triggered":
            triggered.setdefault(event.data["entity_id"], time.monotonic())

    hub.bus.listen("incident_raised", on_incident)
    hub.bus.listen("state_changed", on_state)
    order = [(d, i) for d in range(args.devices) for i in range(args.inputs)]
    random.Random(args.seed).shuffle(order)
    latencies: list[float] = []
    to_state: list[float] = []
    for d, i in order[: args.presses]:
        entity_id = f"alarm.bench_d{d:02d}_in{i:02d}"
        raised[entity_id] = asyncio.get_running_loop().create_future()
        pressed_at = await sims.call("press", d, i)
        done_at = await asyncio.wait_for(raised[entity_id], 5)
        latencies.append(done_at - pressed_at)
        to_state.append(triggered[entity_id] - pressed_at)
        await sims.call("release", d, i)
        await asyncio.sleep(random.uniform(0.02, 0.12))
    ms = [x * 1000 for x in latencies]
    state_ms = [x * 1000 for x in to_state]
    core_ms = [a - b for a, b in zip(ms, state_ms, strict=True)]
    return {
        "devices": args.devices,
        "inputs": args.devices * args.inputs,
        "cameras": len(ports["cameras"]),
        "cameras_up": cameras_up,
        "camera_note": ports["note"],
        "presses": len(ms),
        "p50_ms": statistics.median(ms),
        "p99_ms": percentile(ms, 99),
        "max_ms": max(ms),
        "mean_ms": statistics.fmean(ms),
        "state_p50_ms": statistics.median(state_ms),
        "state_p99_ms": percentile(state_ms, 99),
        "core_p50_ms": statistics.median(core_ms),
        "core_p99_ms": percentile(core_ms, 99),
        "idle_cpu_pct": idle_cpu * 100,
        "sim_cpu_pct": sim_cpu * 100,
        "modbus_reads_per_s": reads_per_s,
        "idle_seconds": args.idle,
    }


def main() -> None:
    """Parse arguments, run, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--devices", type=int, default=20)
    parser.add_argument("--inputs", type=int, default=10, help="inputs per device")
    parser.add_argument("--cameras", type=int, default=8)
    parser.add_argument("--presses", type=int, default=200)
    parser.add_argument("--idle", type=float, default=20.0, help="idle CPU window, seconds")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    figures = asyncio.run(run(args))
    goal = SCAN * 1000 + 20
    print(
        f"devices: {figures['devices']} Modbus IO modules, {figures['inputs']} inputs, "
        f"{figures['cameras']} ONVIF cameras ({figures['cameras_up']} available in the hub) "
        f"{figures['camera_note']}".rstrip()
    )
    print(
        f"scan interval: {SCAN * 1000:.0f} ms; Modbus reads/s while idle: "
        f"{figures['modbus_reads_per_s']:.0f}"
    )
    print(
        f"press -> incident_raised over {figures['presses']} presses: "
        f"p50 {figures['p50_ms']:.1f} ms, p99 {figures['p99_ms']:.1f} ms, "
        f"max {figures['max_ms']:.1f} ms, mean {figures['mean_ms']:.1f} ms "
        f"(goal p99 <= {goal:.0f} ms: {'met' if figures['p99_ms'] <= goal else 'NOT met'})"
    )
    print(
        f"press -> alarm entity triggered (state_changed): p50 {figures['state_p50_ms']:.1f} ms, "
        f"p99 {figures['state_p99_ms']:.1f} ms; triggered -> incident_raised (core incident "
        f"path): p50 {figures['core_p50_ms']:.1f} ms, p99 {figures['core_p99_ms']:.1f} ms"
    )
    print(
        f"hub idle CPU: {figures['idle_cpu_pct']:.1f} % of one core over "
        f"{figures['idle_seconds']:.0f} s (goal < 10 %: "
        f"{'met' if figures['idle_cpu_pct'] < 10 else 'NOT met'}); "
        f"simulators: {figures['sim_cpu_pct']:.1f} %"
    )


if __name__ == "__main__":
    main()
