"""The hub's SIP server transactions over real UDP on 127.0.0.1 (RFC 3261 17.2): a request
retransmitted while the hub is still working on it is absorbed, never handled twice."""

from __future__ import annotations

import asyncio
from typing import Any

from aiosipua import SipMessage, SipRequest, SipResponse

from plugins.uplinks.gb28181.sip import SipEndpoint, make_response

from .conftest import DOMAIN, HUB_ID, PLATFORM_ID


class _Platform(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.responses: list[SipResponse] = []

    def datagram_received(self, data: bytes, addr: Any) -> None:
        msg = SipMessage.parse(data)
        assert isinstance(msg, SipResponse)
        self.responses.append(msg)


def _invite(port: int) -> bytes:
    req = SipRequest(method="INVITE", uri=f"sip:{HUB_ID}@{DOMAIN}")
    req.headers.append("Via", f"SIP/2.0/UDP 127.0.0.1:{port};rport;branch=z9hG4bKslow1")
    req.headers.set_single("From", f"<sip:{PLATFORM_ID}@{DOMAIN}>;tag=platform")
    req.headers.set_single("To", f"<sip:{HUB_ID}@{DOMAIN}>")
    req.headers.set_single("Call-ID", "slow-camera")
    req.headers.set_single("CSeq", "1 INVITE")
    req.headers.set_single("Max-Forwards", "70")
    return bytes(req)


async def test_invite_retransmitted_while_the_camera_starts_is_handled_once() -> None:
    """Timer A resends the INVITE every 0.5 s over UDP; a camera whose pull takes a while to
    start must not get a second media session (which would close the first one's port):
    100 Trying at once, one handler call, and the one 200 OK repeated for later copies."""
    calls: list[str] = []

    async def slow_invite(req: SipRequest, _addr: Any) -> SipResponse:
        calls.append(req.call_id or "")
        await asyncio.sleep(0.6)
        return make_response(req, 200, "OK", to_tag="hub")

    endpoint = SipEndpoint("udp", ("127.0.0.1", 0), ("127.0.0.1", 9))
    endpoint.handlers["INVITE"] = slow_invite
    await endpoint.start()
    loop = asyncio.get_running_loop()
    transport, platform = await loop.create_datagram_endpoint(_Platform,
                                                              local_addr=("127.0.0.1", 0))
    try:
        invite = _invite(transport.get_extra_info("sockname")[1])
        for _ in range(3):  # the first copy and two retransmissions inside 0.6 s
            transport.sendto(invite, endpoint.listening)
            await asyncio.sleep(0.2)
        await asyncio.sleep(0.6)
        transport.sendto(invite, endpoint.listening)  # one more after the answer
        await asyncio.sleep(0.2)
    finally:
        transport.close()
        await endpoint.stop()
    assert calls == ["slow-camera"]
    codes = [r.status_code for r in platform.responses]
    assert codes[0] == 100 and 100 in codes[1:3]
    assert codes.count(200) == 2  # the answer and the same answer to the late copy
    oks = [r for r in platform.responses if r.status_code == 200]
    assert bytes(oks[0]) == bytes(oks[1])
