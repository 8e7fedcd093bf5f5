"""WS-Discovery responder: answers Probe with ProbeMatch, sends Hello and Bye (raw asyncio UDP)."""

from __future__ import annotations

import asyncio
import logging
import socket
import struct
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable

from .config import SimulatorConfig
from .soap import SOAP_ENV, text

_LOGGER = logging.getLogger(__name__)

MULTICAST_GROUP = "239.255.255.250"
WSD_PORT = 3702
WSA = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
WSA_W3C = "http://www.w3.org/2005/08/addressing"
WSD = "http://schemas.xmlsoap.org/ws/2005/04/discovery"
DN = "http://www.onvif.org/ver10/network/wsdl"
TDS = "http://www.onvif.org/ver10/device/wsdl"
TO_DISCOVERY = "urn:schemas-xmlsoap-org:ws:2005:04:discovery"
ANONYMOUS = f"{WSA}/role/anonymous"
TYPES = "dn:NetworkVideoTransmitter tds:Device"
OUR_TYPES = {"NetworkVideoTransmitter", "Device"}


def _message(action: str, body: str, extra_header: str = "", to: str = TO_DISCOVERY) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="{SOAP_ENV}" '
        f'xmlns:a="{WSA}" xmlns:d="{WSD}" xmlns:dn="{DN}" xmlns:tds="{TDS}"><s:Header>'
        f"<a:Action>{WSD}/{action}</a:Action><a:MessageID>urn:uuid:{uuid.uuid4()}</a:MessageID>"
        f"<a:To>{to}</a:To>{extra_header}</s:Header><s:Body>{body}</s:Body></s:Envelope>"
    ).encode()


def _reference(config: SimulatorConfig) -> str:
    """The EndpointReference, in the WS-Addressing namespace the config says."""
    prefix, declare = (
        ("w", f' xmlns:w="{WSA_W3C}"') if config.endpoint_addressing == "wsa2005" else ("a", "")
    )
    return (
        f"<{prefix}:EndpointReference{declare}><{prefix}:Address>{config.endpoint_uuid}"
        f"</{prefix}:Address></{prefix}:EndpointReference>"
    )


def _endpoint(config: SimulatorConfig, xaddr: str) -> str:
    scopes = " ".join(text(s) for s in config.scopes)
    return (
        f"{_reference(config)}<d:Types>{TYPES}</d:Types><d:Scopes>{scopes}</d:Scopes><d:XAddrs>{text(xaddr)}</d:XAddrs>"
        "<d:MetadataVersion>1</d:MetadataVersion>"
    )


