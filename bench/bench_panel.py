"""Panel bench: incident_raised -> rendered in the browser, and the panel's first load.

    .venv/bin/python bench/bench_panel.py [--incidents 200] [--interval 0.05] [--recorder]

Starts a hub with the HTTP component on 127.0.0.1 (recorder off unless --recorder, so the
figure is the panel's own path: bus -> WebSocket -> browser -> DOM), logs a guard into
headless Debian Chromium on the incidents page, raises incidents one by one and records, in
the page, when each row appears (a MutationObserver). Prints p50/p99/max latency, then
the first load (navigation start -> incidents page rendered with live data) and the bytes
transferred, cold and warm (revalidated from the cache), for a logged-in guard.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import logging

from playwright.async_api import Page, async_playwright

from bench.figures import percentile
from hub.bus import Event
from hub.http import HttpComponent
from hub.testing import make_hub

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "bench password 1"

OBSERVER = """
window.__seen = {};
new MutationObserver(() => {
  const now = performance.timeOrigin + performance.now();
  for (const li of document.querySelectorAll('li.incident')) {
    const id = li.dataset.incidentId;
    if (!(id in window.__seen)) window.__seen[id] = now;
  }
}).observe(document.body, {childList: true, subtree: true});
"""

FIRST_LOAD = """
() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const res = performance.getEntriesByType('resource')
    .filter((r) => !r.name.includes('/api/websocket'));
  const bytes = nav.transferSize + res.reduce((n, r) => n + r.transferSize, 0);
  const body = nav.encodedBodySize + res.reduce((n, r) => n + r.encodedBodySize, 0);
  return {bytes, body, files: res.length + 1};
}
"""


def _site(recorder: bool, data_dir: Path) -> str:
    rec = (f"recorder:\n  db_url: sqlite+aiosqlite:///{data_dir / 'bench.db'}\n"
           if recorder else "recorder:\n  enabled: false\n")
    return rec + textwrap.dedent("""\
        http:
          port: 0
        devices:
          - platform: acme_gate
            name: Main entrance
            gate: main
        """)


async def _login(page: Page, url: str) -> None:
    await page.goto(url + "/")
    await page.fill("input[name=name]", "guard")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_selector("header.top nav")


async def _latency(page: Page, hub: Any, count: int, interval: float) -> list[float]:
    raised: dict[str, float] = {}

    def on_raised(event: Event) -> None:
        raised[event.data["incident_id"]] = event.time_fired * 1000

    remove = hub.bus.listen("incident_raised", on_raised)
    for n in range(count):
        await hub.incidents.raise_incident("intrusion", source=f"alarm.fence_{n}",
                                           message=f"Fence zone {n}")
        await asyncio.sleep(interval)
    await page.wait_for_function(f"Object.keys(window.__seen).length >= {count}",
                                 timeout=30000)
    seen: dict[str, float] = await page.evaluate("window.__seen")
    remove()
    return [seen[i] - t0 for i, t0 in raised.items()]


async def _first_load(browser: Any, url: str, storage: Any, warm: bool) -> dict[str, Any]:
    context = await browser.new_context(storage_state=storage)
    page = await context.new_page()
    if warm:  # fill the cache first; the timed load revalidates with ETags
        await page.goto(url + "/")
        await page.wait_for_selector("page-incidents h2")
    started = time.perf_counter()
    await page.goto(url + "/")
    await page.wait_for_selector(
        "page-incidents li.incident, page-incidents .list .empty:not([hidden])")
    await page.wait_for_function("!document.querySelector('campus-app').classList"
                                 ".contains('offline') && window.performance")
    elapsed = time.perf_counter() - started
    sizes: dict[str, Any] = await page.evaluate(FIRST_LOAD)
    await context.close()
    return {"seconds": elapsed, **sizes}


async def main(args: argparse.Namespace) -> None:
    """Run the bench and print the figures."""
    with tempfile.TemporaryDirectory() as tmp:
        harness = await make_hub(Path(tmp), _site(args.recorder, Path(tmp)))
        hub = harness.hub
        http = hub.components["http"]
        assert isinstance(http, HttpComponent)
        await http.started.wait()
        await http.store.add_user("guard", "guard", PASSWORD)
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            context = await browser.new_context(viewport={"width": 1280, "height": 720})
            page = await context.new_page()
            await _login(page, http.url)
            await page.evaluate(OBSERVER)
            await page.wait_for_timeout(500)
            latencies = await _latency(page, hub, args.incidents, args.interval)
            storage = await context.storage_state()
            await context.close()
            cold = await _first_load(browser, http.url, storage, warm=False)
            warm = await _first_load(browser, http.url, storage, warm=True)
            await browser.close()
        await hub.stop()
    print(f"incident_raised -> row rendered, n={len(latencies)} "
          f"(recorder {'on' if args.recorder else 'off'}, {args.interval * 1000:.0f} ms apart, "
          f"list grows to {args.incidents} open incidents)")
    print(f"  p50 {statistics.median(latencies):.1f} ms  p99 {percentile(latencies, 0.99):.1f} ms  "
          f"max {max(latencies):.1f} ms")
    for name, load in (("cold", cold), ("warm", warm)):
        print(f"first load ({name}, logged in, {args.incidents} open incidents): "
              f"{load['seconds'] * 1000:.0f} ms, {load['bytes'] / 1024:.1f} KiB transferred "
              f"({load['body'] / 1024:.1f} KiB bodies, {load['files']} files)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--incidents", type=int, default=200)
    parser.add_argument("--interval", type=float, default=0.05)
    parser.add_argument("--recorder", action="store_true")
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main(parser.parse_args()))
