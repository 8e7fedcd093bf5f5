"""Registration and keepalive of the hub at the platform (GB/T 28181 9.1 and 9.6).

REGISTER with digest authentication (the username is the hub's 20-digit ID), refreshed at
80 % of the granted expiry; a Keepalive MESSAGE every `keepalive_interval`; after
`keepalive_misses` unanswered keepalives, or any refusal of one (the platform restarted and
forgot us), the hub registers again. Failures back off exponentially.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiosipua import SipResponse, generate_call_id, generate_tag
from aiosipua.auth import SipDigestAuth, answer_challenge

from . import manscdp
from .sip import SipEndpoint, SipTimeout

_LOGGER = logging.getLogger(__name__)

__all__ = ["RegisterFailed", "Registrar", "RegistrationSettings"]

REFRESH_FRACTION = 0.8
UNREGISTER_TIMEOUT = 2.0  # the hub is stopping: do not hold it up


class RegisterFailed(Exception):
    """The platform refused the registration; `state` says how (auth_failed, rejected)."""

    def __init__(self, state: str, message: str) -> None:
        super().__init__(message)
        self.state = state


@dataclass(slots=True)
class RegistrationSettings:
    """What registration needs to know."""

    device_id: str
    domain: str
    platform_id: str
    password: str
    expires: int = 3600
    keepalive_interval: float = 60.0
    keepalive_misses: int = 3
    retry_initial: float = 5.0
    retry_max: float = 300.0


@dataclass(slots=True)
class RegistrationStatus:
    """What the panel and `campus-hub uplinks` show."""

    state: str = "connecting"
    last_error: str | None = None
    registered_at: float | None = None
    expires: int | None = None
    last_keepalive_at: float | None = None
    keepalive_misses: int = 0
    registrations: int = 0
    retry_in: float | None = None
    history: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able view."""
        return {k: getattr(self, k) for k in ("state", "last_error", "registered_at", "expires",
                                               "last_keepalive_at", "keepalive_misses",
                                               "registrations", "retry_in")}


