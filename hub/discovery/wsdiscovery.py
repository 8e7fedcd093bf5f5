"""ONVIF WS-Discovery Probe / ProbeMatch over raw asyncio UDP (unicast or multicast)."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass

_LOGGER = logging.getLogger(__name__)

__all__ = [
    "MULTICAST_TARGET", "HelloListener", "ProbeMatch", "build_probe", "parse_hello",
    "parse_probe_matches", "probe",
]  # fmt: skip

SOAP_ENV = "http://www.w3.org/2003/05/soap-envelope"
WSA = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
WSD = "http://schemas.xmlsoap.org/ws/2005/04/discovery"
DN = "http://www.onvif.org/ver10/network/wsdl"
MULTICAST_TARGET = ("239.255.255.250", 3702)
MAX_DATAGRAM = 65535


@dataclass(frozen=True, slots=True)
class ProbeMatch:
    """One device that answered: its endpoint reference, types, scopes and service addresses."""

    endpoint: str
    types: tuple[str, ...]
    scopes: tuple[str, ...]
    xaddrs: tuple[str, ...]
    sender: tuple[str, int]


def build_probe(message_id: str, types: str = "dn:NetworkVideoTransmitter") -> bytes:
    """A WS-Discovery Probe for ONVIF video transmitters."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="{SOAP_ENV}" '
        f'xmlns:a="{WSA}" xmlns:d="{WSD}" xmlns:dn="{DN}"><s:Header>'
        f"<a:Action>{WSD}/Probe</a:Action><a:MessageID>{message_id}</a:MessageID>"
        "<a:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To></s:Header>"
        f"<s:Body><d:Probe><d:Types>{types}</d:Types></d:Probe></s:Body></s:Envelope>"
    ).encode()


def parse_probe_matches(
    data: bytes, sender: tuple[str, int], message_id: str | None = None
) -> list[ProbeMatch]:
    """ProbeMatch entries of a datagram; [] for anything else (garbage, other replies)."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        _LOGGER.debug("Ignoring a non-XML datagram from %s:%s", *sender)
        return []
    relates = root.findtext(f"{{{SOAP_ENV}}}Header/{{{WSA}}}RelatesTo")
    if message_id and relates and relates.strip() != message_id:
        return []
    path = f"{{{SOAP_ENV}}}Body/{{{WSD}}}ProbeMatches/{{{WSD}}}ProbeMatch"
    return [_match(element, sender) for element in root.iterfind(path)]


def parse_hello(data: bytes, sender: tuple[str, int]) -> ProbeMatch | None:
    """The announcement of a Hello datagram; None for anything else."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        return None
    hello = root.find(f"{{{SOAP_ENV}}}Body/{{{WSD}}}Hello")
    return None if hello is None else _match(hello, sender)


def _match(element: ET.Element, sender: tuple[str, int]) -> ProbeMatch:
    endpoint = element.findtext(f"{{{WSA}}}EndpointReference/{{{WSA}}}Address") or ""
    return ProbeMatch(
        endpoint=endpoint.strip(),
        types=tuple((element.findtext(f"{{{WSD}}}Types") or "").split()),
        scopes=tuple((element.findtext(f"{{{WSD}}}Scopes") or "").split()),
        xaddrs=tuple((element.findtext(f"{{{WSD}}}XAddrs") or "").split()),
        sender=sender,
    )


def _is_multicast(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_multicast
    except ValueError:
        return False


def _socket(interface: str, multicast: bool) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setblocking(False)
    sock.bind((interface, 0))
    if multicast:
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(interface))
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
    return sock


async def probe(
    targets: Sequence[tuple[str, int]], *, interface: str = "127.0.0.1", timeout: float = 2.0
) -> list[ProbeMatch]:
    """Send one Probe to each target, collect ProbeMatches from any port until `timeout`."""
    message_id = f"urn:uuid:{uuid.uuid4()}"
    payload = build_probe(message_id)
    loop = asyncio.get_running_loop()
    sock = _socket(interface, any(_is_multicast(host) for host, _ in targets))
    found: dict[str, ProbeMatch] = {}
    try:
        for target in targets:
            try:
                await loop.sock_sendto(sock, payload, target)
            except OSError as err:
                _LOGGER.warning("WS-Discovery: cannot probe %s:%s: %s", *target, err)
        try:
            async with asyncio.timeout(timeout):
                while True:
                    data, sender = await loop.sock_recvfrom(sock, MAX_DATAGRAM)
                    for match in parse_probe_matches(data, sender, message_id):
                        found.setdefault(match.endpoint or ",".join(match.xaddrs), match)
        except TimeoutError:
            pass
    finally:
        sock.close()
    return list(found.values())


class _HelloProtocol(asyncio.DatagramProtocol):
    def __init__(self, on_hello: Callable[[ProbeMatch], object]) -> None:
        self.on_hello = on_hello

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        hello = parse_hello(data, addr)
        if hello is not None:
            self.on_hello(hello)


class HelloListener:
    """Joins 239.255.255.250:3702 on one interface and reports Hello announcements."""

    def __init__(self, interface: str, on_hello: Callable[[ProbeMatch], object]) -> None:
        self.interface, self.on_hello = interface, on_hello
        self._transport: asyncio.BaseTransport | None = None

    async def start(self) -> None:
        """Bind the WS-Discovery port (shared) and join the group."""
        group, port = MULTICAST_TARGET
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("", port))
        membership = socket.inet_aton(group) + socket.inet_aton(self.interface)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, membership)
        sock.setblocking(False)
        loop = asyncio.get_running_loop()
        self._transport, _ = await loop.create_datagram_endpoint(
            lambda: _HelloProtocol(self.on_hello), sock=sock
        )

    def stop(self) -> None:
        """Leave the group and close."""
        if self._transport is not None:
            self._transport.close()
            self._transport = None
