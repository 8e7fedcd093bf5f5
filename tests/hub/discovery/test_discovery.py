"""Discovery: unicast WS-Discovery, plugin matching, events, CLI; multicast in a netns."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from hub import ConfigError
from hub.discovery import discovered_devices
from hub.discovery.config import DiscoveryConfig
from hub.discovery.scanner import DiscoveryService, collect_matchers
from hub.discovery.wsdiscovery import parse_probe_matches, probe
from hub.plugins import PluginRegistry
from hub.testing.harness import HubHarness, wait_for
from simulators.onvif_camera import CameraSimulator
from tests.prerequisites import require_netns

ROOT = Path(__file__).resolve().parents[3]
HubFactory = Callable[..., Awaitable[HubHarness]]


def _camera(name: str, serial: str) -> CameraSimulator:
    return CameraSimulator(
        name=name, serial=serial, control_port=None, discovery=True, discovery_port=0
    )


def _port(sim: CameraSimulator) -> int:
    assert sim.discovery is not None
    return sim.discovery.port


async def test_unicast_probe_finds_cameras_even_from_ephemeral_ports() -> None:
    """Probing two unicast targets finds both, one of them answering from another port."""
    gate, yard = _camera("Gate Cam", "G1"), _camera("Yard Cam", "Y1")
    yard.reply_from_ephemeral = True
    async with gate, yard:
        ports = _port(gate), _port(yard)
        matches = await probe([("127.0.0.1", port) for port in ports], timeout=0.5)
    assert sorted(m.xaddrs[0] for m in matches) == sorted([gate.device_url, yard.device_url])
    senders = {m.sender[1] for m in matches}
    assert ports[0] in senders and ports[1] not in senders


def test_garbage_and_foreign_replies_are_ignored() -> None:
    """A datagram that is not XML, or answers another probe, yields no device."""
    assert parse_probe_matches(b"\x00garbage", ("127.0.0.1", 1)) == []
    assert parse_probe_matches(b"<a/>", ("127.0.0.1", 1)) == []
    other = (
        b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
        b'xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing"><s:Header>'
        b"<a:RelatesTo>urn:uuid:other</a:RelatesTo></s:Header><s:Body/></s:Envelope>"
    )
    assert parse_probe_matches(other, ("127.0.0.1", 1), f"urn:uuid:{uuid.uuid4()}") == []


async def test_scan_matches_plugins_and_proposes_yaml(plugin_registry: PluginRegistry) -> None:
    """The onvif plugin's declaration matches a probed camera; the proposal has host and port."""
    async with _camera("Gate Cam", "G1") as sim:
        config = DiscoveryConfig(probe_targets=[f"127.0.0.1:{_port(sim)}"], timeout=0.5)
        service = DiscoveryService(config, lambda: collect_matchers(plugin_registry))
        [device] = await service.scan()
    assert device.platforms == ("onvif",) and device.manufacturer == "CampusSim"
    [entry] = service.proposals(device)
    assert entry | {"password": None} == {
        "platform": "onvif", "name": "Gate Cam", "host": "127.0.0.1", "port": sim.port,
        "username": "admin", "password": None,
    }  # fmt: skip


async def test_hub_fires_device_discovered_and_lists_it(hub_factory: HubFactory) -> None:
    """With a discovery: section the hub scans at start, fires device_discovered, lists it."""
    async with _camera("Gate Cam", "G1") as sim:
        yaml = f"discovery:\n  probe_targets: ['127.0.0.1:{_port(sim)}']\n  timeout: 0.3\n"
        h = await hub_factory(yaml)
        [event] = await wait_for(lambda: h.of_type("device_discovered"))
    assert event.data["device"]["name"] == "Gate Cam"
    assert event.data["proposed"][0]["platform"] == "onvif"
    [listed] = discovered_devices(h.hub)
    assert listed["xaddrs"] == [sim.device_url]


async def test_bad_probe_target_is_a_config_error(hub_factory: HubFactory) -> None:
    """A probe target that is not host:port is reported with its place in the file."""
    with pytest.raises(ConfigError, match=r"discovery\.probe_targets"):
        await hub_factory("discovery:\n  probe_targets: ['camera-net']\n")


async def test_cli_discover_prints_plugin_and_yaml() -> None:
    """`campus-hub discover --target` prints the device, its plugin, and a YAML snippet."""
    async with _camera("Gate Cam", "G1") as sim:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "hub", "discover", "--target", f"127.0.0.1:{_port(sim)}",
            "--timeout", "0.5", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await proc.communicate()
    text = out.decode()
    assert proc.returncode == 0, err.decode()
    assert "Gate Cam" in text and "-> onvif" in text
    assert f"    port: {sim.port}\n" in text and "  - platform: onvif\n" in text


async def _ip(*args: str) -> None:
    proc = await asyncio.create_subprocess_exec("ip", *args)
    assert await proc.wait() == 0, f"ip {' '.join(args)} failed"


@pytest.mark.netns
async def test_multicast_wsdiscovery_and_mdns_in_a_namespace() -> None:
    """In a private namespace, Hello, a multicast Probe and an mDNS browse all find the camera."""
    require_netns()
    ns = f"campus-disc-{uuid.uuid4().hex[:8]}"
    await _ip("netns", "add", ns)
    try:
        await _ip("netns", "exec", ns, "ip", "link", "set", "lo", "up")
        await _ip("netns", "exec", ns, "ip", "link", "set", "lo", "multicast", "on")
        await _ip("netns", "exec", ns, "ip", "route", "add", "224.0.0.0/4", "dev", "lo")
        script = str(Path(__file__).with_name("netns_scan.py"))
        proc = await asyncio.create_subprocess_exec(
            "ip", "netns", "exec", ns, sys.executable, script,
            cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        await _ip("netns", "del", ns)
    assert proc.returncode == 0, err.decode()[-2000:]
    result = json.loads(out.decode().strip().splitlines()[-1])
    assert [d["xaddrs"] for d in result["wsd"]] == [[result["device_url"]]]
    assert [d["xaddrs"] for d in result["hello"]] == [[result["device_url"]]]
    [service] = result["mdns"]
    assert (
        service["service_type"] == "_onvif._tcp.local." and service["manufacturer"] == "CampusSim"
    )