def parse_probe(data: bytes) -> tuple[str | None, list[str], list[str]] | None:
    """(MessageID, wanted type local names, wanted scopes) of a Probe; None if not a Probe."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        return None
    probe = root.find(f"{{{SOAP_ENV}}}Body/{{{WSD}}}Probe")
    if probe is None:
        return None
    message_id = root.findtext(f"{{{SOAP_ENV}}}Header/{{{WSA}}}MessageID")
    types = [t.rpartition(":")[2] for t in (probe.findtext(f"{{{WSD}}}Types") or "").split()]
    scopes = (probe.findtext(f"{{{WSD}}}Scopes") or "").split()
    return message_id, types, scopes


def matches(config: SimulatorConfig, types: list[str], scopes: list[str]) -> bool:
    """Probe matching: every wanted type is ours, every wanted scope prefixes one of ours."""
    if any(t not in OUR_TYPES for t in types):
        return False
    return all(any(s.startswith(w) for s in config.scopes) for w in scopes)


class _Endpoint(asyncio.DatagramProtocol):
    """One UDP socket shared by every simulated camera of this process on the same port."""

    def __init__(self, key: tuple[str, int, bool]) -> None:
        self.key = key
        self.responders: list[DiscoveryResponder] = []
        self.transport: asyncio.DatagramTransport | None = None
        self.loop = asyncio.get_running_loop()

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        for responder in list(self.responders):
            responder.on_datagram(data, addr)

    def detach(self, responder: DiscoveryResponder) -> None:
        self.responders.remove(responder)
        if not self.responders and self.transport is not None:
            self.transport.close()
            _ENDPOINTS.pop(self.key, None)


#: Endpoints by (bind host, port, multicast): several cameras of one simulated site answer
#: a unicast probe to one port, as several real cameras answer one multicast probe.
_ENDPOINTS: dict[tuple[str, int, bool], _Endpoint] = {}


class DiscoveryResponder:
    """Listens on host:port (unicast) or joins 239.255.255.250 (multicast, netns only)."""

    def __init__(
        self, config: SimulatorConfig, xaddr: Callable[[], str], reply_from_ephemeral: bool = False
    ) -> None:
        self.config, self.xaddr = config, xaddr
        self.reply_from_ephemeral = reply_from_ephemeral
        self.port = 0
        self.probes = 0
        self._endpoint: _Endpoint | None = None
        self._message_number = 0

    @property
    def _transport(self) -> asyncio.DatagramTransport | None:
        return self._endpoint.transport if self._endpoint is not None else None

    def _socket(self) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if self.config.multicast:
            sock.bind(("", self.config.discovery_port))
            mreq = struct.pack(
                "4s4s", socket.inet_aton(MULTICAST_GROUP), socket.inet_aton(self.config.host)
            )
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
            sock.setsockopt(
                socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(self.config.host)
            )
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
        else:
            sock.bind((self.config.host, self.config.discovery_port))
        sock.setblocking(False)
        return sock

    async def _shared_endpoint(self) -> _Endpoint:
        c = self.config
        key = ("" if c.multicast else c.host, c.discovery_port, c.multicast)
        endpoint = _ENDPOINTS.get(key) if c.discovery_port else None
        loop = asyncio.get_running_loop()
        if endpoint is None or endpoint.loop is not loop or endpoint.transport is None:
            endpoint = _Endpoint(key)
            transport, _ = await loop.create_datagram_endpoint(
                lambda: endpoint, sock=self._socket()
            )
            endpoint.transport = transport
            if c.discovery_port:
                _ENDPOINTS[key] = endpoint
        return endpoint

    async def start(self) -> int:
        """Bind (or share this process's socket on that port); send Hello when multicasting."""
        self._endpoint = await self._shared_endpoint()
        self._endpoint.responders.append(self)
        assert self._transport is not None
        self.port = self._transport.get_extra_info("sockname")[1]
        if self.config.multicast:
            self._announce("Hello", _endpoint(self.config, self.xaddr()))
        return self.port

    def stop(self) -> None:
        """Send Bye (multicast) and leave the socket (closed with its last user)."""
        if self._transport is None:
            return
        if self.config.multicast:
            self._announce("Bye", _reference(self.config))
        endpoint, self._endpoint = self._endpoint, None
        if endpoint is not None:
            endpoint.detach(self)

    def _announce(self, action: str, endpoint: str) -> None:
        assert self._transport is not None
        self._message_number += 1
        sequence = f'<d:AppSequence InstanceId="1" MessageNumber="{self._message_number}"/>'
        message = _message(action, f"<d:{action}>{endpoint}</d:{action}>", sequence)
        self._transport.sendto(message, (MULTICAST_GROUP, WSD_PORT))

    def _reply_body(self) -> str:
        if self.config.discovery_reply == "fault":
            return (
                "<s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode>"
                "<s:Value>d:MatchingRuleNotSupported</s:Value></s:Subcode></s:Code>"
                '<s:Reason><s:Text xml:lang="en">the matching rule is not supported</s:Text>'
                "</s:Reason></s:Fault>"
            )
        body = f"<d:ProbeMatch>{_endpoint(self.config, self.xaddr())}</d:ProbeMatch>"
        if not self.config.probe_matches_wrapper:
            return body  # some firmware puts the ProbeMatch straight in the Body
        return f"<d:ProbeMatches>{body}</d:ProbeMatches>"

    def on_datagram(self, data: bytes, addr: tuple[str, int]) -> None:
        """Answer a matching Probe."""
        probe = parse_probe(data)
        if probe is None or self._transport is None:
            return
        message_id, types, scopes = probe
        self.probes += 1
        if not matches(self.config, types, scopes):
            return
        relates = f"<a:RelatesTo>{text(message_id)}</a:RelatesTo>" if message_id else ""
        reply = _message("ProbeMatches", self._reply_body(), relates, to=ANONYMOUS)
        if self.reply_from_ephemeral:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.setblocking(False)
                sock.bind((self.config.host if not self.config.multicast else "", 0))
                sock.sendto(reply, addr)
        else:
            self._transport.sendto(reply, addr)
        _LOGGER.debug("%s: ProbeMatch to %s:%s", self.config.name, *addr)
