"""Start-up cost: a site without uplinks and without the panel pays nothing for them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

_CODE = """
import asyncio, sys, tempfile
from pathlib import Path
from hub.plugins import PluginRegistry
from hub.testing.harness import make_hub

HEAVY = ("aiohttp.web", "hub.uplinks.http", "hub.liveview.http",
         "plugins.uplinks.gat1400.inbound")

async def main():
    # the core alone, as bench_core starts it: no plugins
    harness = await make_hub(Path(tempfile.mkdtemp()), "recorder: {enabled: false}\\n",
                             registry=PluginRegistry())
    print("MANAGER", "uplinks" in harness.hub.components)
    await harness.hub.stop()
    print("CORE", sorted(m for m in HEAVY if m in sys.modules))
    # every installed plugin, as `campus-hub run` loads them, still without uplinks
    harness = await make_hub(Path(tempfile.mkdtemp()), "recorder: {enabled: false}\\n")
    await harness.hub.stop()
    print("SITE", sorted(m for m in HEAVY[1:] if m in sys.modules))

asyncio.run(main())
"""


def test_a_hub_without_uplinks_or_panel_does_not_load_the_web_server() -> None:
    """bench_core's start-up rows went 0.22 -> 0.40 s and +14 MiB when the uplink routes
    (aiohttp's server, ~130 modules) were imported on every hub; they load with `http:`.
    Likewise the GA/T 1400 uplink's inbound routes load when such an uplink starts."""
    root = Path(__file__).resolve().parents[3]
    done = subprocess.run([sys.executable, "-c", _CODE], cwd=root, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "MANAGER True" in done.stdout, done.stdout
    assert "CORE []" in done.stdout, done.stdout
    assert "SITE []" in done.stdout, done.stdout
