"""Who is calling: API tokens (Bearer) or panel sessions (cookie + CSRF header), and roles."""

from __future__ import annotations

import datetime as dt
import hmac
import logging
from dataclasses import dataclass
from ipaddress import ip_address
from typing import Literal
from urllib.parse import urlsplit

from aiohttp import web

from ..auth.store import AuthStore, User
from ..auth.throttle import LoginThrottle
from ..bus import Context
from .config import HttpConfig
from .errors import ApiError

_LOGGER = logging.getLogger(__name__)

__all__ = ["CSRF_HEADER", "PRINCIPAL_KEY", "Authenticator", "Principal", "check_origin",
           "client_ip", "same_origin"]

CSRF_HEADER = "X-CSRF-Token"


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller and how they proved it."""

    user: User
    via: Literal["session", "token"]
    csrf_token: str | None = None
    #: The session's stored hash or the token's id: what to check again later.
    key: str = ""
    #: When the session ends (tokens do not expire; they are revoked).
    expires_at: dt.datetime | None = None

    def context(self, origin: str = "api") -> Context:
        """Return the bus context that records this user as the actor."""
        return Context(user_id=self.user.name, origin=origin)


PRINCIPAL_KEY = web.RequestKey("campus_principal", Principal)


def client_ip(request: web.Request, config: HttpConfig) -> str:
    """Return the client's address; X-Forwarded-For counts only from a trusted proxy."""
    remote = request.remote or ""
    forwarded = request.headers.get("X-Forwarded-For")
    if forwarded and config.trusted_proxies:
        try:
            peer = ip_address(remote)
        except ValueError:
            return remote
        if any(peer in net for net in config.trusted_proxies):
            return forwarded.split(",")[-1].strip() or remote
    return remote


def same_origin(request: web.Request, external_url: str = "") -> bool:
    """Return whether the request's Origin (if any) is this hub: its Host or external URL."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True  # not a browser, or a same-origin GET/HEAD
    netloc = urlsplit(origin).netloc.lower()
    allowed = {request.host.lower()}
    if external_url:
        allowed.add(urlsplit(external_url).netloc.lower())
    return bool(netloc) and netloc in allowed


def check_origin(request: web.Request, external_url: str = "") -> None:
    """Raise 403 when a browser sends a state-changing request from another site."""
    if not same_origin(request, external_url):
        raise ApiError(403, "cross_origin", f"header.Origin: requests from "
                       f"{request.headers.get('Origin')} are refused",
                       [("header.Origin", "not this hub")])


class Authenticator:
    """Checks credentials on every request that is not public."""

    def __init__(self, store: AuthStore, config: HttpConfig) -> None:
        self.store = store
        self.config = config
        auth = config.auth
        self.throttle = LoginThrottle(auth.login_attempts, auth.login_window_seconds,
                                      auth.lockout_seconds)

    async def identify(self, request: web.Request) -> Principal | None:
        """Return the caller, or None when the request carries no valid credentials."""
        header = request.headers.get("Authorization")
        if header is not None:
            scheme, _, value = header.partition(" ")
            if scheme.lower() != "bearer" or not value.strip():
                return None
            found = await self.store.token_auth(value.strip())
            return Principal(found.user, "token", key=found.token_id) if found else None
        secret = request.cookies.get(self.config.cookie_name)
        if secret:
            session = await self.store.get_session(secret)
            if session is not None:
                return Principal(session.user, "session", session.csrf_token, session.key,
                                 session.expires_at)
        return None

    async def still_valid(self, who: Principal) -> bool:
        """Return whether the caller's session or token still grants the same access."""
        if who.via == "token":
            user = await self.store.token_user(who.key)
        else:
            session = await self.store.session_by_key(who.key)
            user = session.user if session is not None else None
        return user is not None and user.role == who.user.role

    async def require(self, request: web.Request, roles: frozenset[str],
                      unsafe: bool) -> Principal:
        """Return the caller or raise 401/403: role not allowed, or CSRF token missing."""
        who = await self.identify(request)
        if who is None:
            raise ApiError(401, "unauthorized", "log in or send 'Authorization: Bearer <token>'",
                           headers={"WWW-Authenticate": 'Bearer realm="campus-hub"'})
        if who.user.role not in roles:
            raise ApiError(403, "forbidden",
                           f"role {who.user.role} may not use {request.method} {request.path}")
        if unsafe and who.via == "session":
            sent = request.headers.get(CSRF_HEADER, "")
            if not who.csrf_token or not hmac.compare_digest(sent, who.csrf_token):
                raise ApiError(403, "csrf", f"missing or wrong {CSRF_HEADER} header",
                               [(f"header.{CSRF_HEADER}", "missing or wrong")])
        return who
