"""WS-Discovery responder, HTTP control endpoint, command line and RTSP of the simulator."""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import uuid
from pathlib import Path

import aiohttp
import cv2

from simulators.onvif_camera import CameraSimulator
from simulators.onvif_camera.discovery import WSA, WSD
from simulators.onvif_camera.scene import Scene, list_faces_blocking
from simulators.onvif_camera.soap import SOAP_ENV
from tests.prerequisites import require_gstreamer_rtsp


def _probe(scopes: str = "") -> bytes:
    return (
        f'<s:Envelope xmlns:s="{SOAP_ENV}" xmlns:a="{WSA}" xmlns:d="{WSD}" '
        'xmlns:dn="http://www.onvif.org/ver10/network/wsdl"><s:Header>'
        f"<a:Action>{WSD}/Probe</a:Action><a:MessageID>urn:uuid:{uuid.uuid4()}</a:MessageID>"
        "<a:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To></s:Header><s:Body><d:Probe>"
        f"<d:Types>dn:NetworkVideoTransmitter</d:Types><d:Scopes>{scopes}</d:Scopes>"
        "</d:Probe></s:Body></s:Envelope>"
    ).encode()


async def _ask(port: int, payload: bytes, wait: float = 0.5) -> list[tuple[bytes, int]]:
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setblocking(False)
    sock.bind(("127.0.0.1", 0))
    replies: list[tuple[bytes, int]] = []
    try:
        await loop.sock_sendto(sock, payload, ("127.0.0.1", port))
        async with asyncio.timeout(wait):
            while True:
                data, addr = await loop.sock_recvfrom(sock, 65535)
                replies.append((data, addr[1]))
    except TimeoutError:
        pass
    finally:
        sock.close()
    return replies


async def test_unicast_probe_gets_probe_match(camera: CameraSimulator) -> None:
    """A unicast Probe to the responder's port gets a ProbeMatch naming the device XAddr."""
    assert camera.discovery is not None
    replies = await _ask(camera.discovery.port, _probe())
    assert len(replies) == 1
    assert camera.device_url.encode() in replies[0][0] and b"ProbeMatches" in replies[0][0]
    assert replies[0][1] == camera.discovery.port


async def test_probe_match_from_ephemeral_port_and_scope_filter() -> None:
    """The reply may come from another port; a scope the camera lacks gets no answer."""
    sim = CameraSimulator(discovery=True, discovery_port=0, control_port=None)
    sim.reply_from_ephemeral = True
    async with sim:
        assert sim.discovery is not None
        replies = await _ask(sim.discovery.port, _probe("onvif://www.onvif.org/location/gate"))
        assert len(replies) == 1 and replies[0][1] != sim.discovery.port
        assert await _ask(sim.discovery.port, _probe("onvif://www.onvif.org/location/roof")) == []
        assert await _ask(sim.discovery.port, b"not xml at all", wait=0.2) == []


async def test_control_endpoint_triggers_events_and_faults(camera: CameraSimulator) -> None:
    """POST /event and /fault change the camera; bad input is a 400 naming the field."""
    async with aiohttp.ClientSession(base_url=camera.control_url) as session:
        async with session.post("/event", json={"kind": "tamper", "state": True}) as resp:
            assert resp.status == 200
        async with session.post("/event", json={"kind": "smoke"}) as resp:
            assert resp.status == 400 and "kind" in await resp.text()
        async with session.post("/fault", json={"fault": "soap_fault"}) as resp:
            assert resp.status == 200
        async with session.post("/down") as resp:
            assert resp.status == 200
        async with session.get("/status") as resp:
            status = await resp.json()
    assert status["events"]["tamper:VideoSource_1"] is True
    assert status["fault"] == "soap_fault" and status["down"] is True


async def test_command_line_prints_addresses() -> None:
    """`python -m simulators.onvif_camera --port 0` prints one JSON line with its addresses."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "simulators.onvif_camera", "--port", "0",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        async with asyncio.timeout(20):
            line = await proc.stdout.readline()
        info = json.loads(line)
        assert info["device_url"].startswith("http://127.0.0.1:")
        async with (
            aiohttp.ClientSession() as session,
            session.get(info["control_url"] + "/status") as resp,
        ):
            assert resp.status == 200
    finally:
        proc.terminate()
        await proc.wait()


def test_faces_folder_cycles(faces: Path) -> None:
    """With a faces folder the scene shows a different face every face_seconds."""
    known = list_faces_blocking(faces / "known")
    scene = Scene("cam", 320, 240, known, face_seconds=2.0)
    assert scene.face_at(0.0) != scene.face_at(2.0)
    assert scene.render_blocking(0.0).shape == (240, 320, 3)


async def test_rtsp_stream_is_readable_by_opencv() -> None:
    """With rtsp=True the stream URI is RTSP H.264 that OpenCV decodes at the scene size."""
    require_gstreamer_rtsp()
    async with CameraSimulator(rtsp=True, control_port=None, width=320, height=240) as sim:
        assert sim.ctx.rtsp_url and sim.ctx.stream_url == sim.ctx.rtsp_url

        def grab() -> tuple[bool, tuple[int, ...]]:
            cap = cv2.VideoCapture(str(sim.ctx.rtsp_url), cv2.CAP_FFMPEG)
            try:
                ok, frame = cap.read()
                return ok, frame.shape if ok else ()
            finally:
                cap.release()

        ok, shape = await asyncio.to_thread(grab)
    assert ok and shape == (240, 320, 3)


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_cameras_of_one_process_share_a_discovery_port() -> None:
    """Two cameras on one fixed port both answer one unicast probe (like a multicast probe)."""
    port = _free_udp_port()
    one = CameraSimulator(name="One", serial="S1", control_port=None, discovery=True,
                          discovery_port=port)  # fmt: skip
    two = CameraSimulator(name="Two", serial="S2", control_port=None, discovery=True,
                          discovery_port=port)  # fmt: skip
    async with one, two:
        replies = await _ask(port, _probe())
        assert sorted(b"Two" in data for data, _ in replies) == [False, True]
        await two.go_down()
        assert len(await _ask(port, _probe())) == 1
    assert len(await _ask(port, _probe(), wait=0.2)) == 0
