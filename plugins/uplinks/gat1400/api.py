"""A GA/T 1400.4 client for a police views library (视图库): register with HTTP Digest,
keep alive, read the platform's time, declare collecting devices (APEs), upload Face
objects. No hub imports: it could ship on its own.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import time
from dataclasses import dataclass
from typing import Any

import aiohttp

from .digest import DigestChallenge, authorization
from .objects import Dialect, ResponseStatus, list_body, response_statuses, system_time
from .times import parse_time

_LOGGER = logging.getLogger(__name__)

__all__ = [
    "AuthFailed",
    "ClockReading",
    "NotRegistered",
    "PlatformRefused",
    "PlatformUnavailable",
    "ViewsLibraryClient",
    "ViewsLibraryError",
]

REGISTER = "/VIID/System/Register"
UNREGISTER = "/VIID/System/UnRegister"
KEEPALIVE = "/VIID/System/Keepalive"
TIME = "/VIID/System/Time"
APES = "/VIID/APEs"
FACES = "/VIID/Faces"
SUBSCRIBES = "/VIID/Subscribes"
#: StatusCode values of GA/T 1400.4 that mean the request itself is wrong (no retry helps).
_REQUEST_WRONG = frozenset({5, 6, 7, 8})
#: StatusCode 4, invalid operation: what platforms answer a device they do not know.
_INVALID_OPERATION = 4


class ViewsLibraryError(Exception):
    """Something went wrong talking to the views library."""


class PlatformUnavailable(ViewsLibraryError):
    """Transient: no connection, a timeout, a 5xx, or the platform says it is busy."""


class NotRegistered(ViewsLibraryError):
    """The platform does not (or no longer) know this device: register again."""


class AuthFailed(ViewsLibraryError):
    """Registration was refused: wrong user, password or device id."""


class PlatformRefused(ViewsLibraryError):
    """The platform refused the request for good (bad content); sending it again cannot help."""


@dataclass(frozen=True)
class ClockReading:
    """The platform's clock against ours: offset = platform - hub, in seconds."""

    server_id: str
    platform_time: dt.datetime
    offset: float
    round_trip: float


