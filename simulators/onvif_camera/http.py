"""The camera's HTTP face: SOAP dispatch with auth and faults, snapshot and MJPEG with HTTP auth."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections import Counter

from aiohttp import web

from .auth import DigestRealm, check_basic, check_username_token
from .config import Fault
from .frames import FrameCache, serve_mjpeg, serve_snapshot
from .services import SERVICES, SoapFaultError
from .services.base import action_not_supported
from .soap import CONTENT_TYPE, SoapParseError, SoapRequest, envelope, fault, parse_request
from .state import DeviceContext

_LOGGER = logging.getLogger(__name__)
MALFORMED_BODY = '<?xml version="1.0"?><s:Envelope xmlns:s="broken"><s:Body><oops'
HANG_SECONDS = 3600.0


class CameraHttp:
    """Request handlers bound to one simulated camera."""

    def __init__(self, ctx: DeviceContext, cache: FrameCache) -> None:
        self.ctx, self.cache = ctx, cache
        self.fault = Fault.NONE
        self.requests: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()
        self.digest = DigestRealm(realm=ctx.config.name)

    def build_app(self) -> web.Application:
        """A fresh aiohttp application (one per power-on)."""
        app = web.Application()
        app.router.add_post("/onvif/subscription_service/{sid}", self.soap)
        app.router.add_post("/onvif/{service}_service", self.soap)
        app.router.add_get("/snapshot.jpg", self.snapshot)
        app.router.add_get("/mjpeg", self.mjpeg)
        return app

    def _fault(self, err: SoapFaultError) -> web.Response:
        body = fault(err.code, err.subcode, err.reason)
        return web.Response(text=body, status=err.status, content_type="application/soap+xml")

    def _authorized(self, req: SoapRequest) -> bool:
        if req.operation in self.ctx.config.open_operations:
            return True
        if self.fault is Fault.BAD_AUTH:
            return False
        c = self.ctx.config
        return check_username_token(req.header, c.username, c.password)

    async def soap(self, request: web.Request) -> web.StreamResponse:
        """Parse, authenticate, apply the fault switch and dispatch to a service handler."""
        data = await request.read()
        if self.fault is Fault.TIMEOUT:
            await asyncio.sleep(HANG_SECONDS)
        if self.fault is Fault.MALFORMED:
            return web.Response(text=MALFORMED_BODY, headers={"Content-Type": CONTENT_TYPE})
        try:
            req = parse_request(data)
        except SoapParseError as err:
            return self._fault(SoapFaultError("s:Sender", "ter:WellFormed", str(err)))
        req = dataclasses.replace(req, target=request.match_info.get("sid", ""))
        service = "subscription" if req.target else request.match_info.get("service", "")
        handler = SERVICES.get(service, {}).get(req.operation)
        if handler is None or req.operation in self.ctx.config.missing_operations:
            return self._fault(action_not_supported(req.operation))
        if not self._authorized(req):
            self.refused[req.operation] += 1
            reason = "Sender not Authorized"
            return self._fault(SoapFaultError("s:Sender", "ter:NotAuthorized", reason))
        if self.fault is Fault.SOAP_FAULT:
            return self._fault(SoapFaultError("s:Receiver", "ter:Action", "simulated failure", 500))
        self.requests[req.operation] += 1
        try:
            body = await handler(self.ctx, req)
        except SoapFaultError as err:
            return self._fault(err)
        return web.Response(text=envelope(body), headers={"Content-Type": CONTENT_TYPE})

    def _http_auth(self, request: web.Request, scheme: str) -> web.Response | None:
        c = self.ctx.config
        header = request.headers.get("Authorization")
        if scheme == "none":
            return None
        if scheme == "basic" and check_basic(header, c.username, c.password):
            return None
        if scheme == "digest" and self.digest.check(header, request.method, c.username, c.password):
            return None
        challenge = self.digest.challenge() if scheme == "digest" else f'Basic realm="{c.name}"'
        return web.Response(status=401, headers={"WWW-Authenticate": challenge})

    async def snapshot(self, request: web.Request) -> web.Response:
        """JPEG snapshot behind the configured HTTP auth."""
        if self.fault is Fault.TIMEOUT:
            await asyncio.sleep(HANG_SECONDS)
        denied = self._http_auth(request, self.ctx.config.snapshot_auth)
        if denied is not None:
            return denied
        self.requests["snapshot"] += 1
        return await serve_snapshot(self.cache)

    async def mjpeg(self, request: web.Request) -> web.StreamResponse:
        """MJPEG stream behind the configured stream auth."""
        denied = self._http_auth(request, self.ctx.config.stream_auth)
        if denied is not None:
            return denied
        self.requests["mjpeg"] += 1
        return await serve_mjpeg(request, self.cache)
