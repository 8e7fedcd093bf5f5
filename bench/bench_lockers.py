"""Lockers and daily self-check benchmark.

1. Locker open -> relay: a real hub (real plugins, SQLite recorder in a temp folder) with
   `--banks` simulated Modbus locker banks (12 doors each, polled every `--scan` s). Each
   door is opened by `locker.open` in turn (`--opens` in all); measured from the service
   call to the moment the simulated bank energised that door's relay (its write handler),
   and to the service's answer. Each door is closed again before the next round.
2. Self-check duration: `--gates` gates, each with a simulated IP speaker (it plays the
   self-check test tone), a Modbus IO module (a panic button) and a locker bank; the time
   of `self_check.run` (every gate: online checks, the tone, last panic test, lockers).
   Repeated `--runs` times. `--slow N`: one more run where N speakers take the tone and
   never answer (each costs the check's 10 s device timeout).

The simulators run in this process (on the hub's core), so the figures include their work.

    .venv/bin/python bench/bench_lockers.py [--banks 4] [--opens 200] [--gates 1,5,20]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import latency_row
from hub.testing.harness import make_hub, wait_for_state
from simulators.modbus import IOModuleSimulator, LockerBankSimulator
from simulators.speaker import SpeakerSimulator

DOORS = 12


class TimedBank(LockerBankSimulator):
    """The simulated bank, noting when each door's relay was energised."""

    relay_at: dict[int, float]

    def unlock(self, door: int) -> None:
        """Note the time, then release the lock as the simulator does."""
        self.relay_at[door] = time.perf_counter()
        super().unlock(door)


def _bank_yaml(index: int, port: int, scan: float, gate: str) -> str:
    return (f"  - {{platform: modbus_locker, name: Bank {index}, object_id: bank_{index}, "
            f"gate: {gate}, model: simlock_c16, host: 127.0.0.1, port: {port}, "
            f"doors: {DOORS}, scan_interval: {scan}, overnight_check: null}}\n")


async def _banks(count: int) -> list[TimedBank]:
    banks = []
    for _ in range(count):
        bank = TimedBank(doors=DOORS)
        bank.relay_at = {}
        await bank.start()
        banks.append(bank)
    return banks


async def bench_open(banks_count: int, opens: int, scan: float) -> None:
    """Open doors one after another; print relay and answer latency."""
    banks = await _banks(banks_count)
    yaml = "hub: {site: bench_school}\ndevices:\n" + "".join(
        _bank_yaml(i, b.port, scan, "main") for i, b in enumerate(banks))
    with tempfile.TemporaryDirectory() as folder:
        h = await make_hub(Path(folder), yaml)
        hub = h.hub
        for i in range(banks_count):
            await wait_for_state(hub, f"locker.bank_{i}_{DOORS:02d}", "free", timeout=20)
        relay, answer = [], []
        for n in range(opens):
            b, door = n % banks_count, (n // banks_count) % DOORS + 1
            bank = banks[b]
            bank.close_door(door)
            bank.relay_at.pop(door, None)
            started = time.perf_counter()
            await hub.services.call("locker", "open", {"entity_id": f"locker.bank_{b}_{door:02d}"})
            answer.append(time.perf_counter() - started)
            relay.append(bank.relay_at[door] - started)
        print(f"{banks_count} banks x {DOORS} doors, scan {scan:g} s, {opens} opens one by one")
        print(latency_row("open -> relay energised at the bank", relay, 40))
        print(latency_row("open -> service answered", answer, 40))
        await hub.stop()
    for bank in banks:
        await bank.stop()


async def bench_self_check(gates: int, runs: int, slow: int = 0) -> None:
    """Time self_check.run over `gates` gates of a speaker, an IO module and a locker bank;
    the first `slow` speakers take the tone and never answer."""
    speakers = [SpeakerSimulator(token="tok") for _ in range(gates)]
    modules = [IOModuleSimulator(["no"]) for _ in range(gates)]
    banks = await _banks(gates)
    sims: list[SpeakerSimulator | IOModuleSimulator | TimedBank] = [*speakers, *modules]
    for sim in sims:
        await sim.start()
    sims += banks
    lines = ["hub: {site: bench_school}", "self_check: {summary_at: null, school_start: null}",
             "devices:"]
    for g in range(gates):
        lines.append(f"  - {{platform: http_speaker, name: Speaker {g}, object_id: speaker_{g}, "
                     f"url: \"{speakers[g].url}\", token: tok, gate: gate_{g}}}")
        lines.append(f"  - {{platform: modbus_io, name: IO {g}, object_id: io_{g}, "
                     f"gate: gate_{g}, host: 127.0.0.1, port: {modules[g].port}, "
                     f"scan_interval: 0.2, inputs: [{{name: Panic {g}, address: 0}}]}}")
        lines.append(_bank_yaml(g, banks[g].port, 0.5, f"gate_{g}").rstrip("\n"))
    with tempfile.TemporaryDirectory() as folder:
        h = await make_hub(Path(folder), "\n".join(lines) + "\n")
        hub = h.hub
        for g in range(gates):
            await wait_for_state(hub, f"speaker.speaker_{g}", "idle", timeout=30)
            await wait_for_state(hub, f"locker.bank_{g}_{DOORS:02d}", "free", timeout=30)
        for speaker in speakers[:slow]:
            speaker.fault_mode = "slow"
        took: list[float] = []
        report: dict[str, Any] = {}
        for _ in range(runs):
            started = time.perf_counter()
            report = await hub.services.call("self_check", "run", {})
            took.append(time.perf_counter() - started)
        down = report.get("down", [])
        tones = sum(len(s.played) for s in speakers)
        print(f"{gates} gates ({gates * (DOORS + 2)} entities: a speaker, a panic button, "
              f"{DOORS} lockers each): duties down {len(down)}, test tones played {tones} "
              f"({runs} runs)")
        print(latency_row(f"self_check.run, {gates} gates, {slow} slow speakers", took, 40))
        await hub.stop()
    for sim in sims:
        await sim.stop()


async def run(args: argparse.Namespace) -> None:
    """Run both parts."""
    await bench_open(args.banks, args.opens, args.scan)
    for gates in (int(g) for g in args.gates.split(",")):
        await bench_self_check(gates, args.runs)
    if args.slow:
        await bench_self_check(max(args.slow, 2), 1, args.slow)


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--banks", type=int, default=4)
    parser.add_argument("--opens", type=int, default=200)
    parser.add_argument("--scan", type=float, default=0.1)
    parser.add_argument("--gates", default="1,5,20")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--slow", type=int, default=0,
                        help="then one run with this many speakers that never answer")
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
