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
    "MULTICAST_TARGET", "HelloListener", "ProbeMatch", "Refusal", "build_probe", "parse_hello",
    "parse_probe_matches", "parse_reply", "probe",
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


@dataclass(frozen=True, slots=True)
class Refusal:
    """A datagram that answered a probe but could not be used, and why."""

    sender: tuple[str, int]
    reason: str


def build_probe(message_id: str, types: str = "dn:NetworkVideoTransmitter") -> bytes:
    """A WS-Discovery Probe for ONVIF video transmitters."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="{SOAP_ENV}" '
        f'xmlns:a="{WSA}" xmlns:d="{WSD}" xmlns:dn="{DN}"><s:Header>'
        f"<a:Action>{WSD}/Probe</a:Action><a:MessageID>{message_id}</a:MessageID>"
        "<a:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To></s:Header>"
        f"<s:Body><d:Probe><d:Types>{types}</d:Types></d:Probe></s:Body></s:Envelope>"
    ).encode()


def _local(tag: str) -> str:
    """The local name of a Clark-notation tag: '{uri}ProbeMatch' -> 'ProbeMatch'."""
    return tag.rpartition("}")[2]


def _child(element: ET.Element | None, name: str) -> ET.Element | None:
    """The first child with this local name, in whatever namespace the device used."""
    if element is None:
        return None
    return next((child for child in element if _local(child.tag) == name), None)


def _child_text(element: ET.Element | None, name: str) -> str:
    child = _child(element, name)
    return (child.text or "").strip() if child is not None else ""


def parse_reply(
    data: bytes, sender: tuple[str, int], message_id: str | None = None
) -> tuple[list[ProbeMatch], str | None]:
    """ProbeMatches of a datagram, or [] and why it was refused.

    Parsed by local names: vendors put the ProbeMatch straight in the Body (no ProbeMatches
    wrapper) or the EndpointReference in another WS-Addressing namespace, and both are valid
    enough to use.
    """
    try:
        root = ET.fromstring(data)
    except ET.ParseError as err:
        return [], f"not XML ({err})"
    if _local(root.tag) != "Envelope":
        return [], f"not a SOAP envelope (root element {_local(root.tag)})"
    body = _child(root, "Body")
    if body is None:
        return [], "no SOAP Body"
    relates = _child_text(_child(root, "Header"), "RelatesTo")
    if message_id and relates and relates != message_id:
        return [], f"answers another probe (RelatesTo {relates})"
    fault = _child(body, "Fault")
    if fault is not None:
        reason = " ".join(text.strip() for text in fault.itertext() if text.strip())
        return [], f"SOAP fault: {reason}"
    elements = [element for element in body.iter() if _local(element.tag) == "ProbeMatch"]
    if not elements:
        found = ", ".join(_local(child.tag) for child in body) or "nothing"
        return [], f"no ProbeMatch in the SOAP Body (found {found})"
    matches = [_match(element, sender) for element in elements]
    usable = [m for m in matches if m.endpoint or m.xaddrs]
    if not usable:
        return [], "ProbeMatch without EndpointReference Address and without XAddrs"
    return usable, None


def parse_probe_matches(
    data: bytes, sender: tuple[str, int], message_id: str | None = None
) -> list[ProbeMatch]:
    """ProbeMatch entries of a datagram; [] for anything else (garbage, other replies)."""
    return parse_reply(data, sender, message_id)[0]


def parse_hello(data: bytes, sender: tuple[str, int]) -> ProbeMatch | None:
    """The announcement of a Hello datagram; None for anything else."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        return None
    hello = _child(_child(root, "Body"), "Hello")
    return None if hello is None else _match(hello, sender)


def _match(element: ET.Element, sender: tuple[str, int]) -> ProbeMatch:
    return ProbeMatch(
        endpoint=_child_text(_child(element, "EndpointReference"), "Address"),
        types=tuple(_child_text(element, "Types").split()),
        scopes=tuple(_child_text(element, "Scopes").split()),
        xaddrs=tuple(_child_text(element, "XAddrs").split()),
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
    targets: Sequence[tuple[str, int]], *, interface: str = "127.0.0.1", timeout: float = 2.0,
    on_refused: Callable[[Refusal], object] | None = None,
) -> list[ProbeMatch]:
    """Send one Probe to each target, collect ProbeMatches from any port until `timeout`.

    Raises OSError when no probe could be sent (no such interface, no route). Every datagram
    that is not a usable answer goes to `on_refused` with the reason.
    """
    message_id = f"urn:uuid:{uuid.uuid4()}"
    payload = build_probe(message_id)
    loop = asyncio.get_running_loop()
    sock = _socket(interface, any(_is_multicast(host) for host, _ in targets))
    found: dict[str, ProbeMatch] = {}
    try:
        errors: list[OSError] = []
        for target in targets:
            try:
                await loop.sock_sendto(sock, payload, target)
            except OSError as err:
                _LOGGER.warning("WS-Discovery: cannot probe %s:%s: %s", *target, err)
                errors.append(err)
        if targets and len(errors) == len(targets):
            raise errors[0]  # no probe left: the network is not up (yet)
        try:
            async with asyncio.timeout(timeout):
                while True:
                    data, sender = await loop.sock_recvfrom(sock, MAX_DATAGRAM)
                    matches, reason = parse_reply(data, sender, message_id)
                    if reason is not None:
                        _LOGGER.debug("WS-Discovery: refused a reply from %s:%s: %s",
                                      *sender, reason)  # fmt: skip
                        if on_refused is not None:
                            on_refused(Refusal(sender, reason))
                    for match in matches:
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
