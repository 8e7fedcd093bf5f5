"""`python -m simulators.onvif_camera`: run one simulated camera and print where it listens."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
from pathlib import Path

from .config import OPEN_COMMON, OPEN_NONE, OPEN_STRICT, SimulatorConfig
from .server import CameraSimulator

OPEN_SETS = {"common": OPEN_COMMON, "strict": OPEN_STRICT, "none": OPEN_NONE}


def parse_args(argv: list[str] | None = None) -> SimulatorConfig:
    """Command line -> SimulatorConfig."""
    p = argparse.ArgumentParser(prog="python -m simulators.onvif_camera", description=__doc__)
    p.add_argument("--name", default="Gate Camera")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="ONVIF/HTTP port (0: any free port)")
    p.add_argument("--control-port", type=int, default=0)
    p.add_argument("--username", default="admin")
    p.add_argument("--password", default="admin")
    p.add_argument("--serial", default="SIM0001")
    p.add_argument("--mac", default="02:00:00:00:00:01")
    p.add_argument("--manufacturer", default="CampusSim")
    p.add_argument("--model", default="SIM-IPC-1")
    p.add_argument("--open", choices=sorted(OPEN_SETS), default="common",
                   help="operations answered without auth")  # fmt: skip
    p.add_argument("--snapshot-auth", choices=["digest", "basic", "none"], default="digest")
    p.add_argument("--no-ptz", action="store_true")
    p.add_argument("--no-media2", action="store_true")
    p.add_argument("--faces", type=Path, help="folder of face images to cycle through")
    p.add_argument("--face-motion", choices=["still", "walk"], default="still",
                   help="walk: faces cross the picture like people walking past")  # fmt: skip
    p.add_argument("--fps", type=float, default=5.0)
    p.add_argument("--rtsp", action="store_true", help="serve H.264 over RTSP via GStreamer")
    p.add_argument("--rtsp-port", type=int, default=0)
    p.add_argument("--rtsp-codec", choices=["h264", "h265"], default="h264",
                   help="codec of the RTSP stream")  # fmt: skip
    p.add_argument("--discovery", action="store_true", help="answer WS-Discovery probes")
    p.add_argument("--discovery-port", type=int, default=3702)
    p.add_argument("--multicast", action="store_true", help="join 239.255.255.250 (netns only)")
    p.add_argument("--zeroconf", action="store_true", help="advertise over mDNS (netns only)")
    p.add_argument("--bare-probe-match", action="store_true",
                   help="ProbeMatch straight in the Body (no ProbeMatches)")  # fmt: skip
    p.add_argument("--endpoint-addressing", choices=["wsa2004", "wsa2005"], default="wsa2004",
                   help="WS-Addressing namespace of the EndpointReference")  # fmt: skip
    p.add_argument("--discovery-reply", choices=["match", "fault"], default="match")
    p.add_argument("--relays", type=int, default=0, help="relay outputs (DeviceIO service)")
    p.add_argument("--missing", action="append", default=[], metavar="OPERATION",
                   help="answer this operation ActionNotSupported (repeatable)")  # fmt: skip
    a = p.parse_args(argv)
    return SimulatorConfig(
        name=a.name, host=a.host, port=a.port, control_port=a.control_port,
        username=a.username, password=a.password, serial=a.serial, mac=a.mac,
        manufacturer=a.manufacturer, model=a.model, open_operations=OPEN_SETS[a.open],
        snapshot_auth=a.snapshot_auth, ptz=not a.no_ptz, media2=not a.no_media2,
        faces_dir=a.faces, face_motion=a.face_motion, fps=a.fps, rtsp=a.rtsp, rtsp_port=a.rtsp_port,
        rtsp_codec=a.rtsp_codec,
        discovery=a.discovery, discovery_port=a.discovery_port, multicast=a.multicast,
        zeroconf=a.zeroconf, missing_operations=frozenset(a.missing),
        probe_matches_wrapper=not a.bare_probe_match, endpoint_addressing=a.endpoint_addressing,
        discovery_reply=a.discovery_reply, relay_outputs=a.relays,
    )  # fmt: skip


async def run(config: SimulatorConfig) -> None:
    """Start, print one JSON line with the addresses, serve until cancelled."""
    simulator = await CameraSimulator(config).start()
    try:
        info = simulator.status() | {"control_url": simulator.control_url}
        print(json.dumps(info), flush=True)
        await asyncio.Event().wait()
    finally:
        await simulator.stop()


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
