"""Fixtures: a running simulated camera on 127.0.0.1 and a raw SOAP caller."""

from __future__ import annotations

import base64
import datetime as dt
import os
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator

import aiohttp
import pytest

from simulators.onvif_camera import CameraSimulator
from simulators.onvif_camera.auth import PASSWORD_DIGEST, password_digest
from simulators.onvif_camera.soap import NS, SOAP_ENV


@pytest.fixture
async def camera() -> AsyncIterator[CameraSimulator]:
    """A started simulator with defaults (common open set, digest snapshots, PTZ, media2)."""
    sim = CameraSimulator(discovery=True, discovery_port=0)
    await sim.start()
    yield sim
    await sim.stop()


def security_header(user: str, password: str, created: dt.datetime | None = None) -> str:
    """A WS-Security UsernameToken header with PasswordDigest."""
    nonce = os.urandom(16)
    stamp = (created or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    digest = password_digest(nonce, stamp, password)
    return (
        f'<wsse:Security xmlns:wsse="{NS["wsse"]}" xmlns:wsu="{NS["wsu"]}"><wsse:UsernameToken>'
        f"<wsse:Username>{user}</wsse:Username>"
        f'<wsse:Password Type="{PASSWORD_DIGEST}">{digest}</wsse:Password>'
        f"<wsse:Nonce>{base64.b64encode(nonce).decode()}</wsse:Nonce>"
        f"<wsu:Created>{stamp}</wsu:Created></wsse:UsernameToken></wsse:Security>"
    )


async def soap(
    url: str, body: str, user: str | None = "admin", password: str = "admin", **kw: object
) -> tuple[int, ET.Element]:
    """POST a SOAP 1.2 request; return (HTTP status, parsed Body element)."""
    header = f"<s:Header>{security_header(user, password, **kw)}</s:Header>" if user else ""  # type: ignore[arg-type]
    ns = " ".join(f'xmlns:{p}="{u}"' for p, u in NS.items() if p != "s")
    envelope = f'<s:Envelope xmlns:s="{SOAP_ENV}" {ns}>{header}<s:Body>{body}</s:Body></s:Envelope>'
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=envelope, headers={"Content-Type": "application/soap+xml"}) as resp,
    ):
        text = await resp.text()
    root = ET.fromstring(text)
    found = root.find(f"{{{SOAP_ENV}}}Body")
    assert found is not None
    return resp.status, found


def fault_subcode(body: ET.Element) -> str | None:
    """The fault's Subcode value, or None when the body is not a fault."""
    return body.findtext("s:Fault/s:Code/s:Subcode/s:Value", namespaces=NS)