class Registrar:
    """Keeps the hub registered; run() loops until cancelled."""

    def __init__(self, endpoint: SipEndpoint, settings: RegistrationSettings) -> None:
        self.endpoint = endpoint
        self.settings = settings
        self.status = RegistrationStatus()
        self.registered = asyncio.Event()
        self._call_id = generate_call_id(endpoint.local[0])
        self._tag = generate_tag()
        self._cseq = itertools.count(1)
        self._sn = itertools.count(1)
        #: the IDs of faulty (offline) channels, listed in each keepalive's Info (A.2.5.2)
        self.faults: Callable[[], list[str]] = list
        self._wake = asyncio.Event()  # a setting changed (DeviceConfig)
        self._refresh_now = False

    @property
    def aor(self) -> str:
        """sip:<hub id>@<domain>."""
        return f"sip:{self.settings.device_id}@{self.settings.domain}"

    @property
    def platform_uri(self) -> str:
        """sip:<platform id>@<domain>."""
        return f"sip:{self.settings.platform_id}@{self.settings.domain}"

    def _set_state(self, state: str, error: str | None = None) -> None:
        if state != self.status.state:
            _LOGGER.info("GB28181 %s: %s%s", self.settings.device_id, state,
                         f" ({error})" if error else "")
        self.status.state, self.status.last_error = state, error
        self.status.history.append(state)
        del self.status.history[:-50]
        if state == "registered":
            self.registered.set()
        else:
            self.registered.clear()

    async def run(self) -> None:
        """Register, keep alive, re-register; back off after failures."""
        delay = self.settings.retry_initial
        while True:
            try:
                granted = await self.register(self.settings.expires)
            except RegisterFailed as err:
                self._set_state(err.state, str(err))
            except (SipTimeout, OSError) as err:
                self._set_state("unreachable", str(err) or type(err).__name__)
            else:
                delay = self.settings.retry_initial
                self.status.retry_in = None
                await self._keep_alive(granted)
                self._set_state("connecting", self.status.last_error)
                continue
            self.status.retry_in = delay
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.settings.retry_max)

    async def register(self, expires: int) -> int:
        """Send REGISTER (answering one digest challenge); return the granted expiry."""
        resp = await self._send_register(expires, None)
        if resp.status_code in (401, 407):
            auth = SipDigestAuth(self.settings.device_id, self.settings.password)
            header = answer_challenge(auth, resp, resp.status_code, "REGISTER", self.platform_uri)
            if header is None:
                raise RegisterFailed("auth_failed", "the platform's challenge cannot be answered")
            resp = await self._send_register(expires, header)
            if resp.status_code in (401, 403, 407):
                raise RegisterFailed("auth_failed", f"password refused by the platform "
                                     f"({resp.status_code} {resp.reason_phrase})")
        if not 200 <= resp.status_code < 300:
            raise RegisterFailed("rejected", f"REGISTER answered {resp.status_code} "
                                 f"{resp.reason_phrase}")
        granted = _granted(resp, expires)
        if expires:
            self.status.registered_at, self.status.expires = time.time(), granted
            self.status.registrations += 1
            self.status.keepalive_misses = 0
            self._set_state("registered")
        return granted

    async def _send_register(self, expires: int, auth: tuple[str, str] | None) -> SipResponse:
        ep = self.endpoint
        if ep.kind == "tcp":
            await ep.connect()
        req = ep.new_request("REGISTER", self.platform_uri, self.aor, self.aor,
                             call_id=self._call_id, from_tag=self._tag, cseq=next(self._cseq))
        host, port = ep.local
        req.headers.set_single("Contact", f"<sip:{self.settings.device_id}@{host}:{port}>")
        req.headers.set_single("Expires", str(expires))
        if auth is not None:
            req.headers.set_single(*auth)
        return await ep.request(req)

    async def unregister(self) -> None:
        """Remove the binding (Expires: 0); errors are logged, not raised."""
        if self.status.state != "registered":
            return
        try:
            async with asyncio.timeout(UNREGISTER_TIMEOUT):
                await self.register(0)
        except TimeoutError:
            _LOGGER.info("GB28181 %s: no answer to the unregister", self.settings.device_id)
        except (RegisterFailed, SipTimeout, OSError) as err:
            _LOGGER.info("GB28181 %s: unregister failed: %s", self.settings.device_id, err)
        self._set_state("unregistered")

    def reconfigure(self, *, expires: int | None = None,
                    keepalive_interval: float | None = None,
                    keepalive_misses: int | None = None) -> None:
        """Apply new values now (DeviceConfig): a new expiry registers again at once, a new
        keepalive interval times the next keepalive from the last one."""
        s = self.settings
        if keepalive_interval is not None:
            s.keepalive_interval = keepalive_interval
        if keepalive_misses is not None:
            s.keepalive_misses = keepalive_misses
        if expires is not None and expires != s.expires:
            s.expires = expires
            self._refresh_now = True
        self._wake.set()

    async def _keep_alive(self, granted: int) -> None:
        """Send keepalives and refresh the registration; return when it is lost."""
        s = self.settings
        refresh_at = time.monotonic() + max(1.0, granted * REFRESH_FRACTION)
        last_keepalive = time.monotonic()
        while True:
            self._wake.clear()
            wait = min(last_keepalive + s.keepalive_interval, refresh_at) - time.monotonic()
            if wait > 0:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wait):
                        await self._wake.wait()
            if self._refresh_now:
                self._refresh_now, refresh_at = False, time.monotonic()
            now = time.monotonic()
            if now >= refresh_at:
                try:
                    granted = await self.register(s.expires)
                except (RegisterFailed, SipTimeout, OSError) as err:
                    self.status.last_error = f"refresh failed: {err}"
                    return
                refresh_at = time.monotonic() + max(1.0, granted * REFRESH_FRACTION)
                continue
            if now < last_keepalive + s.keepalive_interval:
                continue  # woken by a new setting
            last_keepalive = now
            if not await self._send_keepalive():
                return

    async def _send_keepalive(self) -> bool:
        """One keepalive; False when the registration must be renewed."""
        s = self.settings
        faults = self.faults()
        info = manscdp.element("Info", [("DeviceID", f) for f in faults]) if faults else None
        body = manscdp.build("Notify", "Keepalive", next(self._sn), s.device_id,
                             [("Status", "OK"), ("Info", info)])
        try:
            resp = await self.send_message(body, timeout=min(s.keepalive_interval, 16.0))
        except (SipTimeout, OSError) as err:
            self.status.keepalive_misses += 1
            self.status.last_error = f"keepalive unanswered: {err}"
            return self.status.keepalive_misses < s.keepalive_misses
        if 200 <= resp.status_code < 300:
            self.status.keepalive_misses = 0
            self.status.last_keepalive_at = time.time()
            return True
        self.status.last_error = (f"keepalive refused ({resp.status_code} "
                                  f"{resp.reason_phrase}): the platform lost the registration")
        return False

    async def send_message(self, body: bytes, *, timeout: float = 16.0) -> SipResponse:
        """Send a MANSCDP MESSAGE to the platform and return its final response."""
        ep = self.endpoint
        req = ep.new_request("MESSAGE", self.platform_uri, self.aor, self.platform_uri)
        req.headers.set_single("Content-Type", manscdp.CONTENT_TYPE)
        req.body = body
        return await ep.request(req, timeout=timeout)

    def next_sn(self) -> int:
        """A fresh SN for a notification the hub starts."""
        return next(self._sn)


def _granted(resp: SipResponse, asked: int) -> int:
    for contact in resp.contact:
        value = contact.params.get("expires")
        if value and value.isdigit():
            return int(value)
    header = resp.get_header("Expires")
    return int(header) if header and header.strip().isdigit() else asked