class ViewsLibraryClient:
    """Talks to one views library as one registered device (the hub's 20-digit id)."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, device_id: str,
                 user: str, password: str, dialect: Dialect | None = None,
                 timeout: float = 10.0) -> None:
        self._session = session
        self.base_url = base_url.rstrip("/")
        self.device_id = device_id
        self._user = user
        self._password = password
        self.dialect = dialect or Dialect()
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    # ------------------------------------------------------------------ session

    async def register(self) -> None:
        """Register (POST, 401 challenge, answer with Digest); AuthFailed if refused."""
        body = {"RegisterObject": {"DeviceID": self.device_id}}
        status, data, headers = await self._send("POST", REGISTER, body)
        if status == 401:
            challenge = headers.get("WWW-Authenticate", "")
            try:
                parsed = DigestChallenge.from_header(challenge)
            except ValueError as exc:
                raise AuthFailed(f"registration: the platform's challenge is not usable "
                                 f"({exc})") from None
            auth = authorization(parsed, self._user, self._password, "POST", REGISTER)
            status, data, headers = await self._send("POST", REGISTER, body, auth)
        if status == 401:
            raise AuthFailed("registration refused: wrong user or password for device "
                             f"{self.device_id} (HTTP 401 after Digest)")
        self._check_session_answer(status, data, "registration", register=True)

    async def unregister(self) -> None:
        """Unregister (Digest as for Register); errors are reported, not raised on 401."""
        body = {"UnRegisterObject": {"DeviceID": self.device_id}}
        status, _, headers = await self._send("POST", UNREGISTER, body)
        if status == 401:
            challenge = DigestChallenge.from_header(headers.get("WWW-Authenticate", ""))
            auth = authorization(challenge, self._user, self._password, "POST", UNREGISTER)
            await self._send("POST", UNREGISTER, body, auth)

    async def keepalive(self) -> None:
        """Send one keepalive; NotRegistered when the platform has forgotten the device."""
        status, data, _ = await self._call("POST", KEEPALIVE,
                                           {"KeepaliveObject": {"DeviceID": self.device_id}})
        self._check_session_answer(status, data, "keepalive")

    async def clock(self) -> ClockReading:
        """Read the platform's time and how far it is from ours."""
        sent = time.time()
        status, data, _ = await self._call("GET", TIME, None)
        received = time.time()
        if status == 401:
            raise NotRegistered("time: HTTP 401")
        if status != 200:
            raise PlatformUnavailable(f"time: HTTP {status}")
        try:
            server_id, raw = system_time(data)
            platform_time = parse_time(raw, self.dialect.zone)
        except ValueError as exc:
            raise PlatformUnavailable(f"time: {exc}") from None
        midpoint = (sent + received) / 2
        return ClockReading(server_id, platform_time, platform_time.timestamp() - midpoint,
                            received - sent)

    # ------------------------------------------------------------------ objects

    async def declare_apes(self, apes: list[dict[str, Any]]) -> list[ResponseStatus]:
        """Declare collecting devices (POST /VIID/APEs)."""
        return await self._post_objects(APES, list_body("APE", apes, self.dialect), "APE")

    async def subscribe(self, subscriptions: list[dict[str, Any]]) -> list[ResponseStatus]:
        """Ask the platform to notify the hub (POST /VIID/Subscribes)."""
        return await self._post_objects(SUBSCRIBES, list_body("Subscribe", subscriptions,
                                                              self.dialect), "Subscribe")

    async def upload_faces(self, faces: list[dict[str, Any]]) -> list[ResponseStatus]:
        """Upload Face objects (POST /VIID/Faces); return one status per object."""
        return await self._post_objects(FACES, list_body("Face", faces, self.dialect), "Face")

    async def _post_objects(self, path: str, body: dict[str, Any],
                            kind: str) -> list[ResponseStatus]:
        status, data, _ = await self._call("POST", path, body)
        if status == 401:
            raise NotRegistered(f"{kind} upload: HTTP 401 (not registered)")
        if status >= 500 or status in (408, 425, 429):
            raise PlatformUnavailable(f"{kind} upload: HTTP {status}")
        statuses = response_statuses(data)
        if status != 200:
            text = statuses[0].text if statuses else ""
            raise PlatformRefused(f"{kind} upload: HTTP {status} {text}".strip())
        bad = [s for s in statuses if not s.ok]
        if any(s.code == _INVALID_OPERATION for s in bad):
            raise NotRegistered(f"{kind} upload: {bad[0].text or 'invalid operation'}")
        if any(s.code in _REQUEST_WRONG for s in bad):
            raise PlatformRefused(f"{kind} upload refused: StatusCode {bad[0].code} "
                                  f"{bad[0].text}".strip())
        if bad:
            raise PlatformUnavailable(f"{kind} upload: StatusCode {bad[0].code} {bad[0].text}")
        return statuses

    # ------------------------------------------------------------------ transport

    def _check_session_answer(self, status: int, data: Any, what: str,
                              register: bool = False) -> None:
        if status == 401:
            raise (AuthFailed if register else NotRegistered)(f"{what}: HTTP 401")
        if status >= 500 or status in (408, 425, 429):
            raise PlatformUnavailable(f"{what}: HTTP {status}")
        statuses = response_statuses(data)
        if status != 200:
            raise (AuthFailed if register and status == 403 else PlatformUnavailable)(
                f"{what}: HTTP {status}")
        if statuses and not statuses[0].ok:
            first = statuses[0]
            detail = f"{what}: StatusCode {first.code} {first.text}".strip()
            if register:
                raise AuthFailed(detail)
            raise NotRegistered(detail)

    async def _call(self, method: str, path: str,
                    body: dict[str, Any] | None) -> tuple[int, Any, Any]:
        """Send; a platform that wants Digest on every request gets its challenge answered.

        (Some platforms challenge every request, not only Register. One that forgot the
        device answers 401 again, which callers take as 'not registered'.)
        """
        status, data, headers = await self._send(method, path, body)
        challenge = headers.get("WWW-Authenticate", "") if status == 401 else ""
        if challenge.lower().startswith("digest"):
            try:
                parsed = DigestChallenge.from_header(challenge)
            except ValueError:
                return status, data, headers
            auth = authorization(parsed, self._user, self._password, method, path)
            status, data, headers = await self._send(method, path, body, auth)
        return status, data, headers

    async def _send(self, method: str, path: str, body: dict[str, Any] | None,
                    auth: str | None = None) -> tuple[int, Any, Any]:
        headers = {"User-Identify": self.device_id, "Accept": "application/json"}
        data = None
        if body is not None:
            data = encode_body(body)
            headers["Content-Type"] = f"{self.dialect.content_type};charset=UTF-8"
        if auth is not None:
            headers["Authorization"] = auth
        try:
            async with self._session.request(method, self.base_url + path, data=data,
                                             headers=headers, timeout=self._timeout) as resp:
                raw = await resp.read()
                return resp.status, _json_or_none(raw), resp.headers
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise PlatformUnavailable(f"{method} {path}: {type(exc).__name__}: {exc}"
                                      ) from None


def encode_body(body: Any) -> bytes:
    """Return standard JSON (RFC 8259) in UTF-8, as the hub's own encoder writes it.

    Never a bare NaN or Infinity (strict platforms refuse the whole request): a non-finite
    number is sent as null, and logged; a lone surrogate as U+FFFD.
    """
    try:
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except ValueError:
        _LOGGER.warning("GA/T 1400: a non-finite number in an outgoing body is sent as null")
        text = json.dumps(_finite(body), ensure_ascii=False, separators=(",", ":"),
                          allow_nan=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: U+FFFD, as hub.jsonutil.dumps does
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace").encode()


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _json_or_none(raw: bytes) -> Any:
    """Return the platform's JSON answer, or None when it is not standard JSON."""
    if not raw:
        return None
    try:
        return json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError):
        return None
