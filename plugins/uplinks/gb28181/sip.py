"""A small SIP endpoint for GB/T 28181 on aiosipua's message parser and transports.

aiosipua parses and serialises messages, answers digest challenges and owns the UDP and
TCP transports; its call-oriented UAS/UAC have no MESSAGE/SUBSCRIBE dispatch and no UDP
retransmission of non-INVITE requests, so this module adds what GB/T 28181 needs: client
transactions (RFC 3261 17.1.2 timers E/F over UDP), server handlers by method, and a
cache that answers a retransmitted request with the same response.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from aiosipua import SipRequest, SipResponse, generate_branch, generate_call_id, generate_tag
from aiosipua.transport import SipTransport, TcpSipTransport, UdpSipTransport

_LOGGER = logging.getLogger(__name__)

__all__ = [
    "SipEndpoint",
    "SipTimeout",
    "header_tag",
    "header_uri",
    "make_response",
    "uri_user",
]

T1, T2 = 0.5, 4.0
Addr = tuple[str, int]
Handler = Callable[[SipRequest, Addr], Awaitable[SipResponse | None]]
USER_AGENT = "Campus Hub GB28181"


class _Datagrams(asyncio.DatagramProtocol):
    """Feeds datagrams to the aiosipua transport (its own protocol asserts a transport class
    that Python 3.11's selector loop does not use and logs an error on every bind)."""

    def __init__(self, owner: _UdpTransport) -> None:
        self.owner = owner

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self.owner._dispatch(data, (str(addr[0]), int(addr[1])))

    def error_received(self, exc: Exception) -> None:
        _LOGGER.debug("GB28181 UDP: %s", exc)


class _UdpTransport(UdpSipTransport):
    """aiosipua's UDP transport bound with the protocol above."""

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: _Datagrams(self),
                                                           local_addr=self.local_addr)
        self._udp_transport = transport


class SipTimeout(Exception):
    """No final response before the transaction timer ran out."""


def header_tag(header: str | None) -> str:
    """The tag parameter of a From or To header ('' when it has none)."""
    for part in (header or "").split(";")[1:]:
        name, _, value = part.partition("=")
        if name.strip().lower() == "tag":
            return value.strip()
    return ""


def header_uri(header: str | None) -> str:
    """The URI of a From, To or Contact header, without display name and parameters."""
    text = (header or "").split(";", 1)[0].strip()
    return text[text.find("<") + 1:text.find(">")] if "<" in text else text


def uri_user(uri: str) -> str:
    """The user part of a SIP URI: the id in sip:<id>@<domain>."""
    return uri.split(":", 1)[-1].split("@", 1)[0]


def make_response(request: SipRequest, status: int, reason: str, *, to_tag: str | None = None,
                  body: bytes = b"", content_type: str | None = None) -> SipResponse:
    """Build a response copying Via, From, To (with a tag), Call-ID and CSeq (RFC 3261 8.2.6)."""
    resp = SipResponse(status_code=status, reason_phrase=reason)
    for via in request.headers.get("Via"):
        resp.headers.append("Via", via)
    for name in ("From", "Call-ID", "CSeq"):
        value = request.get_header(name)
        if value is not None:
            resp.headers.set_single(name, value)
    to = request.get_header("To") or ""
    if status > 100 and ";tag=" not in to:
        to = f"{to};tag={to_tag or generate_tag()}"
    resp.headers.set_single("To", to)
    resp.headers.set_single("User-Agent", USER_AGENT)
    if content_type:
        resp.headers.set_single("Content-Type", content_type)
    resp.body = body
    return resp


