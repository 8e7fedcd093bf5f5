"""Escalation benchmark: an unacknowledged panic's first step, with hundreds open.

A real hub (recorder on SQLite in a temp folder, real plugins) with one WeCom duty channel
pointing at the WeCom robot double (tests/plugins/notify/doubles.py) on 127.0.0.1. First
`--open` incidents are raised and left unacknowledged (category intrusion, escalation
`[delay: 3600, notify]`: their timers are all pending). Then `--samples` panics are raised
one every `--gap` seconds, each with escalation `[delay: D, notify: duty]`. For each panic
it measures how late after created_at + D

- the `escalated` step was stored on its timeline, and
- the WeCom message reached the double (delivered),

and prints p50 / p99 / max. A second run (`--burst`) raises all the panics at once, so
every first step falls due in the same instant. The channel sends `--concurrency` messages
at once. By default it has no rate limit (the double takes any number); `--wecom-limit`
keeps WeCom's documented 20 a minute (the double refuses the 21st with errcode 45009, the
hub merges the rest of a burst into one digest). A message in a digest counts as delivered
when the digest reached the double (its id is in it) or, when the digest was cut to fit the
robot's size limit, when the hub had the robot's answer (notify_sent: later, so conservative).

    .venv/bin/python bench/bench_escalation.py [--open 200] [--samples 100] [--delay 2]
        [--burst] [--concurrency 4] [--wecom-limit]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import latency_row, percentile
from hub.notify.component import manager_of
from hub.testing.harness import make_hub
from tests.plugins.notify.doubles import WeComDouble, serve

KEY = "bench-0000-0000-0000-000000000000"


def _site(url: str, delay: float, concurrency: int, wecom_limit: bool) -> str:
    limit = "" if wecom_limit else ", rate_limit: {messages: 100000}"
    return f"""\
hub: {{site: bench_school, external_url: "https://hub.example.org"}}
notify:
  - {{platform: wecom, name: duty, key: {KEY}, base_url: "{url}",
      concurrency: {concurrency}{limit}}}
incidents:
  categories:
    panic:
      escalation: [{{delay: {delay}}}, {{notify: duty}}]
    intrusion:
      escalation: [{{delay: 3600}}, {{notify: duty}}]
"""


class Timed(WeComDouble):
    """The WeCom double, noting when each incident's message arrived."""

    arrived: dict[str, float]
    answered: dict[str, float]
    changed: asyncio.Event

    async def all_arrived(self, count: int, timeout: float) -> None:
        """Wait until `count` incidents' messages arrived (or the timeout passed)."""
        try:
            async with asyncio.timeout(timeout):
                while len(self.arrived.keys() | self.answered.keys()) < count:
                    self.changed.clear()
                    await self.changed.wait()
        except TimeoutError:
            pass

    async def handle(self, request: Any) -> Any:
        """Answer as the double does; note the arrival of a delivered message."""
        before = len(self.received)
        response = await super().handle(request)
        if len(self.received) > before:
            content = self.received[-1]["markdown"]["content"]
            for incident_id in re.findall(r"#/incidents/(\w+)", content):
                self.arrived.setdefault(incident_id, time.time())
            self.changed.set()
        return response


async def run(open_count: int, samples: int, delay: float, gap: float, burst: bool,
              concurrency: int, wecom_limit: bool) -> None:
    double = Timed(KEY, per_minute=20 if wecom_limit else 10**9)
    double.arrived = {}
    double.changed = asyncio.Event()
    answered: dict[str, float] = {}
    double.answered = answered

    def sent(event: Any) -> None:
        if event.data.get("incident_id"):
            answered.setdefault(event.data["incident_id"], time.time())
            double.changed.set()

    async with serve(double.app()) as url:
        with tempfile.TemporaryDirectory() as folder:
            h = await make_hub(Path(folder), _site(url, delay, concurrency, wecom_limit))
            hub = h.hub
            hub.bus.listen("notify_sent", sent)
            for n in range(open_count):
                await hub.incidents.raise_incident("intrusion", source=f"camera.fence_{n}")
            print(f"{open_count} incidents open (their escalations pending); "
                  f"{'burst' if burst else f'one panic every {gap:g} s'}, first step after "
                  f"{delay:g} s; concurrency {concurrency}, "
                  f"{'WeCom limit 20/min' if wecom_limit else 'no rate limit'}")
            panics = []
            for n in range(samples):
                panics.append(await hub.incidents.raise_incident(
                    "panic", source=f"alarm.panic_{n}", gate="north"))
                if not burst:
                    await asyncio.sleep(gap)
            await double.all_arrived(samples, delay + 30)
            await asyncio.sleep(0.2)  # the last answers reach the hub
            stored, delivered = [], []
            for incident in panics:
                due = incident.created_at + delay
                step = next((s for s in incident.timeline if s.action == "escalated"), None)
                if step is not None:
                    stored.append(step.at - due)
                at = double.arrived.get(incident.id) or answered.get(incident.id)
                if at is not None:
                    delivered.append(at - due)
            print(latency_row("escalated step stored, late by", stored))
            print(latency_row("WeCom message delivered, late by", delivered))
            missing = samples - len(delivered)
            print(f"open incidents at the end: {len(hub.incidents.open_incidents())}; "
                  f"not delivered: {missing}; robot requests {double.requests}, messages "
                  f"{len(double.received)}, digests {manager_of(hub).status()[0]['digests']}")
            p99 = percentile([d * 1000 for d in delivered], 0.99) if delivered else float("inf")
            verdict = "met" if p99 <= 100 and not missing else "NOT met"
            print(f"goal (delivered within delay + 100 ms at p99): {verdict}")
            await hub.stop()


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=200)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--delay", type=float, default=2.0)
    parser.add_argument("--gap", type=float, default=0.05)
    parser.add_argument("--burst", action="store_true")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--wecom-limit", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(run(args.open, args.samples, args.delay, args.gap, args.burst,
                    args.concurrency, args.wecom_limit))


if __name__ == "__main__":
    main()
