"""WS-Discovery replies of other vendors' cameras, and YAML that `discover` prints (issue 10.10)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest

from hub.discovery.wsdiscovery import Refusal, parse_reply, probe
from simulators.onvif_camera import CameraSimulator

from .netns import require_netns, run_in_netns


def _camera(name: str, serial: str, **switches: Any) -> CameraSimulator:
    return CameraSimulator(
        name=name, serial=serial, control_port=None, discovery=True, discovery_port=0, **switches
    )


def _target(sim: CameraSimulator) -> str:
    assert sim.discovery is not None
    return f"127.0.0.1:{sim.discovery.port}"


async def _discover(*args: str, cwd: Path | None = None) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hub", "discover", "--timeout", "0.5", *args, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await proc.communicate()
    assert proc.returncode is not None
    assert not err.strip() or "Traceback" not in err.decode(), err.decode()
    return proc.returncode, out.decode()


async def test_bare_probe_match_with_w3c_endpoint_reference_is_found() -> None:
    """A ProbeMatch straight in the Body, EndpointReference in W3C WS-Addressing: one camera."""
    sim = _camera("Bare Cam", "B1", probe_matches_wrapper=False, endpoint_addressing="wsa2005")
    refused: list[Refusal] = []
    async with sim:
        host, port = _target(sim).split(":")
        [found] = await probe([(host, int(port))], timeout=0.5, on_refused=refused.append)
    assert found.endpoint == sim.config.endpoint_uuid and found.xaddrs == (sim.device_url,)
    assert "onvif://www.onvif.org/name/Bare_Cam" in found.scopes and refused == []


async def test_discover_verbose_says_why_a_reply_was_refused() -> None:
    """A camera answering a SOAP fault: `discover` says a reply was unusable, `-v` says why."""
    async with _camera("Odd Cam", "O1", discovery_reply="fault") as sim:
        target = _target(sim)
        code, quiet = await _discover("--target", target)
        code_v, verbose = await _discover("--target", target, "-v")
    assert code == code_v == 1
    assert "1 reply(ies) could not be used (-v says why)" in quiet
    assert "MatchingRuleNotSupported" not in quiet
    assert f"refused a reply from {target}: SOAP fault:" in verbose
    assert "MatchingRuleNotSupported" in verbose


def _blocks(text: str) -> tuple[str, str]:
    """The devices block and the secrets.yaml lines of `discover`'s output."""
    devices = text[text.index("devices:\n") :].split("\n\n")[0] + "\n"
    secrets = text.split("real password:\n\n", 1)[1]
    return devices, secrets


async def test_printed_yaml_validates_as_is(tmp_path: Path) -> None:
    """Two cameras of the same name: the printed devices and secrets pass check-config unchanged."""
    async with _camera("Gate Cam", "G1") as one, _camera("Gate Cam", "G2") as two:
        code, text = await _discover("--target", _target(one), "--target", _target(two))
    assert code == 0, text
    devices, secrets = _blocks(text)
    assert "!secret gate_cam_password" in devices and "!secret gate_cam_2_password" in devices
    assert secrets == "gate_cam_password: CHANGE-ME\ngate_cam_2_password: CHANGE-ME\n"
    (tmp_path / "site.yaml").write_text(devices)
    (tmp_path / "secrets.yaml").write_text(secrets)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hub", "check-config", str(tmp_path / "site.yaml"),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    checked, _ = await proc.communicate()
    assert proc.returncode == 0, checked.decode()


async def test_only_missing_secrets_are_listed(tmp_path: Path) -> None:
    """With --config, secrets already in its secrets.yaml are not asked for again."""
    (tmp_path / "site.yaml").write_text("hub: {}\n")
    (tmp_path / "secrets.yaml").write_text("yard_cam_password: s3cret\n")
    async with _camera("Yard Cam", "Y1") as yard, _camera("Gate Cam", "G1") as gate:
        args = ("--target", _target(yard), "--target", _target(gate))
        code, text = await _discover(*args, "--config", str(tmp_path / "site.yaml"))
    assert code == 0, text
    assert _blocks(text)[1] == "gate_cam_password: CHANGE-ME\n"
    assert f"{tmp_path / 'secrets.yaml'}" in text


@pytest.mark.netns
async def test_one_camera_two_ways_and_a_hub_started_after_it() -> None:
    """In a namespace: WS-Discovery + mDNS at one host:port is proposed once; a hub started
    after the camera (its Hello missed) probes and finds it, also when its network came late."""
    require_netns()
    result = await run_in_netns(Path(__file__).with_name("netns_hub.py"))
    [scanned] = result["scanned"]
    assert scanned["xaddrs"] == [result["device_url"]] and scanned["platforms"] == ["onvif"]
    assert len(result["known"]) == 1
    [event] = result["hub"]
    assert event["device"]["xaddrs"] == [result["device_url"]]
    [late] = result["late"]
    assert late["device"]["name"] == "Netns Cam"


def test_ws_discovery_1_1_namespaces_parse() -> None:
    """A WS-Discovery 1.1 reply (OASIS 2009/01 namespace, W3C addressing) parses by local names.

    Written from the OASIS WS-Discovery 1.1 specification, section 5.3 (ProbeMatch).
    """
    reply = (
        b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
        b'xmlns:a="http://www.w3.org/2005/08/addressing" '
        b'xmlns:d="http://docs.oasis-open.org/ws-dd/ns/discovery/2009/01"><s:Header>'
        b"<a:RelatesTo>urn:uuid:probe-1</a:RelatesTo></s:Header><s:Body><d:ProbeMatches>"
        b"<d:ProbeMatch><a:EndpointReference><a:Address>urn:uuid:cam-7</a:Address>"
        b"</a:EndpointReference><d:Types>dn:NetworkVideoTransmitter</d:Types>"
        b"<d:Scopes>onvif://www.onvif.org/name/Hall</d:Scopes>"
        b"<d:XAddrs>http://192.0.2.7/onvif/device_service</d:XAddrs>"
        b"<d:MetadataVersion>1</d:MetadataVersion></d:ProbeMatch></d:ProbeMatches></s:Body>"
        b"</s:Envelope>"
    )
    matches, reason = parse_reply(reply, ("192.0.2.7", 3702), "urn:uuid:probe-1")
    assert reason is None
    [match] = matches
    assert match.endpoint == "urn:uuid:cam-7"
    assert match.xaddrs == ("http://192.0.2.7/onvif/device_service",)
    assert parse_reply(reply, ("192.0.2.7", 3702), "urn:uuid:other")[1] == (
        "answers another probe (RelatesTo urn:uuid:probe-1)"
    )