class SipEndpoint:
    """One local SIP address (UDP or TCP) talking to one platform."""

    def __init__(self, transport: Literal["udp", "tcp"], local: Addr, remote: Addr) -> None:
        self.kind = transport
        self.remote = remote
        self.transport: SipTransport = (_UdpTransport if transport == "udp"
                                        else TcpSipTransport)(local_addr=local)
        self.transport.on_message = self._on_message
        self.handlers: dict[str, Handler] = {}
        #: called with a final response no open transaction waits for (a retransmitted 2xx
        #: to an INVITE: its dialog must ACK again, RFC 3261 13.2.2.4)
        self.on_stray_response: Callable[[SipResponse], None] | None = None
        self._pending: dict[tuple[str, str], asyncio.Future[SipResponse]] = {}
        self._answered: dict[tuple[str, str], tuple[float, SipResponse]] = {}
        #: requests being handled now; a retransmission of one must not start a second
        #: handler (an INVITE retransmitted while the camera's pull starts would open a
        #: second media session and close the first, whose port the answer already named)
        self._handling: set[tuple[str, str]] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.local: Addr = local
        self.listening: Addr = local

    async def start(self) -> None:
        """Bind (UDP) or listen (TCP; the connection to the platform opens on first use)."""
        await self.transport.start()
        if isinstance(self.transport, UdpSipTransport):
            assert self.transport._udp_transport is not None
            sock = self.transport._udp_transport.get_extra_info("sockname")
        else:
            assert isinstance(self.transport, TcpSipTransport)
            assert self.transport._server is not None
            sock = self.transport._server.sockets[0].getsockname()
        self.local = self.listening = (str(sock[0]), int(sock[1]))

    async def connect(self) -> None:
        """(TCP) Open the connection to the platform unless it is open."""
        assert isinstance(self.transport, TcpSipTransport)
        if self.remote in self.transport._connections:
            return
        _, writer = await self.transport.connect(self.remote)
        sock = writer.get_extra_info("sockname")
        self.local = (str(sock[0]), int(sock[1]))

    async def stop(self) -> None:
        """Close the transport and cancel open transactions."""
        for task in list(self._tasks):
            task.cancel()
        for fut in self._pending.values():
            fut.cancel()
        await self.transport.stop()

    @property
    def via_transport(self) -> str:
        """UDP or TCP, as the Via header spells it."""
        return self.kind.upper()

    def new_request(self, method: str, uri: str, from_uri: str, to_uri: str, *,
                    call_id: str | None = None, from_tag: str | None = None,
                    to_tag: str | None = None, cseq: int = 1) -> SipRequest:
        """A request with Via, Max-Forwards, From, To, Call-ID, CSeq and User-Agent."""
        req = SipRequest(method=method, uri=uri)
        host, port = self.local
        req.headers.append("Via", f"SIP/2.0/{self.via_transport} {host}:{port};rport;"
                                  f"branch={generate_branch()}")
        req.headers.set_single("Max-Forwards", "70")
        req.headers.set_single("From", f"<{from_uri}>;tag={from_tag or generate_tag()}")
        req.headers.set_single("To", f"<{to_uri}>" + (f";tag={to_tag}" if to_tag else ""))
        req.headers.set_single("Call-ID", call_id or generate_call_id(host))
        req.headers.set_single("CSeq", f"{cseq} {method}")
        req.headers.set_single("User-Agent", USER_AGENT)
        return req

    async def request(self, req: SipRequest, timeout: float = 32 * T1) -> SipResponse:
        """Send a request and return its final response; raise SipTimeout (timer F)."""
        key = self._key(req.headers.get_first("Via") or "", req.method)
        fut: asyncio.Future[SipResponse] = asyncio.get_running_loop().create_future()
        self._pending[key] = fut
        try:
            async with asyncio.timeout(timeout):
                await self._send(req, self.remote)
                interval = T1
                while True:
                    done, _ = await asyncio.wait([fut], timeout=interval)
                    if done:
                        return fut.result()
                    if self.kind == "udp":  # timer E: retransmit, doubling up to T2
                        await self._send(req, self.remote)
                        interval = min(interval * 2, T2)
        except TimeoutError:
            raise SipTimeout(f"{req.method}: no answer within {timeout:g} s") from None
        finally:
            self._pending.pop(key, None)

    def send(self, msg: SipRequest | SipResponse, addr: Addr | None = None) -> None:
        """Send without waiting (ACK, responses)."""
        self.transport.send(msg, addr or self.remote)

    async def _send(self, msg: SipRequest | SipResponse, addr: Addr) -> None:
        if isinstance(self.transport, TcpSipTransport) and addr == self.remote:
            await self.connect()
        self.transport.send(msg, addr)

    @staticmethod
    def _key(via: str, method: str) -> tuple[str, str]:
        branch = ""
        for part in via.split(";")[1:]:
            name, _, value = part.partition("=")
            if name.strip().lower() == "branch":
                branch = value.strip()
        return branch, method.upper()

    def _on_message(self, msg: SipRequest | SipResponse, addr: Addr) -> None:
        if isinstance(msg, SipResponse):
            cseq = msg.cseq
            key = self._key(msg.headers.get_first("Via") or "", cseq.method if cseq else "")
            fut = self._pending.get(key)
            if fut is not None and not fut.done() and msg.status_code >= 200:
                fut.set_result(msg)
            elif fut is None and msg.status_code >= 200 and self.on_stray_response is not None:
                self.on_stray_response(msg)
            return
        key = self._key(msg.headers.get_first("Via") or "", msg.method)
        cached = self._answered.get(key)
        if cached is not None:  # a retransmission: the same answer again
            self.send(cached[1], addr)
            return
        invite = msg.method.upper() == "INVITE"
        if key in self._handling:  # a retransmission of a request not answered yet
            if invite:
                self.send(make_response(msg, 100, "Trying"), addr)
            return
        if invite:  # RFC 3261 17.2.1: 100 Trying stops the client's timer A retransmissions
            self.send(make_response(msg, 100, "Trying"), addr)
        self._handling.add(key)
        task = asyncio.get_running_loop().create_task(self._handle(msg, addr, key))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, req: SipRequest, addr: Addr, key: tuple[str, str]) -> None:
        try:
            await self._answer(req, addr, key)
        finally:
            self._handling.discard(key)

    async def _answer(self, req: SipRequest, addr: Addr, key: tuple[str, str]) -> None:
        handler = self.handlers.get(req.method.upper())
        if handler is None:
            if req.method.upper() != "ACK":
                self.send(make_response(req, 405, "Method Not Allowed"), addr)
            return
        try:
            resp = await handler(req, addr)
        except Exception:
            _LOGGER.exception("GB28181: handling %s from %s failed", req.method, addr)
            resp = make_response(req, 500, "Server Internal Error")
        if resp is None:
            return
        now = time.monotonic()
        self._answered = {k: v for k, v in self._answered.items() if now - v[0] < 32}
        self._answered[key] = (now, resp)
        self.send(resp, addr)
