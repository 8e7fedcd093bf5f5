"""Run INSIDE a network namespace (the netns test starts it): one camera, two ways to find it.

Starts a simulated camera that answers multicast WS-Discovery and advertises `_onvif._tcp`
over mDNS, scans with both, then starts a hub (camera already up, its Hello long gone) and
waits for its `device_discovered`; then a hub whose interface comes up after it started.
Prints one JSON line with what was found.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from pathlib import Path

from hub.discovery.config import DiscoveryConfig
from hub.discovery.scanner import DiscoveryService, collect_matchers
from hub.plugins import PluginRegistry
from hub.testing.harness import make_hub, wait_for
from simulators.onvif_camera import CameraSimulator

HUB_YAML = "discovery:\n  multicast: true\n  probe_targets: []\n  timeout: 1\n"
#: The hub probes from an address the namespace does not have yet (a hub up before its network).
LATE_ADDRESS = "10.77.0.1"
LATE_YAML = f"discovery:\n  interface: {LATE_ADDRESS}\n  probe_targets: ['127.0.0.1:3702']\n"


async def _late_network(registry: PluginRegistry) -> list[dict[str, object]]:
    """Start a hub before its interface exists, add the address: the camera is still found."""
    with tempfile.TemporaryDirectory() as folder:
        h = await make_hub(Path(folder), LATE_YAML, registry)
        try:
            await asyncio.sleep(0.5)
            proc = await asyncio.create_subprocess_exec(
                "ip", "addr", "add", f"{LATE_ADDRESS}/32", "dev", "lo"
            )
            assert await proc.wait() == 0
            events = await wait_for(lambda: h.of_type("device_discovered"), timeout=8)
        except TimeoutError:
            events = []
        finally:
            await h.hub.stop()
    return [e.data for e in events]


async def main() -> None:
    """Scan with WS-Discovery and mDNS, then start a hub; print the result."""
    registry = PluginRegistry()
    registry.load_entry_points()
    sim = CameraSimulator(
        name="Netns Cam", control_port=None, discovery=True, multicast=True, zeroconf=True
    )
    async with sim:
        config = DiscoveryConfig(multicast=True, zeroconf=True, probe_targets=[], timeout=1.5)
        service = DiscoveryService(config, lambda: collect_matchers(registry))
        scanned = await service.scan()
        await asyncio.sleep(0.5)  # the camera's Hello is over before the hub starts
        with tempfile.TemporaryDirectory() as folder:
            h = await make_hub(Path(folder), HUB_YAML, registry)
            try:
                events = await wait_for(lambda: h.of_type("device_discovered"), timeout=5)
            except TimeoutError:
                events = []
            finally:
                await h.hub.stop()
        late = await _late_network(registry)
        print(json.dumps({
            "device_url": sim.device_url,
            "scanned": [d.as_dict() for d in scanned],
            "known": service.as_list(),
            "hub": [e.data for e in events],
            "late": late,
        }), flush=True)  # fmt: skip


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
