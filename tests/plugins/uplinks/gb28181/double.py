"""A GB/T 28181 platform double on UDP, written from GB/T 28181-2016 clause 9 and annex A
(no real police platform can run here): it sends MANSCDP requests in GB2312, answers every
request of the hub with 200 OK (an INVITE with the SDP `invite_sdp` gives), collects the
hub's MANSCDP bodies and its other requests, and can send INVITE/ACK/BYE of its own."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from aiosipua import SipMessage, SipRequest, SipResponse

from plugins.uplinks.gb28181 import manscdp
from plugins.uplinks.gb28181.sip import make_response

from .conftest import DOMAIN, HUB_ID, PLATFORM_ID


class PlatformDouble(asyncio.DatagramProtocol):
    """The platform's SIP UDP port: sends MESSAGEs, answers and collects the hub's."""

    def __init__(self) -> None:
        self.bodies: asyncio.Queue[manscdp.ManscdpMessage] = asyncio.Queue()
        self.responses: asyncio.Queue[SipResponse] = asyncio.Queue()
        self.requests: asyncio.Queue[SipRequest] = asyncio.Queue()  # every non-MESSAGE one
        self.transport: asyncio.DatagramTransport | None = None
        self.sn = 100
        #: the SDP answered to the hub's INVITE (None: a 200 without a body)
        self.invite_sdp: Callable[[SipRequest], str] | None = None
        self.repeat_invite_ok = False
        self.datagram_sizes: dict[str, list[int]] = {}  # SN -> sizes of the hub's MESSAGEs

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # a datagram endpoint

    def datagram_received(self, data: bytes, addr: Any) -> None:
        msg = SipMessage.parse(data)
        if isinstance(msg, SipResponse):
            self.responses.put_nowait(msg)
            return
        assert isinstance(msg, SipRequest) and self.transport is not None
        if msg.method == "INVITE" and self.invite_sdp is not None:
            resp = make_response(msg, 200, "OK", to_tag="platform",
                                 body=self.invite_sdp(msg).encode(),
                                 content_type="application/sdp")
            self.transport.sendto(bytes(resp), addr)
            if self.repeat_invite_ok:  # as if the hub's ACK was lost (RFC 3261 13.3.1.4)
                asyncio.get_running_loop().call_later(0.1, self.transport.sendto,
                                                      bytes(resp), addr)
        elif msg.method != "ACK":
            self.transport.sendto(bytes(make_response(msg, 200, "OK")), addr)
        if msg.method == "MESSAGE":
            parsed = manscdp.parse(msg.body)
            self.datagram_sizes.setdefault(parsed.sn, []).append(len(data))
            self.bodies.put_nowait(parsed)
        else:
            self.requests.put_nowait(msg)

    async def request(self, method: str, timeout: float = 5) -> SipRequest:
        """The next request of `method` the hub sent (others are dropped)."""
        async with asyncio.timeout(timeout):
            while (req := await self.requests.get()).method != method:
                pass
        return req

    async def response(self, method: str, timeout: float = 5) -> SipResponse:
        """The next final response of the hub to one of our `method` requests."""
        async with asyncio.timeout(timeout):
            while True:
                resp = await self.responses.get()
                cseq = resp.cseq
                if cseq is not None and cseq.method == method and resp.status_code >= 200:
                    return resp

    def send_request(self, hub: tuple[str, int], method: str, to_id: str, *, call_id: str,
                     to_tag: str = "", cseq: int = 1, body: bytes = b"",
                     content_type: str | None = None,
                     headers: dict[str, str] | None = None) -> None:
        """Send INVITE, ACK, BYE or SUBSCRIBE of a dialog the platform started (From tag
        "platform")."""
        assert self.transport is not None
        self.sn += 1
        host, port = self.transport.get_extra_info("sockname")
        req = SipRequest(method=method, uri=f"sip:{to_id}@{DOMAIN}")
        req.headers.append("Via", f"SIP/2.0/UDP {host}:{port};rport;branch=z9hG4bK{self.sn}")
        req.headers.set_single("From", f"<sip:{PLATFORM_ID}@{DOMAIN}>;tag=platform")
        req.headers.set_single("To", f"<sip:{to_id}@{DOMAIN}>"
                                     + (f";tag={to_tag}" if to_tag else ""))
        req.headers.set_single("Call-ID", call_id)
        req.headers.set_single("CSeq", f"{cseq} {method}")
        req.headers.set_single("Max-Forwards", "70")
        if content_type:
            req.headers.set_single("Content-Type", content_type)
        for name, value in (headers or {}).items():
            req.headers.set_single(name, value)
        req.body = body
        self.transport.sendto(bytes(req), hub)

    def subscribe(self, hub: tuple[str, int], kind: str, expires: int, call_id: str,
                  fields: Sequence[tuple[str, object]] = (), cseq: int = 1) -> None:
        """SUBSCRIBE to Alarm or Catalog of the hub (a Query body, GB2312)."""
        self.sn += 1
        body = manscdp.build("Query", kind, self.sn, HUB_ID, fields).decode("gb18030")
        self.send_request(hub, "SUBSCRIBE", HUB_ID, call_id=call_id, cseq=cseq,
                          body=body.encode("gb2312"), content_type=manscdp.CONTENT_TYPE,
                          headers={"Event": f"{kind};id={self.sn}", "Expires": str(expires)})

    def send(self, hub: tuple[str, int], root: str, cmd: str, device_id: str,
             fields: Sequence[tuple[str, object]] = ()) -> int:
        """Send a MANSCDP request in GB2312; return its SN."""
        assert self.transport is not None
        self.sn += 1
        host, port = self.transport.get_extra_info("sockname")
        text = manscdp.build(root, cmd, self.sn, device_id, fields).decode("gb18030")
        if not device_id:  # e.g. Notify Broadcast: SourceID/TargetID, no DeviceID
            text = text.replace("  <DeviceID />\n", "")
        body = text.encode("gb2312")
        req = SipRequest(method="MESSAGE", uri=f"sip:{device_id}@{DOMAIN}")
        req.headers.append("Via", f"SIP/2.0/UDP {host}:{port};rport;branch=z9hG4bK{self.sn}")
        req.headers.set_single("From", f"<sip:{PLATFORM_ID}@{DOMAIN}>;tag=p{self.sn}")
        req.headers.set_single("To", f"<sip:{device_id}@{DOMAIN}>")
        req.headers.set_single("Call-ID", f"q{self.sn}@{host}")
        req.headers.set_single("CSeq", "1 MESSAGE")
        req.headers.set_single("Max-Forwards", "70")
        req.headers.set_single("Content-Type", manscdp.CONTENT_TYPE)
        req.body = body
        self.transport.sendto(bytes(req), hub)
        return self.sn

    async def answers(self, sn: int, count: int = 1) -> list[manscdp.ManscdpMessage]:
        """The next `count` bodies the hub sent for that SN."""
        found: list[manscdp.ManscdpMessage] = []
        async with asyncio.timeout(5):
            while len(found) < count:
                msg = await self.bodies.get()
                if msg.sn == str(sn):
                    found.append(msg)
        return found


