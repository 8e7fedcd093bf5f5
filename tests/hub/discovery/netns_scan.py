"""Run INSIDE a network namespace (the netns test starts it): multicast WS-Discovery, mDNS.

Listens for Hello, starts a simulated camera that joins 239.255.255.250:3702 and advertises
over mDNS, probes by multicast and browses, and prints one JSON line with what was found.
"""

from __future__ import annotations

import asyncio
import json

from hub.discovery.devices import from_probe_match, from_zeroconf
from hub.discovery.mdns import browse
from hub.discovery.wsdiscovery import MULTICAST_TARGET, HelloListener, ProbeMatch, probe
from simulators.onvif_camera import CameraSimulator


async def main() -> None:
    """Listen for Hello, start a camera, probe and browse once; print the result."""
    hellos: list[ProbeMatch] = []
    listener = HelloListener("127.0.0.1", hellos.append)
    await listener.start()
    sim = CameraSimulator(
        name="Netns Cam", control_port=None, discovery=True, multicast=True, zeroconf=True,
    )  # fmt: skip
    async with sim:
        matches = await probe([MULTICAST_TARGET], interface="127.0.0.1", timeout=1.0)
        services = await browse(["_onvif._tcp.local."], interface="127.0.0.1", timeout=2.0)
        print(json.dumps({
            "device_url": sim.device_url,
            "wsd": [from_probe_match(m).as_dict() for m in matches],
            "mdns": [from_zeroconf(s).as_dict() for s in services],
            "hello": [from_probe_match(m).as_dict() for m in hellos],
        }), flush=True)  # fmt: skip
    listener.stop()


if __name__ == "__main__":
    asyncio.run(main())
